import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeTensor, readTensorProto, type HostTensor } from '../../src/index.js';
import { decodeModel } from '../../src/proto/proto.js';

/** Where Debian's libonnx-testdata puts ONNX's backend test cases. */
export const ONNX_TEST_DATA = '/usr/share/libonnx-testdata/data';

/** The suites of cases this runner runs: single ops, and PyTorch's modules and operators. */
export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator'] as const;

export interface DataSet {
  readonly inputs: readonly (HostTensor & { name: string })[];
  readonly outputs: readonly HostTensor[];
}

export interface OnnxCase {
  /** `node/test_add`. */
  readonly id: string;
  readonly model: Uint8Array;
  /** The op types of the graph's nodes (of every domain, qualified when not the default one). */
  readonly opTypes: readonly string[];
  /** The data sets, read on demand: a case skipped for its ops never decodes them. */
  dataSets(): DataSet[];
}

function readPb(path: string): HostTensor & { name: string } {
  const proto = decodeTensor(readFileSync(path));
  return { ...readTensorProto(proto, path), name: proto.name ?? '' };
}

/** The numbered files `prefix_0.pb`, `prefix_1.pb`, ... of a data set folder, in order. */
function numbered(dir: string, prefix: string): string[] {
  const files = readdirSync(dir).filter((f) => f.startsWith(`${prefix}_`) && f.endsWith('.pb'));
  return files.sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3))).map((f) => join(dir, f));
}

/**
 * Every case of `suite`, sorted by name. The conformance project starts only where the cases are
 * installed; the Dawn project also needs them, and says so when they are not.
 */
export function listCases(suite: string): OnnxCase[] {
  const root = join(ONNX_TEST_DATA, suite);
  if (!existsSync(root)) throw new Error(`ONNX's backend test cases are not in ${ONNX_TEST_DATA}: apt-get install libonnx-testdata (.ci/run installs it)`);
  return readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'model.onnx')))
    .sort()
    .map((name) => {
      const dir = join(root, name);
      const model = readFileSync(join(dir, 'model.onnx'));
      const nodes = decodeModel(model).graph?.node ?? [];
      const opTypes = [...new Set(nodes.map((n) => (n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : (n.opType ?? ''))))];
      return {
        id: `${suite}/${name}`,
        model,
        opTypes,
        dataSets: () =>
          readdirSync(dir)
            .filter((d) => d.startsWith('test_data_set_'))
            .sort()
            .map((d) => {
              const setDir = join(dir, d);
              return { inputs: numbered(setDir, 'input').map(readPb), outputs: numbered(setDir, 'output').map(readPb) };
            }),
      };
    });
}
