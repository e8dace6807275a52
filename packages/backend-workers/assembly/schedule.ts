/*
 * Work sharing between the threads that run one kernel call: each takes runs of work units from
 * a shared int32 counter (which the host zeroes before the call) until none are left, so a thread
 * that starts late (a worker waking up) or is preempted (a busy machine) simply does less.
 */

/**
 * Takes the next run of units (guided self-scheduling): a share of what is left, so early grabs
 * are large and the last ones small, and a thread that finishes first waits at most one small
 * grab for the others. Returns the run packed as start | count << 32, or 0 when nothing is left.
 */
export function grab(counter: usize, units: i32, threads: i32, minimum: i32): i64 {
  let start = atomic.load<i32>(counter);
  while (start < units) {
    const left = units - start;
    const count = threads == 1 ? left : min(left, max(minimum, (left + 2 * threads - 1) / (2 * threads)));
    const seen = atomic.cmpxchg<i32>(counter, start, start + count);
    if (seen == start) return (<i64>count << 32) | <i64>start;
    start = seen;
  }
  return 0;
}

/** The first unit of a grab. */
export function grabStart(taken: i64): i32 {
  return <i32>(taken & 0xffffffff);
}

/** The number of units of a grab. */
export function grabCount(taken: i64): i32 {
  return <i32>(taken >>> 32);
}

/**
 * Takes the next run of a flat array of `n` elements cut into work units of `unit` elements (the
 * last one short): `grab` over the units, returned as its first element | element count << 32, or
 * 0 when nothing is left. Read it with grabStart and grabCount.
 */
export function grabElements(counter: usize, n: i32, unit: i32, threads: i32, minimum: i32): i64 {
  const taken = grab(counter, (n + unit - 1) / unit, threads, minimum);
  if (taken == 0) return 0;
  const start = grabStart(taken) * unit;
  const count = min(n, start + grabCount(taken) * unit) - start;
  return (<i64>count << 32) | <i64>start;
}
