import { UNIFORM_ALIGNMENT } from './pipeline-cache.js';

/** The uniform arena's size: every dispatch of one submission gets its own slot in it. */
export const UNIFORM_ARENA_BYTES = 64 * 1024;

/**
 * The work recorded since the last submission: one command encoder that compute passes and copies
 * are appended to, and the uniform arena that holds each pass's parameters. At submission the
 * arena is written with one `writeBuffer`, which the queue orders before the command buffer and
 * after every earlier submission, so one uniform buffer serves every batch.
 */
export class CommandBatch {
  private encoder: GPUCommandEncoder | null = null;
  private readonly arena = new Uint32Array(UNIFORM_ARENA_BYTES / 4);
  private arenaBytes = 0;
  private passCount = 0;
  /** Submissions made, for tests and benchmarks. */
  submissions = 0;
  /** Compute passes encoded, for tests and benchmarks. */
  passes = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly uniformBuffer: GPUBuffer,
    private readonly maxPasses: number,
  ) {}

  /** Whether anything is recorded and not yet submitted. */
  get pending(): boolean {
    return this.encoder !== null;
  }

  /** The encoder to append to, created on demand. */
  commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /**
   * Copies `words` into the next slot of `slotBytes` and returns its byte offset. A full arena (or
   * a full batch of passes) is submitted first, so the caller encodes into a fresh batch.
   */
  reserveUniforms(words: Uint32Array, slotBytes: number): number {
    if (this.arenaBytes + slotBytes > UNIFORM_ARENA_BYTES || this.passCount >= this.maxPasses) this.submit();
    const offset = this.arenaBytes;
    this.arena.set(words, offset / 4);
    this.arenaBytes += Math.ceil(slotBytes / UNIFORM_ALIGNMENT) * UNIFORM_ALIGNMENT;
    this.passCount++;
    this.passes++;
    return offset;
  }

  /** Submits everything recorded (a no-op when nothing is). */
  submit(): void {
    if (!this.encoder) return;
    if (this.arenaBytes > 0) this.device.queue.writeBuffer(this.uniformBuffer, 0, this.arena, 0, this.arenaBytes / 4);
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.arenaBytes = 0;
    this.passCount = 0;
    this.submissions++;
  }
}
