import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { skippedCount, type ConformanceTally } from './suite.js';

/*
 * The README states the conformance counts (cases, run, passed, skipped by reason); this test holds
 * them to what the cases measure here, so that they are refreshed from a run, never by hand. When
 * they differ it fails with the lines to paste. webgpu's count runs in another project (onnx-dawn,
 * on a sample of the cases) and stays as the README states it.
 */

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const OP_LIST = 'Skipped for an op outside the table (cases)';
const REFUSED_LIST = 'Skipped for an attribute, element type or input kind the importer refuses (cases)';

type Counts = Map<string, number>;

function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

function parseCount(text: string): number {
  return Number(text.replace(/,/g, ''));
}

/** A skip list as the README writes it: `Name (count)` entries, a note after the count allowed (`(5, nearest)`). */
function listLine(title: string, counts: Counts): string {
  const entries = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return `${title}: ${entries.map(([name, count]) => `${name} (${count})`).join(', ')}.`;
}

function parseList(readme: string, title: string): Counts | null {
  const line = readme.split('\n').find((l) => l.startsWith(`${title}: `));
  if (line === undefined) return null;
  return new Map([...line.slice(title.length + 2).matchAll(/(?:^|, )([^,()]+?) \((\d+)(?:, [^)]*)?\)/g)].map((m) => [m[1] as string, Number(m[2])]));
}

/** The skip reasons of a run, split as the README lists them: ops outside the table, and what the importer refuses. */
function measuredLists(tally: ConformanceTally): { ops: Counts; refused: Counts } {
  const ops: Counts = new Map();
  const refused: Counts = new Map();
  for (const [reason, ids] of tally.skipped) {
    if (reason.startsWith('op ')) ops.set(reason.slice(3), ids.length);
    else refused.set(reason, ids.length);
  }
  return { ops, refused };
}

/** `On \`cpu\` and \`workers\`: 727 cases run, ...` sentences of the README, by device. */
function statedRunCounts(readme: string): Map<string, { run: number; passed: number; skipped: number }> {
  const stated = new Map<string, { run: number; passed: number; skipped: number }>();
  const text = readme.replace(/\s+/g, ' ');
  for (const m of text.matchAll(/On ((?:`[a-z0-9]+`(?:, | and )?)+): ([\d,]+) cases run, ([\d,]+) pass, ([\d,]+) are skipped/g)) {
    for (const device of (m[1] as string).match(/[a-z0-9]+/g) ?? []) stated.set(device, { run: parseCount(m[2] as string), passed: parseCount(m[3] as string), skipped: parseCount(m[4] as string) });
  }
  return stated;
}

function runSentence(devices: readonly string[], tally: ConformanceTally): string {
  const run = tally.passed + tally.failures.length;
  return `On ${devices.map((d) => `\`${d}\``).join(' and ')}: ${formatCount(run)} cases run, ${formatCount(tally.passed)} pass, ${formatCount(skippedCount(tally))} are skipped, each with its reason.`;
}

/** What to paste into the README: one run sentence for the devices that measured alike, and the two skip lists. */
function linesToPaste(tallies: readonly ConformanceTally[]): string[] {
  const groups = new Map<string, ConformanceTally[]>();
  for (const tally of tallies) {
    const key = runSentence([], tally);
    groups.set(key, [...(groups.get(key) ?? []), tally]);
  }
  const sentences = [...groups.values()].map((group) => runSentence(group.map((t) => t.device), group[0] as ConformanceTally));
  const { ops, refused } = measuredLists(tallies[0] as ConformanceTally);
  return [...sentences, '', listLine(OP_LIST, ops), '', listLine(REFUSED_LIST, refused)];
}

function differences(what: string, stated: Counts | null, measured: Counts): string[] {
  if (stated === null) return [`the README has no line '${what}: ...'`];
  const names = [...new Set([...stated.keys(), ...measured.keys()])].sort();
  return names.filter((name) => stated.get(name) !== measured.get(name)).map((name) => `${what}: ${name} is stated as ${stated.get(name) ?? 'absent'}, measured ${measured.get(name) ?? 'absent'}`);
}

/** Checks packages/onnx/README.md against `tallies`, once their cases have run (describe it after them). */
export function describeReadmeCounts(tallies: readonly ConformanceTally[]): void {
  const devices = tallies.map((t) => t.device).join(' and ');
  describe('packages/onnx/README.md', () => {
    it(`states the conformance counts measured on ${devices} (webgpu's stays as stated: the onnx-dawn project runs it)`, (context) => {
      // A failing or unfinished run is reported by its own test; its counts are not the README's to take.
      if (tallies.some((t) => !t.complete || t.failures.length > 0)) context.skip();
      const readme = readFileSync(README, 'utf8');
      const problems: string[] = [];
      const statedTotal = /suites, ([\d,]+) cases\)/.exec(readme.replace(/\s+/g, ' '))?.[1];
      const total = tallies[0]?.cases ?? 0;
      if (statedTotal === undefined || parseCount(statedTotal) !== total) problems.push(`the suites hold ${formatCount(total)} cases; the README states ${statedTotal ?? 'no count'} ('suites, N cases)')`);
      const stated = statedRunCounts(readme);
      for (const tally of tallies) {
        const measured = { run: tally.passed + tally.failures.length, passed: tally.passed, skipped: skippedCount(tally) };
        const claim = stated.get(tally.device);
        if (claim?.run !== measured.run || claim.passed !== measured.passed || claim.skipped !== measured.skipped) {
          problems.push(`${tally.device}: stated ${claim ? `${claim.run} run, ${claim.passed} pass, ${claim.skipped} skipped` : 'nothing'}, measured ${measured.run} run, ${measured.passed} pass, ${measured.skipped} skipped`);
        }
        const { ops, refused } = measuredLists(tally);
        problems.push(...differences(`${OP_LIST} on ${tally.device}`, parseList(readme, OP_LIST), ops), ...differences(`${REFUSED_LIST} on ${tally.device}`, parseList(readme, REFUSED_LIST), refused));
      }
      if (problems.length > 0) {
        expect.fail(
          `packages/onnx/README.md states conformance counts that differ from this run:\n  ${problems.join('\n  ')}\n\n` +
            `Paste these into its Conformance section (a note after a count, as "(5, nearest)", may be added by hand; webgpu's count is not measured here and stays as stated):\n\n${linesToPaste(tallies).join('\n')}\n`,
        );
      }
    });
  });
}
