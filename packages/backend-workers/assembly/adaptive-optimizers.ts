import { MIN_GRAB, UNIT } from './optimizer';
import { grabCount, grabElements, grabStart } from './schedule';

/*
 * Fused Adadelta, RMSprop and Adagrad updates over contiguous float32 runs, shared by `threads`
 * threads through `counter` as adamF32 is. The association is PyTorch's, as in the cpu backend's
 * adadeltaStepImpl, rmspropStepImpl and adagradStepImpl: `mul_(decay).addcmul_(g, g, value=rest)`
 * is `average * decay + (rest * g) * g`, `addcdiv_(g, d, value=-lr)` is `p - (lr * g) / d`. `sign`
 * is -1 with maximize, else 1 (an exact negation); `1 − rho` and `1 − alpha` arrive computed in
 * float64, as PyTorch's are. Each range ends with the same IEEE float32 operations one lane at a
 * time, so the last elements round exactly like the vector body.
 */

/** `sign * grad + weightDecay * param`, four lanes: the gradient an update uses. */
function effectiveGradient4(grad: v128, param: v128, sign: v128, weightDecay: v128): v128 {
  return f32x4.add(f32x4.mul(sign, grad), f32x4.mul(weightDecay, param));
}

/** `effectiveGradient4` one lane at a time. */
function effectiveGradient(grad: f32, param: f32, sign: f32, weightDecay: f32): f32 {
  return sign * grad + weightDecay * param;
}

/** `average * decay + (rest * g) * g`, four lanes: a running average of g². */
function runningSquare4(average: v128, decay: v128, rest: v128, g: v128): v128 {
  return f32x4.add(f32x4.mul(average, decay), f32x4.mul(f32x4.mul(rest, g), g));
}

/** `runningSquare4` one lane at a time. */
function runningSquare(average: f32, decay: f32, rest: f32, g: f32): f32 {
  return average * decay + rest * g * g;
}

/**
 * One Adadelta update of n elements in place: squareAvg and accDelta are the running averages of
 * the squared gradient and of the squared step.
 */
export function adadeltaF32(
  param: usize,
  grad: usize,
  squareAvg: usize,
  accDelta: usize,
  n: i32,
  sign: f32,
  weightDecay: f32,
  rho: f32,
  oneMinusRho: f32,
  eps: f32,
  lr: f32,
  threads: i32,
  counter: usize,
): void {
  for (let run = grabElements(counter, n, UNIT, threads, MIN_GRAB); run != 0; run = grabElements(counter, n, UNIT, threads, MIN_GRAB)) {
    const offset = <usize>grabStart(run) << 2;
    adadeltaRange(param + offset, grad + offset, squareAvg + offset, accDelta + offset, grabCount(run), sign, weightDecay, rho, oneMinusRho, eps, lr);
  }
}

function adadeltaRange(param: usize, grad: usize, squareAvg: usize, accDelta: usize, n: i32, sign: f32, weightDecay: f32, rho: f32, oneMinusRho: f32, eps: f32, lr: f32): void {
  const vSign = f32x4.splat(sign);
  const vDecay = f32x4.splat(weightDecay);
  const vRho = f32x4.splat(rho);
  const vRest = f32x4.splat(oneMinusRho);
  const vEps = f32x4.splat(eps);
  const vLr = f32x4.splat(lr);
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const p = v128.load(param + i);
    const g = effectiveGradient4(v128.load(grad + i), p, vSign, vDecay);
    const square = runningSquare4(v128.load(squareAvg + i), vRho, vRest, g);
    v128.store(squareAvg + i, square);
    const acc = v128.load(accDelta + i);
    const delta = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(acc, vEps)), f32x4.sqrt(f32x4.add(square, vEps))), g);
    v128.store(accDelta + i, runningSquare4(acc, vRho, vRest, delta));
    v128.store(param + i, f32x4.sub(p, f32x4.mul(vLr, delta)));
  }
  const end = <usize>n << 2;
  for (; i < end; i += 4) {
    const p = load<f32>(param + i);
    const g = effectiveGradient(load<f32>(grad + i), p, sign, weightDecay);
    const square = runningSquare(load<f32>(squareAvg + i), rho, oneMinusRho, g);
    store<f32>(squareAvg + i, square);
    const acc = load<f32>(accDelta + i);
    const delta = (sqrt<f32>(acc + eps) / sqrt<f32>(square + eps)) * g;
    store<f32>(accDelta + i, runningSquare(acc, rho, oneMinusRho, delta));
    store<f32>(param + i, p - lr * delta);
  }
}

/**
 * One RMSprop update of n elements in place. `gradAvg` (centered) and `momentumBuffer` are 0 when
 * off.
 */
export function rmspropF32(
  param: usize,
  grad: usize,
  squareAvg: usize,
  gradAvg: usize,
  momentumBuffer: usize,
  n: i32,
  sign: f32,
  weightDecay: f32,
  alpha: f32,
  oneMinusAlpha: f32,
  eps: f32,
  lr: f32,
  momentum: f32,
  threads: i32,
  counter: usize,
): void {
  for (let run = grabElements(counter, n, UNIT, threads, MIN_GRAB); run != 0; run = grabElements(counter, n, UNIT, threads, MIN_GRAB)) {
    const offset = <usize>grabStart(run) << 2;
    rmspropRange(
      param + offset,
      grad + offset,
      squareAvg + offset,
      gradAvg != 0 ? gradAvg + offset : 0,
      momentumBuffer != 0 ? momentumBuffer + offset : 0,
      grabCount(run),
      sign,
      weightDecay,
      alpha,
      oneMinusAlpha,
      eps,
      lr,
      momentum,
    );
  }
}

function rmspropRange(
  param: usize,
  grad: usize,
  squareAvg: usize,
  gradAvg: usize,
  momentumBuffer: usize,
  n: i32,
  sign: f32,
  weightDecay: f32,
  alpha: f32,
  oneMinusAlpha: f32,
  eps: f32,
  lr: f32,
  momentum: f32,
): void {
  const vSign = f32x4.splat(sign);
  const vDecay = f32x4.splat(weightDecay);
  const vAlpha = f32x4.splat(alpha);
  const vRest = f32x4.splat(oneMinusAlpha);
  const vEps = f32x4.splat(eps);
  const vLr = f32x4.splat(lr);
  const vMomentum = f32x4.splat(momentum);
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const p = v128.load(param + i);
    const g = effectiveGradient4(v128.load(grad + i), p, vSign, vDecay);
    const square = runningSquare4(v128.load(squareAvg + i), vAlpha, vRest, g);
    v128.store(squareAvg + i, square);
    let variance = square;
    if (gradAvg != 0) {
      const mean = f32x4.add(f32x4.mul(v128.load(gradAvg + i), vAlpha), f32x4.mul(vRest, g));
      v128.store(gradAvg + i, mean);
      variance = f32x4.sub(square, f32x4.mul(mean, mean));
    }
    const avg = f32x4.add(f32x4.sqrt(variance), vEps);
    if (momentumBuffer != 0) {
      const buffer = f32x4.add(f32x4.mul(v128.load(momentumBuffer + i), vMomentum), f32x4.div(g, avg));
      v128.store(momentumBuffer + i, buffer);
      v128.store(param + i, f32x4.sub(p, f32x4.mul(vLr, buffer)));
    } else {
      v128.store(param + i, f32x4.sub(p, f32x4.div(f32x4.mul(vLr, g), avg)));
    }
  }
  const end = <usize>n << 2;
  for (; i < end; i += 4) {
    const p = load<f32>(param + i);
    const g = effectiveGradient(load<f32>(grad + i), p, sign, weightDecay);
    const square = runningSquare(load<f32>(squareAvg + i), alpha, oneMinusAlpha, g);
    store<f32>(squareAvg + i, square);
    let variance = square;
    if (gradAvg != 0) {
      const mean = load<f32>(gradAvg + i) * alpha + oneMinusAlpha * g;
      store<f32>(gradAvg + i, mean);
      variance = square - mean * mean;
    }
    const avg = sqrt<f32>(variance) + eps;
    if (momentumBuffer != 0) {
      const buffer = load<f32>(momentumBuffer + i) * momentum + g / avg;
      store<f32>(momentumBuffer + i, buffer);
      store<f32>(param + i, p - lr * buffer);
    } else {
      store<f32>(param + i, p - (lr * g) / avg);
    }
  }
}

/** One Adagrad update of n elements in place; `stepSize` is PyTorch's decayed `clr`. */
export function adagradF32(param: usize, grad: usize, sum: usize, n: i32, sign: f32, weightDecay: f32, eps: f32, stepSize: f32, threads: i32, counter: usize): void {
  for (let run = grabElements(counter, n, UNIT, threads, MIN_GRAB); run != 0; run = grabElements(counter, n, UNIT, threads, MIN_GRAB)) {
    const offset = <usize>grabStart(run) << 2;
    adagradRange(param + offset, grad + offset, sum + offset, grabCount(run), sign, weightDecay, eps, stepSize);
  }
}

function adagradRange(param: usize, grad: usize, sum: usize, n: i32, sign: f32, weightDecay: f32, eps: f32, stepSize: f32): void {
  const vSign = f32x4.splat(sign);
  const vDecay = f32x4.splat(weightDecay);
  const vEps = f32x4.splat(eps);
  const vStepSize = f32x4.splat(stepSize);
  const vectorEnd = <usize>(n & ~3) << 2;
  let i: usize = 0;
  for (; i < vectorEnd; i += 16) {
    const p = v128.load(param + i);
    const g = effectiveGradient4(v128.load(grad + i), p, vSign, vDecay);
    const total = f32x4.add(v128.load(sum + i), f32x4.mul(g, g));
    v128.store(sum + i, total);
    v128.store(param + i, f32x4.sub(p, f32x4.div(f32x4.mul(vStepSize, g), f32x4.add(f32x4.sqrt(total), vEps))));
  }
  const end = <usize>n << 2;
  for (; i < end; i += 4) {
    const p = load<f32>(param + i);
    const g = effectiveGradient(load<f32>(grad + i), p, sign, weightDecay);
    const total = load<f32>(sum + i) + g * g;
    store<f32>(sum + i, total);
    store<f32>(param + i, p - (stepSize * g) / (sqrt<f32>(total) + eps));
  }
}
