import { formatShape, isTensor } from '@kindling/tensor';
import type { OptimizableParameter, ParamState } from './optimizer.js';

/** The keys of one parameter's state, as an optimizer reads them on its next step. */
export interface StateKeys {
  /** Tensors of the parameter's shape, dtype and device. */
  readonly tensors: readonly string[];
  /** Counters: non-negative integers. */
  readonly counters: readonly string[];
  /** Keys of either kind that may be absent, because the optimizer creates them on first use. */
  readonly optional: readonly string[];
}

/** A snapshot that passed every check: the groups' saved settings and each saved state with its parameter. */
export interface CheckedStateDict {
  groupSettings: Record<string, unknown>[];
  entries: [OptimizableParameter, ParamState][];
}

/** What the optimizer being loaded into looks like, for the checks and their messages. */
export interface LoadTarget {
  /** `Adam.loadStateDict`, say: every message starts with it. */
  where: string;
  /** The optimizer's name, for "is this another optimizer's state?". */
  name: string;
  groups: readonly { readonly params: readonly OptimizableParameter[] }[];
  /** The hyperparameter names a group holds (`lr`, `betas`, ...). */
  settingNames: readonly string[];
  stateKeys: StateKeys;
}

/** `null`, `an array`, `a Tensor` or the typeof, for messages about a value of the wrong kind. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (isTensor(value)) return 'a Tensor';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !isTensor(value) && !(value instanceof Map);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

/**
 * Checks an optimizer snapshot against `target` before anything is loaded: its layout, each
 * group's size and setting names, and each parameter's state keys, kinds, shapes, dtypes and
 * devices. Throws an error naming the group or parameter index and the key; returns the checked
 * parts otherwise.
 */
export function checkOptimizerStateDict(stateDict: unknown, target: LoadTarget): CheckedStateDict {
  const { where } = target;
  if (!isRecord(stateDict) || !Array.isArray(stateDict.paramGroups) || !isRecord(stateDict.state)) {
    throw new TypeError(`${where}: expected { state, paramGroups } as stateDict() writes it, got ${describeValue(stateDict)}`);
  }
  const savedGroups: unknown[] = stateDict.paramGroups;
  if (savedGroups.length !== target.groups.length) {
    throw new Error(`${where}: the state dict has ${savedGroups.length} parameter groups but the optimizer has ${target.groups.length}`);
  }
  // Saved indices map to the current parameters position by position, as in PyTorch.
  const byIndex = new Map<number, OptimizableParameter>();
  const groupSettings = savedGroups.map((saved, g) => {
    const group = target.groups[g] as LoadTarget['groups'][number];
    if (!isRecord(saved)) throw new TypeError(`${where}: parameter group ${g} should be { params: number[], ...settings }, got ${describeValue(saved)}`);
    if (!Array.isArray(saved.params)) throw new TypeError(`${where}: parameter group ${g} has no 'params' list of parameter indices`);
    const { params: indices, ...settings } = saved as { params: unknown[] } & Record<string, unknown>;
    if (indices.length !== group.params.length) {
      throw new Error(`${where}: parameter group ${g} has ${indices.length} parameters in the state dict but ${group.params.length} in the optimizer`);
    }
    for (const key of Object.keys(settings)) {
      if (!target.settingNames.includes(key)) {
        throw new Error(`${where}: parameter group ${g} has the setting '${key}', which ${target.name} does not have (it has ${target.settingNames.join(', ')}); is this another optimizer's state?`);
      }
    }
    indices.forEach((index, i) => {
      if (!isCount(index)) throw new TypeError(`${where}: parameter group ${g} lists ${describeValue(index)} as a parameter index; indices are non-negative integers`);
      if (byIndex.has(index)) throw new Error(`${where}: parameter index ${index} appears more than once in the parameter groups`);
      byIndex.set(index, group.params[i] as OptimizableParameter);
    });
    return settings;
  });
  const entries = Object.entries(stateDict.state).map(([key, values]): [OptimizableParameter, ParamState] => {
    const param = /^\d+$/.test(key) ? byIndex.get(Number(key)) : undefined;
    if (!param) throw new Error(`${where}: the state dict has state for parameter ${key}, which is in none of its parameter groups`);
    checkParamState(target, key, values, param);
    return [param, values as ParamState];
  });
  return { groupSettings, entries };
}

function checkParamState(target: LoadTarget, index: string, values: unknown, param: OptimizableParameter): void {
  const { where, stateKeys } = target;
  if (!isRecord(values)) throw new TypeError(`${where}: the state of parameter ${index} should be a record of tensors and counters, got ${describeValue(values)}`);
  const known = [...stateKeys.tensors, ...stateKeys.counters];
  for (const name of Object.keys(values)) {
    if (!known.includes(name)) {
      throw new Error(`${where}: the state of parameter ${index} has '${name}', which ${target.name} does not keep (it keeps ${known.join(', ')}); is this another optimizer's state?`);
    }
  }
  for (const name of known) {
    const value = values[name];
    const label = `${where}: state '${name}' of parameter ${index}`;
    if (value === undefined) {
      if (stateKeys.optional.includes(name)) continue;
      throw new Error(`${where}: the state of parameter ${index} is missing '${name}'`);
    }
    if (stateKeys.counters.includes(name)) {
      if (!isCount(value)) throw new TypeError(`${label} should be a non-negative integer, got ${describeValue(value)}`);
      continue;
    }
    if (!isTensor(value)) throw new TypeError(`${label} should be a tensor, got ${describeValue(value)}`);
    if (value.isDisposed) throw new Error(`${label} was disposed`);
    const { shape, dtype, device } = param.data;
    if (formatShape(value.shape) !== formatShape(shape)) {
      throw new Error(`${label} has shape ${formatShape(value.shape)} but the parameter has shape ${formatShape(shape)}`);
    }
    if (value.dtype !== dtype) throw new TypeError(`${label} has dtype ${value.dtype} but the parameter has dtype ${dtype}`);
    if (value.device !== device) throw new Error(`${label} is on '${value.device}' but the parameter is on '${device}'`);
  }
}
