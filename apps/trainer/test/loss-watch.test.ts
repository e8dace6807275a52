import { memory, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { DivergedError, LossWatch } from '../src/run-support.js';

describe('LossWatch', () => {
  it('checks a deferred loss one step late where every step is checked', async () => {
    const watch = new LossWatch(false, true);
    watch.defer(3, tensor(Number.NaN), 0.5);
    await expect(watch.flush()).rejects.toThrow(new DivergedError(3, Number.NaN, 0.5));
  });

  it('frees unlogged losses unread on GPU backends, and still checks the logged ones', async () => {
    const before = memory().numTensors;
    const watch = new LossWatch(false, false);
    watch.defer(3, tensor(Number.NaN), 0.5);
    expect(memory().numTensors).toBe(before);
    await expect(watch.flush()).resolves.toBeUndefined();
    expect(() => watch.check(4, Number.POSITIVE_INFINITY, 0.5)).toThrow(/the training loss is Infinity at step 4 with learning rate 0.5/);
  });

  it('lets the run go on with allowNan', async () => {
    const watch = new LossWatch(true, true);
    watch.defer(1, tensor(Number.NaN), 1);
    await expect(watch.flush()).resolves.toBeNaN();
  });
});
