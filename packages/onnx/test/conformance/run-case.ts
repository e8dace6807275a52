import type { Variable } from '@kindling/autograd';
import type { Tensor } from '@kindling/tensor';
import { importOnnx, OnnxUnsupportedError, SUPPORTED_ONNX_OPS, type HostTensor } from '../../src/index.js';
import { hostToTensor } from '../../src/tensor-proto.js';
import type { OnnxCase } from './onnx-cases.js';

/** ONNX's runner's tolerances: |actual − expected| ≤ atol + rtol·|expected|. */
const RTOL = 1e-3;
const ATOL = 1e-7;

export type CaseOutcome = { kind: 'passed' } | { kind: 'skipped'; reason: string } | { kind: 'failed'; message: string };

/** Why a case is skipped before it is read: the ops of its graph that are not in the table. */
export function unsupportedOps(onnxCase: OnnxCase): string[] {
  return onnxCase.opTypes.filter((op) => !SUPPORTED_ONNX_OPS.includes(op)).sort();
}

function mismatch(actual: ArrayLike<number>, expected: HostTensor): string | undefined {
  if (actual.length !== expected.values.length) return `${actual.length} values where ${expected.values.length} were expected`;
  for (let i = 0; i < actual.length; i++) {
    const a = Number(actual[i]);
    const e = expected.values[i] as number;
    if (Number.isNaN(e) ? Number.isNaN(a) : a === e || Math.abs(a - e) <= ATOL + RTOL * Math.abs(e)) continue;
    return `element ${i} is ${a}, expected ${e}`;
  }
  return undefined;
}

/** Runs every data set of a case on `device` and compares each output with the expected one. */
export async function runCase(onnxCase: OnnxCase, device: string): Promise<CaseOutcome> {
  try {
    const model = importOnnx(onnxCase.model, { device });
    for (const [setIndex, set] of onnxCase.dataSets().entries()) {
      const feeds: Record<string, Tensor> = {};
      set.inputs.forEach((host, i) => {
        const name = model.inputNames.includes(host.name) ? host.name : (model.inputNames[i] as string);
        feeds[name] = hostToTensor(host, device, `input '${name}'`);
      });
      const outputs = model.run(feeds);
      for (const [i, expected] of set.outputs.entries()) {
        const actual = outputs[model.outputNames[i] as string] as Variable;
        const shapeMatches = actual.shape.length === expected.shape.length && actual.shape.every((d, j) => d === expected.shape[j]);
        const problem = shapeMatches ? mismatch(await actual.data.data(), expected) : `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
        if (problem !== undefined) return { kind: 'failed', message: `data set ${setIndex}, output ${i} ('${model.outputNames[i]}'): ${problem}` };
      }
    }
    return { kind: 'passed' };
  } catch (error) {
    if (error instanceof OnnxUnsupportedError) return { kind: 'skipped', reason: error.reason };
    return { kind: 'failed', message: (error as Error).stack ?? String(error) };
  }
}
