/*
 * The error function in float64, which JavaScript's Math lacks: the Maclaurin series where it
 * converges without much cancellation, and the continued fraction of erfc (evaluated by the
 * modified Lentz method) in the tails. Both are accurate to about 1e-14 relative against a
 * reference implementation, which float64 gradchecks need.
 *
 * This file is valid TypeScript and valid AssemblyScript: the workers backend's WebAssembly kernels
 * compile it too (backend-workers/assembly/math.ts), so both backends compute the same function.
 * Hence `x !== x` for NaN, no JavaScript-only globals, and counters typed `number` (float64 in
 * both; AssemblyScript would make them integers and `n / 2` an integer division).
 */

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const SQRT_PI = Math.sqrt(Math.PI);

/** erf x = 2/√π · Σ (−1)ⁿ x^(2n+1) / (n! (2n+1)), for |x| < 2.5 (the terms peak below 1e3 there). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n: number = 1; n < 200; n++) {
    term *= -x2 / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), for x ≥ 1.5. */
function erfcContinuedFraction(x: number): number {
  if (x === Infinity) return 0;
  const tiny = 1e-300;
  let fraction = x;
  let c = x;
  let d: number = 0;
  for (let n: number = 1; n < 500; n++) {
    const a = n / 2;
    d = x + a * d;
    d = 1 / (d === 0 ? tiny : d);
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    fraction *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / fraction;
}

/** The error function, 2/√π ∫₀ˣ e^(−t²) dt. */
export function erf(x: number): number {
  // NaN, and ±0 with its sign (which the series would lose), as PyTorch's erf.
  if (x !== x || x === 0) return x;
  const magnitude = Math.abs(x);
  if (magnitude < 2.5) return erfSeries(x);
  const value = 1 - erfcContinuedFraction(magnitude);
  return x < 0 ? -value : value;
}

/** The complementary error function 1 − erf x, accurate relative to itself where it is tiny (large x). */
export function erfc(x: number): number {
  if (x !== x) return x;
  if (x < 0.5) return 1 - erf(x);
  if (x < 1.5) return 1 - erfSeries(x);
  return erfcContinuedFraction(x);
}
