import { setBackend } from '@kindling/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import type { OnnxCase } from './onnx-cases.js';
import { runCase, unsupportedOps } from './run-case.js';

/** What one device's run of the cases measured; `complete` once every case has run. */
export interface ConformanceTally {
  readonly device: string;
  readonly cases: number;
  passed: number;
  readonly failures: string[];
  /** The ids of the skipped cases, by reason (`op Mod`, `dtype float16`). */
  readonly skipped: Map<string, string[]>;
  complete: boolean;
}

export function skippedCount(tally: ConformanceTally): number {
  return [...tally.skipped.values()].reduce((n, ids) => n + ids.length, 0);
}

/**
 * ONNX's own backend test cases (Debian's libonnx-testdata), run as ONNX's runner runs them: each
 * of `cases` whose ops are all in the table, on `device`, against the stored outputs. A case is
 * skipped only with a reason (an op outside the table, or an attribute or type the importer
 * refuses), and the counts (run, passed, skipped by reason) are printed and given back as a tally.
 */
export function describeConformance(device: string, cases: readonly OnnxCase[], label: string): ConformanceTally {
  const tally: ConformanceTally = { device, cases: cases.length, passed: 0, failures: [], skipped: new Map(), complete: false };
  describe(`ONNX backend test cases on ${device}`, () => {
    afterAll(() => {
      const { passed, failures, skipped } = tally;
      const lines = [...skipped].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([reason, ids]) => `  ${String(ids.length).padStart(4)}  ${reason}`);
      console.log(`ONNX conformance on ${device} (${label}): ${cases.length} cases, ${passed + failures.length} run, ${passed} passed, ${failures.length} failed, ${skippedCount(tally)} skipped:\n${lines.join('\n')}`);
    });

    it('runs every case whose ops are supported, with no failure', { timeout: 600_000 }, async () => {
      await setBackend(device);
      for (const onnxCase of cases) {
        const missing = unsupportedOps(onnxCase);
        const outcome = missing.length > 0 ? { kind: 'skipped' as const, reason: `op ${missing.join(' + ')}` } : await runCase(onnxCase, device);
        if (outcome.kind === 'passed') tally.passed++;
        else if (outcome.kind === 'failed') tally.failures.push(`${onnxCase.id}: ${outcome.message}`);
        else tally.skipped.set(outcome.reason, [...(tally.skipped.get(outcome.reason) ?? []), onnxCase.id]);
      }
      tally.complete = true;
      expect(tally.failures).toEqual([]);
    });
  });
  return tally;
}
