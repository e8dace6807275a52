import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, save } from '@kindling/nn';
import { fromValues, manualSeed, setBackend } from '@kindling/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConvNet } from '@kindling/models';

/*
 * The CNN's checkpoint round trip with PyTorch. The fixtures are written by
 * scripts/fixtures/generate_cnn_fixtures.py (PyTorch's examples/mnist Net) and
 * scripts/fixtures/write-kindling-cnn.mjs (Kindling's ConvNet); that script also checks the reverse
 * direction, Kindling's checkpoint in PyTorch, so these tests need no Python.
 */
const fixtures = new URL('./fixtures/', import.meta.url).pathname;
const torchCheckpoint = join(fixtures, 'cnn-torch.safetensors');
const kindlingCheckpoint = join(fixtures, 'cnn-kindling.safetensors');
const TOLERANCE = 1e-4;

interface TensorSpec {
  shape: number[];
  dtype: string;
  values: number[];
}

/** An input batch and the log-probabilities a network gives for it in eval mode. */
interface ExpectedOutput {
  input: TensorSpec;
  logProbs: TensorSpec;
}

function readExpected(name: string): ExpectedOutput {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as ExpectedOutput;
}

/** Each tensor's dtype and shape as the file's header states them (the format's names: F32, ...). */
function headerEntries(path: string): Record<string, { dtype: string; shape: number[] }> {
  const bytes = readFileSync(path);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, { dtype: string; shape: number[] }>;
  return Object.fromEntries(Object.entries(header).flatMap(([name, entry]) => (name === '__metadata__' ? [] : [[name, { dtype: entry.dtype, shape: entry.shape }]])));
}

async function logProbsOf(net: ConvNet, input: TensorSpec): Promise<{ shape: number[]; values: number[] }> {
  const output = net.forward(fromValues(Float32Array.from(input.values), input.shape));
  return { shape: [...output.shape], values: Array.from(await output.data.data()) };
}

function largestDifference(actual: readonly number[], expected: readonly number[]): number {
  return Math.max(...actual.map((value, i) => Math.abs(value - (expected[i] ?? Number.NaN))));
}

describe("ConvNet checkpoints and PyTorch's examples/mnist Net", () => {
  const workDir = mkdtempSync(join(tmpdir(), 'kindling-cnn-checkpoint-'));

  beforeAll(async () => {
    await setBackend('cpu');
  });
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it("loads PyTorch's checkpoint and gives PyTorch's log-probabilities", async () => {
    const expected = readExpected('cnn-torch.json');
    const net = new ConvNet().eval();
    net.loadStateDict(await load(torchCheckpoint));
    const actual = await logProbsOf(net, expected.input);
    expect(actual.shape).toEqual(expected.logProbs.shape);
    expect(largestDifference(actual.values, expected.logProbs.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("saves exactly PyTorch's keys, shapes and dtypes", async () => {
    const path = join(workDir, 'convnet.safetensors');
    await save(new ConvNet().stateDict(), path);
    const torchEntries = headerEntries(torchCheckpoint);
    expect(Object.keys(torchEntries).sort()).toEqual(['conv1.bias', 'conv1.weight', 'conv2.bias', 'conv2.weight', 'fc1.bias', 'fc1.weight', 'fc2.bias', 'fc2.weight']);
    expect(headerEntries(path)).toEqual(torchEntries);
  });

  it('still writes, and computes with, the checkpoint that PyTorch was checked against', async () => {
    // When this fails because initialisation changed on purpose, rerun write-kindling-cnn.mjs and
    // generate_cnn_fixtures.py so that the reverse direction is proven for what Kindling writes now.
    manualSeed(7);
    const net = new ConvNet().eval();
    const path = join(workDir, 'seeded-convnet.safetensors');
    await save(net.stateDict(), path, { format: 'pt', writer: 'write-kindling-cnn.mjs' });
    expect(readFileSync(path).equals(readFileSync(kindlingCheckpoint))).toBe(true);
    const expected = readExpected('cnn-kindling.json');
    const actual = await logProbsOf(net, expected.input);
    expect(actual.shape).toEqual(expected.logProbs.shape);
    expect(largestDifference(actual.values, expected.logProbs.values)).toBeLessThanOrEqual(TOLERANCE);
  });
});
