import type { Backend, RecordedWork, Storage, View } from '../backend.js';
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
  | { readonly kind: 'host'; readonly run: () => void }
  /** A segment of the device work the backend recorded, which a recorded replay resubmits here. */
  | { readonly kind: 'work'; readonly segment: number };

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
  /** The device work as the backend recorded it, where it could. */
  readonly work: RecordedWork | null;
}

/** Counts of what one replay does. */
export interface TapeSummary {
  /** Kernels run, including one copy per tensor the step leaves behind (`kept`). */
  kernels: number;
  /** Host steps called again (an optimizer's update). */
  hostSteps: number;
  /** Tensors the step leaves to longer-lived holders that it could not rebind, refreshed by a copy. */
  kept: number;
  /** Whether a replay resubmits the backend's recorded work instead of running the kernels. */
  recorded: boolean;
}

/**
 * A step recorded by `StepRecorder`: replaying it runs the same kernels on new inputs with no op
 * layer, no autograd graph and no Tensor objects but the results. Storages the capture made are
 * made again, in the same order, and freed where the capture freed them, so memory repeats.
 */
export class Tape {
  /** The rebinds of each storage a kernel makes, run as soon as it is made (an update reads them next). */
  private readonly rebindsOf = new Map<Storage, TapeParts['rebinds'][number][]>();

  /** The storages the step's kernels made. */
  private readonly produced: ReadonlySet<Storage>;

  constructor(private readonly parts: TapeParts) {
    this.produced = new Set(parts.entries.flatMap((e) => (e.kind === 'kernel' && e.produces ? [e.produces] : [])));
    for (const rebind of parts.rebinds) {
      if (!this.produced.has(rebind.output.storage)) continue;
      this.rebindsOf.set(rebind.output.storage, [...(this.rebindsOf.get(rebind.output.storage) ?? []), rebind]);
    }
  }

  get summary(): TapeSummary {
    const kernels = this.parts.entries.filter((e) => e.kind === 'kernel').length;
    const hostSteps = this.parts.entries.filter((e) => e.kind === 'host').length;
    return { kernels: kernels + this.parts.kept.size, hostSteps, kept: this.parts.kept.size, recorded: this.parts.work !== null };
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
    const { external, kept, guards, work } = this.parts;
    // Recorded work writes where the kept tensors live whether or not they are still held.
    const keptHeld = work !== null || [...kept.keys()].every(isStorageHeld);
    return external.every(isStorageHeld) && keptHeld && guards.every((holds) => holds());
  }

  /**
   * Runs the step again on `inputs` (shaped and laid out as the capture's) and returns its results
   * as new tensors. Check `isValid()` first.
   */
  replay(inputs: readonly Tensor[]): Tensor[] {
    return this.parts.work ? this.replayRecorded(this.parts.work, inputs) : this.replayKernels(inputs);
  }

  /** Runs every kernel again, on storages made anew in the capture's order. */
  private replayKernels(inputs: readonly Tensor[]): Tensor[] {
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
        } else if (entry.kind === 'host') {
          runHostStep(entry.run, current);
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

  /**
   * Resubmits the backend's recorded work, whose storages keep their memory from one replay to
   * the next: only refreshed kernels (random draws) and host steps (an optimizer's update) run
   * again, and each result the caller gets is a copy.
   */
  private replayRecorded(work: RecordedWork, inputs: readonly Tensor[]): Tensor[] {
    work.load(inputs.map((t) => t.storage));
    const own = new Map<Storage, Storage>(this.parts.inputs.map((storage, i) => [storage, work.input(i)]));
    const lend = (output: TapeOutput): Tensor => new Tensor(output.backend, work.borrow(output.storage), output.shape, output.dtype, output.strides, output.offset);
    for (const entry of this.parts.entries) {
      if (entry.kind === 'work') work.run(entry.segment);
      else if (entry.kind === 'host') runHostStep(entry.run, own);
      else if (entry.kind === 'kernel') {
        if (entry.refresh) {
          const swapped = entry.slots.length > 0 ? swapStorages(entry.args, entry.slots, own, true) : entry.args;
          const result = runKernel(entry.name, entry.backend, entry.refresh(swapped) as KernelArgs[KernelName], entry.output);
          if (entry.produces && result) {
            work.copyInto(result, entry.produces);
            adoptStorage(entry.backend, result);
            dropStorage(result);
          }
        }
        if (entry.produces) for (const { output, rebind } of this.rebindsOf.get(entry.produces) ?? []) rebind(lend(output));
      }
    }
    const inputOf = new Map(this.parts.inputs.map((storage, i) => [storage, (inputs[i] as Tensor).storage]));
    const results = this.parts.outputs.map((o) => {
      const input = inputOf.get(o.storage);
      const storage = input ?? (this.produced.has(o.storage) ? work.copyOut(o.storage) : o.storage);
      return new Tensor(o.backend, storage, o.shape, o.dtype, o.strides, o.offset);
    });
    for (const { output, rebind } of this.parts.rebinds) {
      if (!this.rebindsOf.has(output.storage)) rebind(lend(output));
    }
    return results;
  }

  /** Frees the host constants the tape holds, and the recorded work's memory. */
  dispose(): void {
    this.parts.work?.dispose();
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

/** Runs a recorded host step, its kernels reading the storages `current` maps the capture's to. */
function runHostStep(run: () => void, current: ReadonlyMap<Storage, Storage>): void {
  setReplaySubstitution(current);
  try {
    run();
  } finally {
    setReplaySubstitution(null);
  }
}

/**
 * A copy of `args` with each slot's storage replaced by the one `current` maps it to; with
 * `unmappedStay`, a storage it does not map stays (recorded work keeps the capture's storages).
 */
function swapStorages(args: object, slots: readonly ArgumentSlot[], current: ReadonlyMap<Storage, Storage>, unmappedStay = false): object {
  const swapped: Record<string, unknown> = { ...args };
  for (const { key, index, storage } of slots) {
    const replacement = current.get(storage) ?? (unmappedStay ? storage : undefined);
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
