#!/usr/bin/env node
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { listBackends, ready, setBackend } from '@kindling/tensor';
import { describeBackends, registerBackends } from './backends.js';
import { parseCli, USAGE, UsageError } from './options.js';
import { Progress } from './progress.js';
import { train } from './train.js';

async function writeReport(path: string, report: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, `${JSON.stringify(report, null, 2)}\n`);
  await rename(temporary, path);
}

async function main(argv: readonly string[]): Promise<void> {
  const options = parseCli(argv);
  if (options.help) {
    console.log(USAGE);
    return;
  }
  registerBackends();
  const backend = options.backend ? await setBackend(options.backend) : await ready();
  if (options.verbose) console.log(describeBackends(listBackends()));
  console.log(`Training on backend '${backend.name}'`);

  const progress = new Progress(options.iters);
  const result = await train({
    ...options,
    onNetwork: (description) => console.log(description),
    onStep: (step, ms) => progress.update(step, ms),
    onLog: ({ step, loss, validationAccuracy }) => {
      progress.clear();
      console.log(`step ${String(step).padStart(5)}: training loss ${loss.toFixed(4)}, validation accuracy ${validationAccuracy.toFixed(2)}%`);
    },
  });
  progress.clear();
  console.log(`test accuracy ${result.testAccuracy.toFixed(2)}%`);
  const timing = result.iterations > 0 ? `${result.iterations} steps in ${result.trainSeconds.toFixed(1)} s (${result.msPerStep.toFixed(2)} ms/step, median)` : 'evaluated';
  console.log(`${timing} on '${result.backend}', peak RSS ${result.peakRssMB.toFixed(0)} MB`);
  if (options.save) console.log(`saved the weights to ${options.save}`);
  if (options.report) await writeReport(options.report, result);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`kindling-train: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`kindling-train: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
