import { setBackend } from '@kindling/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import type { OnnxCase } from './onnx-cases.js';
import { runCase, unsupportedOps } from './run-case.js';

/**
 * ONNX's own backend test cases (Debian's libonnx-testdata), run as ONNX's runner runs them: each
 * of `cases` whose ops are all in the table, on `device`, against the stored outputs. A case is
 * skipped only with a reason (an op outside the table, or an attribute or type the importer
 * refuses), and the counts (run, passed, skipped by reason) are printed.
 */
export function describeConformance(device: string, cases: readonly OnnxCase[], label: string): void {
  describe(`ONNX backend test cases on ${device}`, () => {
    const skipped = new Map<string, string[]>();
    const failures: string[] = [];
    let passed = 0;

    afterAll(() => {
      const lines = [...skipped].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0])).map(([reason, ids]) => `  ${String(ids.length).padStart(4)}  ${reason}`);
      const skippedCount = [...skipped.values()].reduce((n, ids) => n + ids.length, 0);
      console.log(`ONNX conformance on ${device} (${label}): ${cases.length} cases, ${passed + failures.length} run, ${passed} passed, ${failures.length} failed, ${skippedCount} skipped:\n${lines.join('\n')}`);
    });

    it('runs every case whose ops are supported, with no failure', { timeout: 600_000 }, async () => {
      await setBackend(device);
      for (const onnxCase of cases) {
        const missing = unsupportedOps(onnxCase);
        const outcome = missing.length > 0 ? { kind: 'skipped' as const, reason: `op ${missing.join(' + ')}` } : await runCase(onnxCase, device);
        if (outcome.kind === 'passed') passed++;
        else if (outcome.kind === 'failed') failures.push(`${onnxCase.id}: ${outcome.message}`);
        else skipped.set(outcome.reason, [...(skipped.get(outcome.reason) ?? []), onnxCase.id]);
      }
      expect(failures).toEqual([]);
    });
  });
}
