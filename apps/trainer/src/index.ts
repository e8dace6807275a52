export { Net } from './net.js';
export { accuracy, DivergedError, train, type LogEntry, type MemorySnapshot, type OptimizerName, type TrainOptions, type TrainResult } from './train.js';
export { parseCli, USAGE, UsageError, type CliOptions } from './options.js';
export { availableBackends, registerBackends } from './backends.js';
export { checkWritable, writeWithFallback, type Output, type WriteOutcome } from './outputs.js';
