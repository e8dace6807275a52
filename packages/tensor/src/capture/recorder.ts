import type { Backend, RecordedWork, Storage, WorkRecorder } from '../backend.js';
import { getBackend } from '../backend-registry.js';
import type { FallbackOutput } from '../cpu-fallback.js';
import type { TypedArray } from '../dtype.js';
import { adoptStorage, dropStorage, isStorageHeld } from '../engine.js';
import type { HostReadMethod } from '../host-reads.js';
import { mapStorages, storageOf } from '../kernel-args.js';
import { isInPlaceKernel, WRITTEN_ARGUMENTS, type KernelName } from '../kernel-names.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { setActiveCapture, type CaptureHooks } from './hooks.js';
import { Tape, type ArgumentSlot, type TapeEntry, type TapeOutput } from './tape.js';

/**
 * Watches one eager run of a step (between `recordStep` and `finish`) and writes down what a replay
 * needs: each kernel with the places in its arguments that hold storages the step made or was
 * given, the uploads of host constants, where the step freed what it made, and the host steps
 * (an optimizer's update) to call again. What cannot be replayed faithfully (a host read, a copy
 * between backends, freeing a tensor it did not make) is kept as the reason the step stays eager.
 */
export class StepRecorder implements CaptureHooks {
  private readonly entries: TapeEntry[] = [];
  private readonly inputs: readonly Storage[];
  /** Storages the step made (kernel results and uploads), released or not. */
  private readonly made = new Set<Storage>();
  /** Uploads of host values, held for every replay. */
  private readonly constants = new Map<Storage, Backend>();
  /** Storages the step read that existed before it: parameters, optimizer state, constants of the model. */
  private readonly external = new Set<Storage>();
  private readonly written = new Set<Storage>();
  private readonly tensors: Tensor[] = [];
  private readonly guards: (() => boolean)[] = [];
  private readonly rebinds: { output: TapeOutput; rebind: (fresh: Tensor) => void }[] = [];
  private pendingRefresh: ((args: object) => object) | null = null;
  private hostStepDepth = 0;
  private hostStepReleases: TapeEntry[] = [];
  /** What the running host step made and has not freed yet, by the kernel that made it. */
  private readonly hostStepMade = new Map<Storage, KernelName>();
  private problem: string | null = null;
  /** The device work as the backend records it, where it can (see `Backend.recordWork`). */
  private readonly work: WorkRecorder | null;

  private constructor(
    inputs: readonly Tensor[],
    private readonly backend: Backend,
  ) {
    this.inputs = inputs.map((t) => t.storage);
    this.work = backend.recordWork?.() ?? null;
  }

  /**
   * Starts recording the kernels that run from now on; `inputs` are what a replay swaps. The
   * backend of the first input (else the current one) records the device work too, if it can.
   */
  static start(inputs: readonly Tensor[]): StepRecorder {
    const recorder = new StepRecorder(inputs, inputs[0]?.backend ?? getBackend());
    setActiveCapture(recorder);
    return recorder;
  }

  kernel(name: KernelName, backend: Backend, args: object, output: FallbackOutput | undefined, result: Storage | void): void {
    if (this.hostStepDepth > 0) {
      // A replay runs the host step again, making its own temporaries: only what outlives the step matters.
      if (result) this.hostStepMade.set(result, name);
      return;
    }
    const slots: ArgumentSlot[] = [];
    for (const [key, value] of Object.entries(args)) {
      const items: unknown[] = Array.isArray(value) ? value : [value];
      items.forEach((item, i) => {
        const storage = storageOf(item);
        if (!storage) return;
        if (this.made.has(storage) || this.inputs.includes(storage)) slots.push({ key, index: Array.isArray(value) ? i : -1, storage });
        else this.external.add(storage);
      });
    }
    if (isInPlaceKernel(name)) {
      for (const arg of WRITTEN_ARGUMENTS[name] as readonly string[]) {
        const storage = storageOf((args as Record<string, unknown>)[arg]);
        if (storage) this.written.add(storage);
      }
    }
    // Plain views, not the step's Tensor objects, which the collector must stay free to take.
    const plain = mapStorages(args, (storage) => storage);
    this.entries.push({ kind: 'kernel', name, backend, args: plain, output, slots, produces: result ?? null, refresh: this.pendingRefresh });
    // A refreshed kernel runs again at each replay: its recorded work is not resubmitted.
    if (this.pendingRefresh) this.work?.cut();
    this.pendingRefresh = null;
    if (result) this.made.add(result);
  }

  uploaded(backend: Backend, values: TypedArray, storage: Storage, source: Tensor | undefined): void {
    if (source) this.refuse(`it copies a tensor of shape ${formatShape(source.shape)} from '${source.device}' to '${backend.name}', and a replay would keep the copy of this step`);
    // Held for the replays, which reuse it instead of uploading again.
    adoptStorage(backend, storage);
    this.constants.set(storage, backend);
    this.made.add(storage);
  }

  released(storage: Storage): void {
    if (this.hostStepMade.delete(storage)) return;
    // A host step's frees follow it: a replay runs the step whole, then frees.
    if (this.made.has(storage)) (this.hostStepDepth > 0 ? this.hostStepReleases : this.entries).push({ kind: 'release', storage });
    else if (this.inputs.includes(storage)) this.refuse('it frees one of its inputs, which a replay would not do');
    else if (this.external.has(storage)) this.refuse('it frees a tensor it read but did not make (a gradient accumulated into and replaced?), which a replay would read again');
  }

  tensorMade(tensor: Tensor): void {
    this.tensors.push(tensor);
  }

  hostRead(_tensor: Tensor, method: HostReadMethod): void {
    this.refuse(`it reads a tensor's values on the host (${method}()), so what it does may depend on them; return the tensor and read it after the step`);
  }

  replayedHostStep(fn: () => void): void {
    if (this.hostStepDepth > 0) {
      fn();
      return;
    }
    this.cutWork();
    this.hostStepDepth++;
    try {
      fn();
    } finally {
      this.hostStepDepth--;
    }
    for (const name of this.hostStepMade.values()) {
      this.refuse(`a replayed host step (such as an optimizer's update) made a new tensor with '${name}' that outlives it; only in-place updates and temporaries can be replayed there`);
    }
    this.hostStepMade.clear();
    // A host step runs again at each replay, its kernels with it: their recorded work is not resubmitted.
    this.work?.cut();
    this.entries.push({ kind: 'host', run: fn }, ...this.hostStepReleases);
    this.hostStepReleases = [];
  }

  refreshNextKernel(refresh: (args: object) => object): void {
    this.cutWork();
    this.pendingRefresh = refresh;
  }

  guard(holds: () => boolean): void {
    this.guards.push(holds);
  }

  requireMade(tensor: Tensor, reason: string): void {
    if (!this.made.has(tensor.storage)) this.refuse(reason);
  }

  rebind(tensor: Tensor, rebind: (fresh: Tensor) => void): void {
    this.rebinds.push({ output: outputOf(tensor), rebind });
  }

  /**
   * Stops recording. Returns the tape, whose replays return tensors like `outputs`, or the reason the
   * step cannot be replayed.
   */
  finish(outputs: readonly Tensor[]): Tape | string {
    setActiveCapture(null);
    this.cutWork();
    const work = this.finishWork();
    for (const storage of this.constants.keys()) {
      if (this.written.has(storage)) this.refuse('it writes in place into a tensor it made from host values, which a replay would not upload again');
    }
    if (this.problem !== null) {
      work?.dispose();
      for (const storage of this.constants.keys()) dropStorage(storage);
      return this.problem;
    }
    // What the step made and left to a tensor that outlives it (a gradient, new optimizer state):
    // a replay copies its own result there, so those tensors see every step.
    const rebound = new Set(this.rebinds.map(({ output }) => output.storage));
    const kept = new Map<Storage, Backend>();
    for (const t of this.tensors) {
      if (t.isDisposed || !t.isKept || rebound.has(t.storage) || this.constants.has(t.storage)) continue;
      if (this.made.has(t.storage) && isStorageHeld(t.storage)) kept.set(t.storage, t.backend);
    }
    return new Tape({
      entries: this.entries,
      inputs: this.inputs,
      constants: this.constants,
      external: [...this.external],
      kept,
      rebinds: this.rebinds,
      outputs: outputs.map(outputOf),
      guards: this.guards,
      work,
    });
  }

  /** Stops recording after the step threw; nothing is kept. */
  abandon(): void {
    setActiveCapture(null);
    this.work?.abandon();
    for (const storage of this.constants.keys()) dropStorage(storage);
  }

  /** Closes the device work recorded since the last cut into a segment that replays resubmit here. */
  private cutWork(): void {
    if (this.work) this.entries.push({ kind: 'work', segment: this.work.cut() });
  }

  /** The recorded device work, if the backend could record all of the step's work. */
  private finishWork(): RecordedWork | null {
    if (!this.work) return null;
    const work = this.work.finish(this.inputs);
    if (typeof work === 'string') return null;
    const elsewhere = this.entries.some((entry) => entry.kind === 'kernel' && entry.backend !== this.backend);
    if (elsewhere) work.dispose();
    return elsewhere ? null : work;
  }

  private refuse(reason: string): void {
    this.problem ??= reason;
  }
}

function outputOf(t: Tensor): TapeOutput {
  return { backend: t.backend, storage: t.storage, shape: t.shape, dtype: t.dtype, strides: t.strides, offset: t.offset };
}
