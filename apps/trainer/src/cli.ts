#!/usr/bin/env node
import { listBackends, ready, setBackend } from '@kindling/tensor';
import { describeBackends, registerBackends } from './backends.js';
import { parseCli, USAGE, UsageError, type CliOptions, type CnnCliOptions, type MlpCliOptions } from './options.js';
import { checkWritable, writeTextAtomically, writeWithFallback, type Output, type WriteOutcome } from './outputs.js';
import { runPlot } from './plot.js';
import { Progress } from './progress.js';
import { trainCnn, type CnnTrainResult } from './train-cnn.js';
import { train, type TrainResult } from './train.js';

/** Every file the run will write, with its flag. */
function outputsOf(options: CliOptions): Output[] {
  const outputs: Output[] = [];
  if (options.save !== undefined) outputs.push({ flag: 'save', path: options.save });
  if (options.exportOnnx !== undefined) outputs.push({ flag: 'export-onnx', path: options.exportOnnx });
  if (options.report !== undefined) outputs.push({ flag: 'report', path: options.report });
  if (options.plot !== undefined) outputs.push({ flag: 'plot', path: options.plot });
  return outputs;
}

/** Says where an output went; false when it is not where it was asked for. */
function reportOutcome(flag: string, requested: string, outcome: WriteOutcome, what: string): boolean {
  if (outcome.error === undefined) {
    console.log(`saved ${what} to ${requested}`);
    return true;
  }
  if (outcome.path !== undefined) console.error(`kindling-train: --${flag} ${requested}: ${outcome.error}; saved ${what} to ${outcome.path} instead`);
  else console.error(`kindling-train: --${flag} ${requested}: ${outcome.error}; ${what} could not be saved anywhere`);
  return false;
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
  const options = parseCli(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  // Before anything slow: a run is never lost to an output path that cannot be written.
  for (const output of outputsOf(options)) checkWritable(output);
  registerBackends();
  const backend = options.backend ? await setBackend(options.backend) : await ready();
  if (options.verbose) console.log(describeBackends(listBackends()));
  console.log(`Training on backend '${backend.name}'`);

  const result = options.model === 'cnn' ? await runCnn(options) : await runMlp(options);
  const timing = result.iterations > 0 ? `${result.iterations} steps in ${result.trainSeconds.toFixed(1)} s (${result.msPerStep.toFixed(2)} ms/step, median)` : 'evaluated';
  console.log(`${timing} on '${result.backend}', peak RSS ${result.peakRssMB.toFixed(0)} MB`);
  let allWritten = true;
  if (options.save && result.saved) allWritten = reportOutcome('save', options.save, result.saved, 'the weights');
  if (options.exportOnnx && result.exported) allWritten = reportOutcome('export-onnx', options.exportOnnx, result.exported, 'the ONNX model') && allWritten;
  if (options.report) {
    const text = `${JSON.stringify(result, null, 2)}\n`;
    const outcome = await writeWithFallback(options.report, (path) => writeTextAtomically(path, text));
    allWritten = reportOutcome('report', options.report, outcome, 'the report') && allWritten;
  }
  if (options.plot) {
    const svg = runPlot(result);
    const outcome = await writeWithFallback(options.plot, (path) => writeTextAtomically(path, svg));
    allWritten = reportOutcome('plot', options.plot, outcome, 'the curves') && allWritten;
  }
  return allWritten ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`kindling-train: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`kindling-train: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
