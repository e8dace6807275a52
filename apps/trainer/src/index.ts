export { Net } from './net.js';
export { accuracy, DivergedError, train, type LogEntry, type MemorySnapshot, type OptimizerName, type RunSettings, type TrainOptions, type TrainResult } from './train.js';
export { parseCli, USAGE, UsageError, type CliOptions, type CnnCliOptions, type MlpCliOptions, type ModelName } from './options.js';
export { availableBackends, registerBackends } from './backends.js';
export { checkWritable, writeWithFallback, type Output, type WriteOutcome } from './outputs.js';
export { ConvNet } from './cnn.js';
export { trainCnn, type CnnLogEntry, type CnnTrainOptions, type CnnTrainResult, type TestResult } from './train-cnn.js';
