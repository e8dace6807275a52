import type { TrainSettings } from './session.js';

/** A field the user filled in wrong; the message names it and says what it takes. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly input: HTMLInputElement,
    message: string,
  ) {
    super(message);
  }
}

/** A numeric input's name (for messages) and what it accepts. */
export interface Field {
  label: string;
  integer: boolean;
  min: number;
  max: number;
}

/** How many test images to measure the accuracy on: all 10,000, or the first few for a quick look. */
export const TEST_SIZE: Field = { label: 'Test images', integer: true, min: 1, max: 10_000 };

const FIELDS: Record<keyof TrainSettings, Field> = {
  steps: { label: 'Steps', integer: true, min: 0, max: 10_000_000 },
  lr: { label: 'Learning rate', integer: false, min: Number.MIN_VALUE, max: 1000 },
  batchSize: { label: 'Batch size', integer: true, min: 1, max: 55_000 },
  validateEvery: { label: 'Validate every', integer: true, min: 1, max: 10_000_000 },
  validationSize: { label: 'Validation images', integer: true, min: 1, max: 5000 },
};

/**
 * The number `input` holds. One that is not a number in the field's range throws a `SettingsError`
 * naming the field, and marks the input invalid, rather than running on a guess.
 */
export function readNumber(input: HTMLInputElement, { label, integer, min, max }: Field): number {
  const value = Number(input.value);
  const valid = input.value.trim() !== '' && Number.isFinite(value) && value >= min && value <= max && (!integer || Number.isInteger(value));
  input.setAttribute('aria-invalid', String(!valid));
  if (!valid) {
    const range = min === Number.MIN_VALUE ? `above 0, up to ${max}` : `from ${min} to ${max}`;
    throw new SettingsError(input, `${label} must be ${integer ? 'a whole number' : 'a number'} ${range}, not '${input.value}'`);
  }
  return value;
}

/** The training settings as the inputs hold them, each checked by `readNumber`. */
export function readSettings(inputs: Readonly<Record<keyof TrainSettings, HTMLInputElement>>): TrainSettings {
  const read = (key: keyof TrainSettings): number => readNumber(inputs[key], FIELDS[key]);
  return { steps: read('steps'), lr: read('lr'), batchSize: read('batchSize'), validateEvery: read('validateEvery'), validationSize: read('validationSize') };
}
