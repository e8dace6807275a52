import type { RecordedWork, WorkRecorder } from '@kindling/tensor';
import type { BufferPool } from './buffer-pool.js';
import type { CommandBatch } from './command-batch.js';
import { UNIFORM_ALIGNMENT, UNIFORM_USAGE, type CompiledProgram } from './pipeline-cache.js';
import type { WebGpuStorage } from './webgpu-backend.js';

/** What a recording needs of its backend. @internal */
export interface RecordingHost {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  readonly batch: CommandBatch;
  /** Runs held-back work, so that it lands in the segment it belongs to. */
  settle(): void;
  allocate(storage: Pick<WebGpuStorage, 'dtype' | 'size'>): WebGpuStorage;
  borrow(storage: WebGpuStorage): WebGpuStorage;
  release(storage: WebGpuStorage): void;
  /** The backend stops telling the recording of its work. */
  stop(): void;
}

/** Commands with no program, replayed as logged (offsets and sizes in bytes). */
type CommandWork =
  | { readonly kind: 'clear'; readonly buffer: GPUBuffer; readonly bytes: number }
  | { readonly kind: 'copy'; readonly source: GPUBuffer; readonly sourceOffset: number; readonly target: GPUBuffer; readonly targetOffset: number; readonly bytes: number };

type LoggedWork =
  | { readonly kind: 'dispatch'; readonly compiled: CompiledProgram; readonly buffers: readonly GPUBuffer[]; readonly uniforms: Uint32Array; readonly grid: readonly [number, number, number] }
  | CommandWork;

type ReadyWork =
  | { readonly kind: 'dispatch'; readonly pipeline: GPUComputePipeline; readonly group: GPUBindGroup; readonly uniformOffset: number; readonly grid: readonly [number, number, number] }
  | CommandWork;

/**
 * The dispatches, copies and clears a captured step issues on the `webgpu` backend, in segments,
 * and the storages it makes. The backend tells it of each while it records.
 * @internal
 */
export class WorkRecording implements WorkRecorder<WebGpuStorage> {
  private readonly segments: LoggedWork[][] = [];
  private current: LoggedWork[] = [];
  /** Every storage made while recording, by buffer: where the pool reused a buffer, several. */
  private readonly made = new Map<GPUBuffer, WebGpuStorage[]>();
  private problem: string | null = null;

  constructor(private readonly host: RecordingHost) {}

  allocated(storage: WebGpuStorage): void {
    const list = this.made.get(storage.buffer);
    if (list) list.push(storage);
    else this.made.set(storage.buffer, [storage]);
  }

  dispatched(compiled: CompiledProgram, buffers: readonly GPUBuffer[], uniforms: Uint32Array, grid: readonly [number, number?, number?]): void {
    this.current.push({ kind: 'dispatch', compiled, buffers, uniforms: uniforms.slice(), grid: [grid[0], grid[1] ?? 1, grid[2] ?? 1] });
  }

  cleared(buffer: GPUBuffer, bytes: number): void {
    this.current.push({ kind: 'clear', buffer, bytes });
  }

  copied(source: GPUBuffer, sourceOffset: number, target: GPUBuffer, targetOffset: number, bytes: number): void {
    this.current.push({ kind: 'copy', source, sourceOffset, target, targetOffset, bytes });
  }

  refuse(reason: string): void {
    this.problem ??= reason;
  }

  cut(): number {
    this.host.settle();
    this.segments.push(this.current);
    this.current = [];
    return this.segments.length - 1;
  }

  finish(inputs: readonly WebGpuStorage[]): RecordedWork<WebGpuStorage> | string {
    this.host.settle();
    this.host.stop();
    if (this.problem !== null) return this.problem;
    return new RecordedDispatches(this.host, this.segments, this.made, inputs);
  }

  abandon(): void {
    this.host.settle();
    this.host.stop();
  }
}

/**
 * A recorded step's work, ready to submit again: its buffers pinned (out of the pool's circulation),
 * its inputs copied into buffers of its own, one uniform buffer written once, and a bind group per
 * dispatch. A segment costs the native calls of its dispatches, copies and clears and nothing else.
 * @internal
 */
class RecordedDispatches implements RecordedWork<WebGpuStorage> {
  private readonly ownInputs: WebGpuStorage[];
  private readonly ready: ReadyWork[][];
  private readonly uniformBuffer: GPUBuffer;
  private borrowed: WebGpuStorage[] = [];

  constructor(
    private readonly host: RecordingHost,
    segments: readonly (readonly LoggedWork[])[],
    private readonly made: ReadonlyMap<GPUBuffer, readonly WebGpuStorage[]>,
    private readonly inputs: readonly WebGpuStorage[],
  ) {
    for (const buffer of made.keys()) host.pool.pin(buffer);
    this.ownInputs = inputs.map((input) => host.allocate(input));
    // Replayed work must reach the recording's copy of each input, which `load` refreshes, not the
    // buffer it was recorded with (the caller's, long since changed or released).
    const inputBuffers = new Map(inputs.map((input, i) => [input.buffer, (this.ownInputs[i] as WebGpuStorage).buffer]));
    const ownBuffer = (buffer: GPUBuffer): GPUBuffer => inputBuffers.get(buffer) ?? buffer;
    const dispatches = segments.flat().filter((work) => work.kind === 'dispatch');
    const slotOf = (compiled: CompiledProgram): number => Math.ceil(compiled.uniformSlotBytes / UNIFORM_ALIGNMENT) * UNIFORM_ALIGNMENT;
    const uniformBytes = Math.max(
      UNIFORM_ALIGNMENT,
      dispatches.reduce((bytes, work) => bytes + slotOf(work.compiled), 0),
    );
    this.uniformBuffer = host.device.createBuffer({ size: uniformBytes, usage: UNIFORM_USAGE });
    const words = new Uint32Array(uniformBytes / 4);
    let offset = 0;
    this.ready = segments.map((segment) =>
      segment.map((work): ReadyWork => {
        if (work.kind === 'clear') return { ...work, buffer: ownBuffer(work.buffer) };
        if (work.kind === 'copy') return { ...work, source: ownBuffer(work.source), target: ownBuffer(work.target) };
        words.set(work.uniforms, offset / 4);
        const entries: GPUBindGroupEntry[] = work.buffers.map((buffer, binding) => ({ binding, resource: { buffer: ownBuffer(buffer) } }));
        entries.push({ binding: work.buffers.length, resource: { buffer: this.uniformBuffer, offset: 0, size: work.compiled.uniformSlotBytes } });
        const ready = { kind: 'dispatch' as const, pipeline: work.compiled.pipeline, group: host.device.createBindGroup({ layout: work.compiled.layout, entries }), uniformOffset: offset, grid: work.grid };
        offset += slotOf(work.compiled);
        return ready;
      }),
    );
    host.device.queue.writeBuffer(this.uniformBuffer, 0, words);
  }

  load(inputs: readonly WebGpuStorage[]): void {
    const encoder = this.host.batch.commandEncoder();
    inputs.forEach((input, i) => {
      const own = this.ownInputs[i] as WebGpuStorage;
      if (own.size > 0) encoder.copyBufferToBuffer(input.buffer, 0, own.buffer, 0, own.size * 4);
    });
  }

  input(index: number): WebGpuStorage {
    return this.ownInputs[index] as WebGpuStorage;
  }

  run(segment: number): void {
    this.host.settle();
    const { batch } = this.host;
    for (const work of this.ready[segment] ?? []) {
      if (work.kind === 'dispatch') batch.dispatchRecorded(work.pipeline, work.group, work.uniformOffset, work.grid);
      else if (work.kind === 'copy') batch.copy(work.source, work.sourceOffset, work.target, work.targetOffset, work.bytes);
      else batch.commandEncoder().clearBuffer(work.buffer, 0, work.bytes);
    }
  }

  borrow(storage: WebGpuStorage): WebGpuStorage {
    const borrowed = this.host.borrow(this.ownStorage(storage));
    this.borrowed = [...this.borrowed.filter((s) => !s.released), borrowed];
    return borrowed;
  }

  copyInto(from: WebGpuStorage, to: WebGpuStorage): void {
    if (from.size > 0) this.host.batch.commandEncoder().copyBufferToBuffer(from.buffer, 0, this.ownStorage(to).buffer, 0, from.size * 4);
  }

  copyOut(storage: WebGpuStorage): WebGpuStorage {
    const source = this.ownStorage(storage);
    const copy = this.host.allocate(source);
    if (source.size > 0) this.host.batch.commandEncoder().copyBufferToBuffer(source.buffer, 0, copy.buffer, 0, source.size * 4);
    return copy;
  }

  dispose(): void {
    for (const [buffer, storages] of this.made) {
      const held = storages.some((s) => !s.released) || this.borrowed.some((s) => s.buffer === buffer && !s.released);
      this.host.pool.unpin(buffer, held);
    }
    this.uniformBuffer.destroy();
    for (const own of this.ownInputs) this.host.release(own);
  }

  /** The storage of this recording where the step's `storage` lives: an input's own copy, or itself. */
  private ownStorage(storage: WebGpuStorage): WebGpuStorage {
    const input = this.inputs.indexOf(storage);
    return input === -1 ? storage : (this.ownInputs[input] as WebGpuStorage);
  }
}
