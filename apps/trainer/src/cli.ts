#!/usr/bin/env node
import { startRunBackend } from './backends.js';
import { GPT_USAGE, requestsGpt } from './gpt-options.js';
import { runGptCli } from './gpt-cli.js';
import { parseCli, USAGE, UsageError, type CliOptions, type CnnCliOptions, type MlpCliOptions } from './options.js';
import { checkOutputs, reportOutcome, writeTextAtomically, writeWithFallback, type Output } from './outputs.js';
import { runPlot } from './plot.js';
import { Progress } from './progress.js';
import { trainCnn, type CnnTrainResult } from './train-cnn.js';
import { train, type TrainResult } from './train.js';

/** The options that name a file the run writes, by flag. */
const OUTPUT_OPTIONS = { save: 'save', 'export-onnx': 'exportOnnx', report: 'report', plot: 'plot' } as const;
type OutputFlag = keyof typeof OUTPUT_OPTIONS;

/** Every file the run will write, with its flag. */
function outputsOf(options: CliOptions): Output[] {
  return Object.entries(OUTPUT_OPTIONS).flatMap(([flag, key]) => (options[key] === undefined ? [] : [{ flag, path: options[key] }]));
}

/** `options` writing to `targets` (the files `checkOutputs` resolved) instead of the paths as given. */
function writingTo<T extends CliOptions>(options: T, targets: readonly Output[]): T {
  const resolved = { ...options };
  for (const { flag, path } of targets) resolved[OUTPUT_OPTIONS[flag as OutputFlag]] = path;
  return resolved;
}

/** The tutorial's run and output. */
async function runMlp(options: MlpCliOptions): Promise<TrainResult> {
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
  return result;
}

/** main.py's run, printing its lines. */
async function runCnn(options: CnnCliOptions): Promise<CnnTrainResult> {
  let progress = new Progress(0);
  const result = await trainCnn({
    ...options,
    onNetwork: (description) => console.log(description),
    onStart: (steps) => (progress = new Progress(steps)),
    onStep: (step, ms) => progress.update(step, ms),
    onLog: ({ epoch, batch, batchesPerEpoch, examplesSeen, trainSize, loss }) => {
      progress.clear();
      console.log(`Train Epoch: ${epoch} [${examplesSeen}/${trainSize} (${((100 * batch) / batchesPerEpoch).toFixed(0)}%)]\tLoss: ${loss.toFixed(6)}`);
    },
    onTest: ({ averageLoss, correct, total, accuracy }) => {
      progress.clear();
      console.log(`\nTest set: Average loss: ${averageLoss.toFixed(4)}, Accuracy: ${correct}/${total} (${accuracy.toFixed(0)}%)\n`);
    },
  });
  progress.clear();
  console.log(`test accuracy ${result.testAccuracy.toFixed(2)}%`);
  return result;
}

async function main(argv: readonly string[]): Promise<number> {
  if (requestsGpt(argv)) return runGptCli(argv);
  const options = parseCli(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  // Before anything slow: a run is never lost to an output path that cannot be written, or to two
  // outputs in one file. Messages name the paths as given; the writes go to the resolved files.
  const run = writingTo(options, checkOutputs(outputsOf(options)));
  await startRunBackend(options.backend, options.verbose);

  const result = run.model === 'cnn' ? await runCnn(run) : await runMlp(run);
  const timing = result.iterations > 0 ? `${result.iterations} steps in ${result.trainSeconds.toFixed(1)} s (${result.msPerStep.toFixed(2)} ms/step, median)` : 'evaluated';
  console.log(`${timing} on '${result.backend}', peak RSS ${result.peakRssMB.toFixed(0)} MB`);
  let allWritten = true;
  if (options.save && result.saved) allWritten = reportOutcome('save', options.save, result.saved, 'the weights');
  if (options.exportOnnx && result.exported) allWritten = reportOutcome('export-onnx', options.exportOnnx, result.exported, 'the ONNX model') && allWritten;
  if (options.report && run.report) {
    const text = `${JSON.stringify(result, null, 2)}\n`;
    const outcome = await writeWithFallback(run.report, (path) => writeTextAtomically(path, text));
    allWritten = reportOutcome('report', options.report, outcome, 'the report') && allWritten;
  }
  if (options.plot && run.plot) {
    const svg = runPlot(result);
    const outcome = await writeWithFallback(run.plot, (path) => writeTextAtomically(path, svg));
    allWritten = reportOutcome('plot', options.plot, outcome, 'the curves') && allWritten;
  }
  return allWritten ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`kindling-train: ${error.message}\n\n${requestsGpt(process.argv.slice(2)) ? GPT_USAGE : USAGE}`);
      process.exit(2);
    }
    console.error(`kindling-train: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
