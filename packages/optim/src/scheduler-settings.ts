import { describeValue } from './state-dict-check.js';

/** One scheduler setting as `stateDict()` records it: a number, a mode name, a flag, or one number per group. */
export type SchedulerSetting = number | string | boolean | readonly number[];

function sameSetting(saved: unknown, own: SchedulerSetting): boolean {
  if (Array.isArray(own)) {
    return Array.isArray(saved) && saved.length === own.length && own.every((value, i) => saved[i] === value);
  }
  return saved === own;
}

function formatSetting(value: unknown): string {
  if (Array.isArray(value) && value.every((item) => typeof item === 'number')) return `[${value.join(', ')}]`;
  return typeof value === 'number' ? String(value) : describeValue(value);
}

/**
 * Checks a snapshot's `settings` against the scheduler's own: the same names and the same values,
 * so that a schedule never resumes with settings other than those it was built with. `where`
 * starts every message; `name` is the scheduler's, for "is this another scheduler's state?".
 */
export function checkSchedulerSettings(where: string, name: string, own: Record<string, SchedulerSetting>, saved: unknown): void {
  if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) {
    throw new TypeError(`${where}: 'settings' should be a record of the scheduler's options, got ${describeValue(saved)}`);
  }
  const names = Object.keys(own);
  for (const key of Object.keys(saved)) {
    if (!names.includes(key)) throw new Error(`${where}: the state dict has the setting '${key}', which ${name} does not have (it has ${names.join(', ')}); is this another scheduler's state?`);
  }
  for (const [key, value] of Object.entries(own)) {
    const savedValue: unknown = (saved as Record<string, unknown>)[key];
    if (savedValue === undefined) throw new Error(`${where}: the state dict is missing the setting '${key}'`);
    if (!sameSetting(savedValue, value)) {
      const built = typeof value === 'string' || typeof value === 'boolean' ? String(value) : formatSetting(value);
      throw new Error(`${where}: the state dict has ${key} ${formatSetting(savedValue)} but this ${name} was built with ${key} ${built}; build it with the saved settings`);
    }
  }
}

/** `value` as one number per parameter group: a single number applies to every group. */
export function perGroup(where: string, key: string, value: number | readonly number[], groups: number): number[] {
  if (!Array.isArray(value)) return new Array<number>(groups).fill(value as number);
  if (value.length !== groups) throw new RangeError(`${where}: expected ${groups} values for ${key}, one per parameter group, got ${value.length}`);
  return [...value];
}
