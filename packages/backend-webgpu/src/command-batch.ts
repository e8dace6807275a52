import { UNIFORM_ALIGNMENT } from './pipeline-cache.js';

/** The uniform arena's size: every dispatch of one submission gets its own slot in it. */
export const UNIFORM_ARENA_BYTES = 64 * 1024;

/**
 * The work recorded since the last submission: one command encoder that dispatches, copies and
 * clears are appended to, and the uniform arena that holds each dispatch's parameters. At submission the
 * arena is written with one `writeBuffer`, which the queue orders before the command buffer and
 * after every earlier submission, so one uniform buffer serves every batch.
 * @internal
 */
export class CommandBatch {
  private encoder: GPUCommandEncoder | null = null;
  /**
   * The compute pass consecutive dispatches share. WebGPU orders the dispatches of one pass (each is
   * its own usage scope, so one sees what the previous wrote), and keeping the pass open saves two
   * native calls per dispatch; copies and clears need it ended.
   */
  private pass: GPUComputePassEncoder | null = null;
  private passPipeline: GPUComputePipeline | null = null;
  private readonly arena = new Uint32Array(UNIFORM_ARENA_BYTES / 4);
  private arenaBytes = 0;
  private dispatchCount = 0;
  /** Submissions made, for tests and benchmarks. */
  submissions = 0;
  /** Dispatches recorded, for tests and benchmarks. */
  dispatches = 0;
  /** Copies kernels recorded (`copy`), for tests and benchmarks; a read's staging copy is not one. */
  copies = 0;
  /** Milliseconds spent handing work to the queue (writing the arena, submitting), for benchmarks of the host's time. */
  submitMs = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly uniformBuffer: GPUBuffer,
    private readonly maxDispatches: number,
  ) {}

  /** Whether anything is recorded and not yet submitted. */
  get pending(): boolean {
    return this.encoder !== null;
  }

  /** The encoder to append copies and clears to, created on demand (any open compute pass is ended first). */
  commandEncoder(): GPUCommandEncoder {
    this.endPass();
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /** Records a copy of `bytes` bytes between two buffers, in order with the passes around it. */
  copy(source: GPUBuffer, sourceOffset: number, target: GPUBuffer, targetOffset: number, bytes: number): void {
    this.commandEncoder().copyBufferToBuffer(source, sourceOffset, target, targetOffset, bytes);
    this.copies++;
  }

  /** Records one dispatch of `pipeline` with `group` at the uniform slot `uniformOffset`, in the open compute pass. */
  dispatch(pipeline: GPUComputePipeline, group: GPUBindGroup, uniformOffset: number, grid: readonly [number, number?, number?]): void {
    if (!this.pass) {
      this.pass = this.commandEncoder().beginComputePass();
      this.passPipeline = null;
    }
    if (this.passPipeline !== pipeline) {
      this.pass.setPipeline(pipeline);
      this.passPipeline = pipeline;
    }
    this.pass.setBindGroup(0, group, [uniformOffset]);
    this.pass.dispatchWorkgroups(grid[0], grid[1] ?? 1, grid[2] ?? 1);
  }

  /**
   * Records one dispatch of a recorded step, whose bind group holds its own uniforms: no arena slot,
   * and no automatic submission (a replay is one batch of work).
   */
  dispatchRecorded(pipeline: GPUComputePipeline, group: GPUBindGroup, uniformOffset: number, grid: readonly [number, number, number]): void {
    this.dispatch(pipeline, group, uniformOffset, grid);
    this.dispatches++;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = null;
  }

  /**
   * Copies `words` into the next slot of `slotBytes` and returns its byte offset. A full arena (or
   * a full batch of dispatches) is submitted first, so the caller encodes into a fresh batch.
   */
  reserveUniforms(words: Uint32Array, slotBytes: number): number {
    if (this.arenaBytes + slotBytes > UNIFORM_ARENA_BYTES || this.dispatchCount >= this.maxDispatches) this.submit();
    const offset = this.arenaBytes;
    this.arena.set(words, offset / 4);
    this.arenaBytes += Math.ceil(slotBytes / UNIFORM_ALIGNMENT) * UNIFORM_ALIGNMENT;
    this.dispatchCount++;
    this.dispatches++;
    return offset;
  }

  /** Submits everything recorded (a no-op when nothing is). */
  submit(): void {
    if (!this.encoder) return;
    const started = performance.now();
    this.endPass();
    if (this.arenaBytes > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.arena, 0, this.arenaBytes / 4);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.arenaBytes = 0;
    this.dispatchCount = 0;
    this.submissions++;
    this.submitMs += performance.now() - started;
  }
}
