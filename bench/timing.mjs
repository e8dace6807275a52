// The statistics every bench script reports, said once so that every row means the same.

/** The median of `xs`: the middle value, or the mean of the middle two for an even count. */
export function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A training run's ms/step: the median over the steps after the first 20 (warm-up), or over every step of a shorter run. */
export function msPerStep(stepMs) {
  return median(stepMs.length > 20 ? stepMs.slice(20) : stepMs);
}

/** Median milliseconds of `work()` over `count` calls, after `warmUp` untimed calls that let V8 (or the runtime) settle. */
export async function medianMs(work, count, warmUp = Math.min(count, 10)) {
  for (let i = 0; i < warmUp; i++) await work();
  const times = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return median(times);
}
