import { noGrad, type Variable } from '@kindling/autograd';
import { cat, isFloatingDType, tensor, tidy, type Tensor, type TypedArray } from '@kindling/tensor';
import { OnnxExportError } from '../errors.js';
import { importOnnx } from '../import/import-onnx.js';
import type { OnnxModel } from '../import/onnx-model.js';

/** Agreement asked of the graph and `forward`: the same ops, maybe composed differently (Gemm against matmul + add). */
const RELATIVE_TOLERANCE = 1e-4;

/** A deterministic stream in [0, 1) (mulberry32), so the check leaves the user's random generator where it was. */
function uniformStream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The largest finite magnitude among `values`, at least 1: the scale a tolerance or a nudge is taken from. */
function magnitude(values: ArrayLike<number | bigint>): number {
  let largest = 1;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(Number(values[i]));
    if (v > largest && Number.isFinite(v)) largest = v;
  }
  return largest;
}

/**
 * Another input of the same shape and kind as `sample`: its entries shuffled, so indices stay in
 * range and masks stay masks; floating entries also move up by a small positive amount, so an
 * all-zero sample changes too and non-negative inputs stay non-negative.
 */
function shuffledLike(sample: Tensor, next: () => number): Tensor {
  const values = (sample.dataSync() as TypedArray).slice();
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [values[i], values[j]] = [values[j] as number, values[i] as number];
  }
  if (isFloatingDType(sample.dtype)) {
    const scale = 0.1 * magnitude(values);
    for (let i = 0; i < values.length; i++) values[i] = (values[i] as number) + scale * next();
  }
  return tensor(values, { dtype: sample.dtype, device: sample.device }).reshape(sample.shape);
}

/**
 * Another input of the same shape and kind as `sample` that differs in every entry, so that a sum,
 * a mean or a sign forward branched on changes, where shuffling keeps them: floating entries are
 * mirrored within the sample's range (x becomes min + max - x; the midpoint moves up a little),
 * other entries each become the next larger value the sample holds (the largest the smallest), so
 * indices stay in range. A bool sample of one value is flipped; an integer one stays as it is.
 */
function changedEverywhereLike(sample: Tensor): Tensor {
  const values = (sample.dataSync() as TypedArray).slice();
  let low = Infinity;
  let high = -Infinity;
  for (const v of values) {
    low = Math.min(low, Number(v));
    high = Math.max(high, Number(v));
  }
  if (isFloatingDType(sample.dtype)) {
    const nudge = 0.1 * magnitude(values);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      const mirrored = low + high - v;
      values[i] = mirrored === v ? v + nudge : mirrored;
    }
  } else {
    const distinct = [...new Set(Array.from(values, Number))].sort((a, b) => a - b);
    if (sample.dtype === 'bool' && distinct.length === 1) distinct.push(1 - (distinct[0] as number));
    const nextValue = new Map(distinct.map((v, i) => [v, distinct[(i + 1) % distinct.length] as number]));
    for (let i = 0; i < values.length; i++) values[i] = nextValue.get(Number(values[i])) as number;
  }
  return tensor(values, { dtype: sample.dtype, device: sample.device }).reshape(sample.shape);
}

/** Where `actual` and `expected` differ beyond the tolerance (NaN matching NaN), as a sentence; null where they agree. */
function disagreement(actual: Tensor, expected: Tensor): string | null {
  if (actual.shape.join() !== expected.shape.join()) return `shape [${actual.shape.join(', ')}] against forward's [${expected.shape.join(', ')}]`;
  const got = actual.dataSync();
  const want = expected.dataSync();
  const tolerance = isFloatingDType(expected.dtype) ? RELATIVE_TOLERANCE * magnitude(want) : 0;
  for (let i = 0; i < want.length; i++) {
    const a = Number(got[i]);
    const b = Number(want[i]);
    const same = a === b || (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= tolerance;
    if (!same) return `element ${i} is ${a} where forward gives ${b}`;
  }
  return null;
}

/** The inputs the graph and forward are run on, each set with how it was made from the samples. */
function variedInputs(samples: readonly Tensor[]): { how: string; inputs: Tensor[] }[] {
  const next = uniformStream(0x5eed);
  return [
    { how: "the sample's entries shuffled and nudged up", inputs: samples.map((sample) => shuffledLike(sample, next)) },
    { how: "every entry of the sample changed (floating ones mirrored within its range)", inputs: samples.map((sample) => changedEverywhereLike(sample)) },
  ];
}

/** Where the graph's outputs differ from `expected` on `inputs` (or the graph fails), as a sentence; null where they agree. */
function graphDisagreement(graph: OnnxModel, inputs: readonly Tensor[], expected: readonly Tensor[], inputNames: readonly string[], outputNames: readonly string[]): string | null {
  return tidy(() =>
    noGrad(() => {
      let actual: Record<string, Variable>;
      try {
        actual = graph.run(Object.fromEntries(inputNames.map((name, i) => [name, inputs[i] as Tensor])));
      } catch (error) {
        return `the graph fails: ${error instanceof Error ? error.message : String(error)}`;
      }
      for (const [i, name] of outputNames.entries()) {
        const problem = disagreement((actual[name] as Variable).data, expected[i] as Tensor);
        if (problem !== null) return `output '${name}': ${problem}`;
      }
      return null;
    }),
  );
}

/** `sample` one shorter along `dim`, or, from an extent of 1, one longer (its first entry repeated): entries stay valid indices and masks. */
function resizedAlong(sample: Tensor, dim: number): Tensor {
  const extent = sample.shape[dim] as number;
  return tidy(() => (extent > 1 ? sample.narrow(dim, 0, extent - 1).contiguous() : cat([sample, sample.narrow(dim, 0, 1)], dim)));
}

/** The axes named dynamic for the inputs, as [input index, dim, name]. */
function dynamicInputDims(inputNames: readonly string[], dynamicAxes: DynamicAxes): [number, number, string][] {
  return inputNames.flatMap((name, i) => Object.entries(dynamicAxes[name] ?? {}).map(([dim, axis]): [number, number, string] => [i, Number(dim), axis]));
}

/** What `exportOnnx` calls `dynamicAxes`: names for the dims that may vary, by input or output name. */
export type DynamicAxes = Readonly<Record<string, Readonly<Record<number, string>>>>;

/**
 * Runs the graph with each dim named dynamic at another extent, beside `forward`: a graph that
 * holds the traced extent as a constant (a reshape to a row count, a mask or positions built for
 * the sample's length) fails or differs there, and export fails rather than write a graph that
 * claims a dynamic dim it cannot take. A dim at which `forward` itself fails is not checked.
 */
function checkDynamicAxes(
  graph: OnnxModel,
  forward: (inputs: readonly Tensor[]) => Tensor[],
  sampleInputs: readonly Tensor[],
  inputNames: readonly string[],
  outputNames: readonly string[],
  dynamicAxes: DynamicAxes,
  modelName: string,
): void {
  for (const [index, dim, axis] of dynamicInputDims(inputNames, dynamicAxes)) {
    const sample = sampleInputs[index] as Tensor;
    if (!(dim >= 0 && dim < sample.ndim)) continue;
    const resized = resizedAlong(sample, dim);
    try {
      const inputs = sampleInputs.map((t, i) => (i === index ? resized : t));
      let expected: Tensor[];
      try {
        expected = noGrad(() => forward(inputs));
      } catch {
        continue;
      }
      const problem = graphDisagreement(graph, inputs, expected, inputNames, outputNames);
      if (problem === null) continue;
      const name = inputNames[index] as string;
      throw new OnnxExportError(
        'dynamicAxes',
        '',
        `exportOnnx: dynamicAxes names dim ${dim} of input '${name}' ('${axis}') dynamic, but the traced graph of ${modelName} holds its extent ${sample.shape[dim]} ` +
          `as a constant: at extent ${resized.shape[dim]}, where forward runs, ${problem}. ` +
          "A shape the trace fixed (a reshape to a count of rows, a mask or positions built for the sample's length) stays a constant in the graph. " +
          `Leave dim ${dim} of '${name}' out of dynamicAxes to export the model for extent ${sample.shape[dim]}, or pass { check: false } to write the graph anyway.`,
      );
    } finally {
      resized.dispose();
    }
  }
}

/**
 * A trace records the ops that ran on Variables for the sample inputs. A value `forward` computed
 * some other way (plain Tensor ops on `.data`, a branch on values read from them) is frozen into
 * the graph as the sample made it. So the written graph runs again, on other inputs of the
 * sample's shapes, beside `forward` on the same inputs: where they disagree, the graph is not the
 * model, and export fails rather than write it. Each dim named in `dynamicAxes` is then checked
 * at another extent.
 */
export function checkGraphMatchesForward(
  bytes: Uint8Array,
  forward: (inputs: readonly Tensor[]) => Tensor[],
  sampleInputs: readonly Tensor[],
  inputNames: readonly string[],
  outputNames: readonly string[],
  modelName: string,
  dynamicAxes: DynamicAxes = {},
): void {
  const graph = importOnnx(bytes, { device: sampleInputs[0]?.device });
  const varied = variedInputs(sampleInputs);
  let mismatch: string | null = null;
  try {
    for (const { how, inputs } of varied) {
      // forward's own tensors are left to the garbage collector, as a call by the user would: the
      // module may keep some of them, and the check frees nothing of the module's.
      const expected = noGrad(() => forward(inputs));
      const problem = graphDisagreement(graph, inputs, expected, inputNames, outputNames);
      mismatch = problem === null ? null : `on ${how}, ${problem}`;
      if (mismatch !== null) break;
    }
    if (mismatch === null) checkDynamicAxes(graph, forward, sampleInputs, inputNames, outputNames, dynamicAxes, modelName);
  } finally {
    for (const parameter of graph.parameters()) parameter.data.dispose();
    for (const { inputs } of varied) for (const input of inputs) input.dispose();
  }
  if (mismatch === null) return;
  throw new OnnxExportError(
    'forward',
    '',
    `exportOnnx: the traced graph of ${modelName} does not compute what its forward does on inputs other than the sample (${mismatch}). ` +
      "forward computes something the trace cannot see: plain Tensor ops on a Variable's .data, or a branch on values read from them. " +
      "Write those steps with Variable ops (as nn.functional does), or pass { check: false } to write the sample's trace anyway.",
  );
}
