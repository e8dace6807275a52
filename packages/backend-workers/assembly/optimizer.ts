import { grabCount, grabElements, grabStart } from './schedule';

/*
 * Fused optimizer updates over contiguous float32 runs, one pass over memory each, in float32 as
 * torch.optim does. The host folds the step-dependent scalars (bias corrections, decay factors)
 * once per call; the formulas are those of the cpu backend's adamStepImpl and sgdStepImpl.
 */

/** Elements per work unit when threads share an update: 64 floats, four cache lines. */
export const UNIT: i32 = 64;
/** The smallest grab: 16 units (1024 parameters, ~0.6 µs). */
export const MIN_GRAB: i32 = 16;

/**
 * One Adam/AdamW update of n elements in place, shared by `threads` threads through `counter`
 * (schedule.ts). `decay` is 1 − lr·wd for AdamW (else 1) and
 * `coupledDecay` is wd for Adam (else 0); `maxExpAvgSq` is 0 unless amsgrad is on. 1 − β arrive
 * computed in float64: 1 − f32(0.999) would be off by 1.3e-5 relative, as PyTorch's are not.
 */
export function adamF32(
  param: usize,
  grad: usize,
  expAvg: usize,
  expAvgSq: usize,
  maxExpAvgSq: usize,
  n: i32,
  decay: f32,
  coupledDecay: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  stepSize: f32,
  bias2Sqrt: f32,
  eps: f32,
  threads: i32,
  counter: usize,
): void {
  for (let run = grabElements(counter, n, UNIT, threads, MIN_GRAB); run != 0; run = grabElements(counter, n, UNIT, threads, MIN_GRAB)) {
    const offset = <usize>grabStart(run) << 2;
    adamRange(param + offset, grad + offset, expAvg + offset, expAvgSq + offset, maxExpAvgSq != 0 ? maxExpAvgSq + offset : 0, grabCount(run), decay, coupledDecay, beta1, beta2, oneMinusBeta1, oneMinusBeta2, stepSize, bias2Sqrt, eps);
  }
}

/** `adamF32`'s update of one contiguous run of n elements. */
function adamRange(
  param: usize,
  grad: usize,
  expAvg: usize,
  expAvgSq: usize,
  maxExpAvgSq: usize,
  n: i32,
  decay: f32,
  coupledDecay: f32,
  beta1: f32,
  beta2: f32,
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  stepSize: f32,
  bias2Sqrt: f32,
  eps: f32,
): void {
  const vDecay = f32x4.splat(decay);
  const vCoupled = f32x4.splat(coupledDecay);
  const vBeta1 = f32x4.splat(beta1);
  const vBeta2 = f32x4.splat(beta2);
  const vOneMinusBeta1 = f32x4.splat(oneMinusBeta1);
  const vOneMinusBeta2 = f32x4.splat(oneMinusBeta2);
  const vStepSize = f32x4.splat(stepSize);
  const vBias2Sqrt = f32x4.splat(bias2Sqrt);
  const vEps = f32x4.splat(eps);
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const p = f32x4.mul(v128.load(param + i), vDecay);
    const g = f32x4.add(v128.load(grad + i), f32x4.mul(vCoupled, p));
    const m = f32x4.add(f32x4.mul(vBeta1, v128.load(expAvg + i)), f32x4.mul(vOneMinusBeta1, g));
    const v = f32x4.add(f32x4.mul(vBeta2, v128.load(expAvgSq + i)), f32x4.mul(f32x4.mul(vOneMinusBeta2, g), g));
    v128.store(expAvg + i, m);
    v128.store(expAvgSq + i, v);
    let second = v;
    if (maxExpAvgSq != 0) {
      second = f32x4.max(v128.load(maxExpAvgSq + i), v);
      v128.store(maxExpAvgSq + i, second);
    }
    const denominator = f32x4.add(f32x4.div(f32x4.sqrt(second), vBias2Sqrt), vEps);
    v128.store(param + i, f32x4.sub(p, f32x4.div(f32x4.mul(vStepSize, m), denominator)));
  }
  // The same IEEE float32 operations one lane at a time, so the tail rounds exactly like the body.
  const end = <usize>n << 2;
  for (; i < end; i += 4) {
    const p = load<f32>(param + i) * decay;
    const g = load<f32>(grad + i) + coupledDecay * p;
    const m = beta1 * load<f32>(expAvg + i) + oneMinusBeta1 * g;
    const v = beta2 * load<f32>(expAvgSq + i) + oneMinusBeta2 * g * g;
    store<f32>(expAvg + i, m);
    store<f32>(expAvgSq + i, v);
    let second = v;
    if (maxExpAvgSq != 0) {
      second = max(load<f32>(maxExpAvgSq + i), v);
      store<f32>(maxExpAvgSq + i, second);
    }
    store<f32>(param + i, p - (stepSize * m) / (sqrt<f32>(second) / bias2Sqrt + eps));
  }
}

/**
 * One SGD update of n elements in place: weight decay, then momentum (`momentumBuffer` 0 when
 * off; `firstStep` seeds the buffer with the gradient), then Nesterov.
 */
export function sgdF32(
  param: usize,
  grad: usize,
  momentumBuffer: usize,
  n: i32,
  lr: f32,
  momentum: f32,
  oneMinusDampening: f32,
  weightDecay: f32,
  nesterov: bool,
  firstStep: bool,
): void {
  const end = <usize>n << 2;
  for (let i: usize = 0; i < end; i += 4) {
    const p = load<f32>(param + i);
    let d = load<f32>(grad + i) + weightDecay * p;
    if (momentumBuffer != 0) {
      const buffer = firstStep ? d : momentum * load<f32>(momentumBuffer + i) + oneMinusDampening * d;
      store<f32>(momentumBuffer + i, buffer);
      d = nesterov ? d + momentum * buffer : buffer;
    }
    store<f32>(param + i, p - lr * d);
  }
}
