import { describe, expect, it } from 'vitest';
import { observeHostReads, tensor, unobservedRead, type HostReadMethod, type Tensor } from '../src/index.js';

/** The reads `fn` makes, as the observer is told of them. */
function readsOf(fn: () => unknown): [Tensor, HostReadMethod][] {
  const reads: [Tensor, HostReadMethod][] = [];
  observeHostReads((t, method) => reads.push([t, method]), fn);
  return reads;
}

describe('observeHostReads: what an exporter is told of values handed to JavaScript', () => {
  it('each read method reports its tensor and its own name first', async () => {
    const t = tensor([3]);
    expect(readsOf(() => t.itemSync()).map(([, method]) => method)).toEqual(['itemSync', 'dataSync']);
    expect(readsOf(() => t.arraySync())[0]).toEqual([t, 'arraySync']);
    expect(readsOf(() => t.dataSync())).toEqual([[t, 'dataSync']]);
    // An async read reports when it is called, before its first await: a trace is synchronous.
    const pending: Promise<unknown>[] = [];
    expect(readsOf(() => pending.push(t.item(), t.data(), t.array()))[0]).toEqual([t, 'item']);
    await Promise.all(pending);
  });

  it('printing, unobserved reads and reads outside an observation are not reported', () => {
    const t = tensor([1, 2]);
    expect(readsOf(() => [String(t), unobservedRead(() => t.dataSync())])).toEqual([]);
    expect(() => t.dataSync()).not.toThrow();
    expect(() => observeHostReads(() => undefined, () => observeHostReads(() => undefined, () => 0))).toThrow(/do not nest/);
  });
});
