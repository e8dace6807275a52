export { ConvNet, Net } from '@kindling/models';
export { accuracy, DivergedError, train, type LogEntry, type MemorySnapshot, type OptimizerName, type RunSettings, type TrainOptions, type TrainResult } from './train.js';
export { parseCli, USAGE, UsageError, type CliOptions, type CnnCliOptions, type MlpCliOptions, type ModelName } from './options.js';
export { availableBackends, registerBackends } from './backends.js';
export { checkOutputs, checkWritable, writeWithFallback, type Output, type WriteOutcome } from './outputs.js';
export { trainCnn, type CnnLogEntry, type CnnTrainOptions, type CnnTrainResult, type TestResult } from './train-cnn.js';
export { nanoGptLr, trainGpt, type GptEvalEntry, type GptLogEntry, type GptTrainOptions, type GptTrainResult } from './train-gpt.js';
export { GPT_PRESETS, parseGptCli, type GptCliOptions, type GptHyperparameters, type GptPresetName } from './gpt-options.js';
export { sampleGpt, type SampleOptions } from './sample.js';
