import { formatShape, Generator, isFloatingDType, randn, tensor, type Tensor } from '@kindling/tensor';
import { noGrad } from './grad-mode.js';
import { Variable } from './variable.js';

export interface GradcheckOptions {
  /** Step of the central differences (default 1e-6). */
  eps?: number;
  /** Absolute tolerance (default 1e-5). */
  atol?: number;
  /** Tolerance relative to the numeric value (default 1e-3). */
  rtol?: number;
}

// A fixed seed on a private generator: the check is reproducible and leaves the default generator alone.
const DIRECTION_SEED = 20240917;

/** The output projected on `direction` and summed to one number, without recording a graph. */
async function projected(fn: (...inputs: Variable[]) => Variable, inputs: readonly Variable[], direction: Tensor): Promise<number> {
  const value = noGrad(() => fn(...inputs).data.mul(direction).sum());
  return Number(await value.item());
}

/** The analytic gradient of `output · direction` for each checked input, leaving their `.grad` as it was. */
async function analyticGradients(output: Variable, direction: Tensor, checked: readonly Variable[]): Promise<Float64Array[]> {
  const previous = checked.map((v) => v.grad);
  try {
    checked.forEach((v) => (v.grad = null));
    // An output that does not depend on the inputs has no graph: every gradient is zero.
    if (output.requiresGrad) output.mul(direction).sum().backward({ inputs: checked });
    return await Promise.all(
      checked.map(async (v) => {
        if (v.grad === null) return new Float64Array(v.numel());
        if (formatShape(v.grad.shape) !== formatShape(v.shape)) {
          throw new Error(`gradcheck: the gradient has shape ${formatShape(v.grad.shape)} but its input has shape ${formatShape(v.shape)}`);
        }
        return Float64Array.from(await v.grad.data());
      }),
    );
  } finally {
    checked.forEach((v, i) => (v.grad = previous[i] ?? null));
  }
}

/**
 * Checks the gradients of `fn` at `inputs` against central differences, element by element, in
 * float64. The output is projected on a fixed random direction so that one backward pass covers
 * every output element. Resolves true, or rejects with the first mismatch.
 *
 * @example
 * const x = new Variable(randn([3, 4], { dtype: 'float64' }), { requiresGrad: true });
 * await gradcheck((v) => v.tanh().sum(1), [x]);
 */
export async function gradcheck(fn: (...inputs: Variable[]) => Variable, inputs: readonly Variable[], options: GradcheckOptions = {}): Promise<true> {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3 } = options;
  inputs.forEach((v, i) => {
    // Integer inputs (indices) pass through unperturbed; every floating-point one must be float64.
    if (v.dtype !== 'float64' && (v.requiresGrad || isFloatingDType(v.dtype))) {
      throw new TypeError(`gradcheck: input ${i} is ${v.dtype}, but finite differences need float64 inputs; convert it with .double(), e.g. new Variable(t.double(), { requiresGrad: true })`);
    }
  });
  const checkedIndices = inputs.flatMap((v, i) => (v.requiresGrad ? [i] : []));
  if (checkedIndices.length === 0) throw new Error('gradcheck: no input requires grad, so there is nothing to check; create them with { requiresGrad: true }');

  const output = fn(...inputs);
  if (!(output instanceof Variable) || !isFloatingDType(output.dtype)) {
    throw new TypeError('gradcheck: fn must return a floating-point Variable');
  }
  const direction = randn(output.shape, { dtype: 'float64', device: output.device, generator: new Generator(DIRECTION_SEED) });
  const analytic = await analyticGradients(output, direction, checkedIndices.map((i) => inputs[i] as Variable));

  for (const [position, i] of checkedIndices.entries()) {
    const input = inputs[i] as Variable;
    const values = Float64Array.from(await input.data.data());
    const withValues = (perturbed: Float64Array): Variable[] =>
      inputs.map((v, k) => (k === i ? new Variable(tensor(perturbed, { shape: v.shape, dtype: 'float64', device: v.device })) : v));
    for (let j = 0; j < values.length; j++) {
      const plus = values.slice();
      const minus = values.slice();
      plus[j] = (values[j] as number) + eps;
      minus[j] = (values[j] as number) - eps;
      const numeric = ((await projected(fn, withValues(plus), direction)) - (await projected(fn, withValues(minus), direction))) / (2 * eps);
      const expected = (analytic[position] as Float64Array)[j] as number;
      const tolerance = atol + rtol * Math.abs(numeric);
      if (!(Math.abs(expected - numeric) <= tolerance)) {
        throw new Error(
          `gradcheck: gradient mismatch for input ${i} (shape ${formatShape(input.shape)}) at flat index ${j}: ` +
            `analytic ${expected}, numeric ${numeric} (allowed difference ${tolerance.toExponential(3)} = atol ${atol} + rtol ${rtol} × |numeric|)`,
        );
      }
    }
  }
  return true;
}
