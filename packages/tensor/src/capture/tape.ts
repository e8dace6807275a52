import type { Backend, Storage, View } from '../backend.js';
import type { FallbackOutput } from '../cpu-fallback.js';
import type { DType } from '../dtype.js';
import { adoptStorage, dropStorage, isStorageHeld, runKernel } from '../engine.js';
import { withStorage } from '../kernel-args.js';
import type { KernelArgs, KernelName } from '../kernel-names.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { setReplaySubstitution } from './hooks.js';

/** A place in a kernel's arguments holding a storage that a replay swaps: `args[key]`, or `args[key][index]`. */
export interface ArgumentSlot {
  readonly key: string;
  /** -1 where `args[key]` is the storage or view itself. */
  readonly index: number;
  /** The storage there during the capture. */
  readonly storage: Storage;
}

export type TapeEntry =
  | {
      readonly kind: 'kernel';
      readonly name: KernelName;
      readonly backend: Backend;
      readonly args: object;
      readonly output: FallbackOutput | undefined;
      readonly slots: readonly ArgumentSlot[];
      readonly produces: Storage | null;
      readonly refresh: ((args: object) => object) | null;
    }
  | { readonly kind: 'release'; readonly storage: Storage }
  | { readonly kind: 'host'; readonly run: () => void };

/** A result of the step as the capture returned it. */
export interface TapeOutput {
  readonly backend: Backend;
  readonly storage: Storage;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly strides: readonly number[];
  readonly offset: number;
}

export interface TapeParts {
  readonly entries: readonly TapeEntry[];
  readonly inputs: readonly Storage[];
  readonly constants: ReadonlyMap<Storage, Backend>;
  readonly external: readonly Storage[];
  readonly kept: ReadonlyMap<Storage, Backend>;
  readonly rebinds: readonly { readonly output: TapeOutput; readonly rebind: (fresh: Tensor) => void }[];
  readonly outputs: readonly TapeOutput[];
  readonly guards: readonly (() => boolean)[];
}

/** Counts of what one replay does. */
export interface TapeSummary {
  /** Kernels run, including one copy per tensor the step leaves behind (`kept`). */
  kernels: number;
  /** Host steps called again (an optimizer's update). */
  hostSteps: number;
  /** Tensors the step leaves to longer-lived holders that it could not rebind, refreshed by a copy. */
  kept: number;
}

/**
 * A step recorded by `StepRecorder`: replaying it runs the same kernels on new inputs with no op
 * layer, no autograd graph and no Tensor objects but the results. Storages the capture made are
 * made again, in the same order, and freed where the capture freed them, so memory repeats.
 */
export class Tape {
  /** The rebinds of each storage a kernel makes, run as soon as it is made (an update reads them next). */
  private readonly rebindsOf = new Map<Storage, TapeParts['rebinds'][number][]>();

  constructor(private readonly parts: TapeParts) {
    const produced = new Set(parts.entries.flatMap((e) => (e.kind === 'kernel' && e.produces ? [e.produces] : [])));
    for (const rebind of parts.rebinds) {
      if (!produced.has(rebind.output.storage)) continue;
      this.rebindsOf.set(rebind.output.storage, [...(this.rebindsOf.get(rebind.output.storage) ?? []), rebind]);
    }
  }

  get summary(): TapeSummary {
    const kernels = this.parts.entries.filter((e) => e.kind === 'kernel').length;
    const hostSteps = this.parts.entries.filter((e) => e.kind === 'host').length;
    return { kernels: kernels + this.parts.kept.size, hostSteps, kept: this.parts.kept.size };
  }

  /** The backends the step ran kernels on. */
  get backends(): Backend[] {
    return [...new Set(this.parts.entries.flatMap((e) => (e.kind === 'kernel' ? [e.backend] : [])))];
  }

  /**
   * Whether a replay would still do what the step does: every tensor it read and did not make is
   * alive, every tensor it left behind is still held, and every guard holds.
   */
  isValid(): boolean {
    const { external, kept, guards } = this.parts;
    return external.every(isStorageHeld) && [...kept.keys()].every(isStorageHeld) && guards.every((holds) => holds());
  }

  /**
   * Runs the step again on `inputs` (shaped and laid out as the capture's) and returns its results
   * as new tensors. Check `isValid()` first.
   */
  replay(inputs: readonly Tensor[]): Tensor[] {
    const { entries, outputs, kept } = this.parts;
    const current = new Map<Storage, Storage>();
    this.parts.inputs.forEach((storage, i) => current.set(storage, (inputs[i] as Tensor).storage));
    for (const storage of this.parts.constants.keys()) current.set(storage, storage);
    const owned = new Set<Storage>();
    try {
      for (const entry of entries) {
        if (entry.kind === 'kernel') {
          const swapped = entry.slots.length > 0 ? swapStorages(entry.args, entry.slots, current) : entry.args;
          const args = entry.refresh ? entry.refresh(swapped) : swapped;
          const result = runKernel(entry.name, entry.backend, args as KernelArgs[KernelName], entry.output);
          if (entry.produces && result) {
            adoptStorage(entry.backend, result);
            current.set(entry.produces, result);
            owned.add(entry.produces);
            for (const { output, rebind } of this.rebindsOf.get(entry.produces) ?? []) rebind(fresh(output, current));
          }
        } else if (entry.kind === 'release') {
          const storage = current.get(entry.storage);
          current.delete(entry.storage);
          owned.delete(entry.storage);
          if (storage) dropStorage(storage);
        } else {
          setReplaySubstitution(current);
          try {
            entry.run();
          } finally {
            setReplaySubstitution(null);
          }
        }
      }
      const results = outputs.map((output) => fresh(output, current));
      for (const { output, rebind } of this.parts.rebinds) {
        if (!this.rebindsOf.has(output.storage)) rebind(fresh(output, current));
      }
      for (const [storage, backend] of kept) {
        runKernel('Assign', backend, { target: wholeView(storage), source: wholeView(current.get(storage) ?? storage) });
      }
      return results;
    } finally {
      for (const storage of owned) dropStorage(current.get(storage) as Storage);
    }
  }

  /** Frees the host constants the tape holds. */
  dispose(): void {
    for (const storage of this.parts.constants.keys()) dropStorage(storage);
  }
}

/** A new tensor over what `current` maps the capture's storage to, laid out as the capture's tensor. */
function fresh(o: TapeOutput, current: ReadonlyMap<Storage, Storage>): Tensor {
  return new Tensor(o.backend, current.get(o.storage) ?? o.storage, o.shape, o.dtype, o.strides, o.offset);
}

function wholeView(storage: Storage): View {
  return { storage, dtype: storage.dtype, shape: [storage.size], strides: [1], offset: 0 };
}

/** A copy of `args` with each slot's storage replaced by the one `current` maps it to. */
function swapStorages(args: object, slots: readonly ArgumentSlot[], current: ReadonlyMap<Storage, Storage>): object {
  const swapped: Record<string, unknown> = { ...args };
  for (const { key, index, storage } of slots) {
    const replacement = current.get(storage);
    if (!replacement) throw new Error(`internal: a replayed kernel reads a storage the step had already freed (argument '${key}')`);
    if (index < 0) {
      swapped[key] = withStorage(swapped[key], () => replacement);
      continue;
    }
    const original = (args as Record<string, unknown[]>)[key] as unknown[];
    if (swapped[key] === original) swapped[key] = [...original];
    const items = swapped[key] as unknown[];
    items[index] = withStorage(items[index], () => replacement);
  }
  return swapped;
}
