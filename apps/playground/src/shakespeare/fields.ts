import type { GenerateOptions } from '@kindling/models';
import { readNumber, type Field } from '../settings.js';
import type { GptTrainSettings } from './gpt-session.js';

const ABOVE_ZERO = Number.MIN_VALUE;

const TRAIN_FIELDS: Record<keyof GptTrainSettings, Field> = {
  steps: { label: 'Steps', integer: true, min: 0, max: 10_000_000 },
  lr: { label: 'Learning rate', integer: false, min: ABOVE_ZERO, max: 10 },
  warmupSteps: { label: 'Warmup steps', integer: true, min: 0, max: 10_000_000 },
  evalEvery: { label: 'Measure losses every', integer: true, min: 1, max: 10_000_000 },
  sampleEvery: { label: 'Sample every', integer: true, min: 1, max: 10_000_000 },
  sampleLength: { label: 'Sample length', integer: true, min: 1, max: 10_000 },
};

/** The training settings as the inputs hold them, each checked by `readNumber`. */
export function readTrainSettings(inputs: Readonly<Record<keyof GptTrainSettings, HTMLInputElement>>): GptTrainSettings {
  const read = (key: keyof GptTrainSettings): number => readNumber(inputs[key], TRAIN_FIELDS[key]);
  return { steps: read('steps'), lr: read('lr'), warmupSteps: read('warmupSteps'), evalEvery: read('evalEvery'), sampleEvery: read('sampleEvery'), sampleLength: read('sampleLength') };
}

/** What the Generate button asks for. */
export interface GenerateRequest {
  length: number;
  options: Required<GenerateOptions>;
}

export interface GenerateInputs {
  length: HTMLInputElement;
  temperature: HTMLInputElement;
  topK: HTMLInputElement;
}

/** The length, temperature and top k as the inputs hold them, each checked by `readNumber`. */
export function readGenerateRequest(inputs: GenerateInputs): GenerateRequest {
  return {
    length: readNumber(inputs.length, { label: 'Characters', integer: true, min: 1, max: 10_000 }),
    options: {
      temperature: readNumber(inputs.temperature, { label: 'Temperature', integer: false, min: ABOVE_ZERO, max: 100 }),
      topK: readNumber(inputs.topK, { label: 'Top k', integer: true, min: 1, max: 1_000_000 }),
    },
  };
}
