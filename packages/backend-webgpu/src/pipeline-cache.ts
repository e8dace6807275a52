import { BufferUsage, COMPUTE_STAGE } from './gpu-flags.js';
import type { Program } from './program.js';

/**
 * A compiled program and the layout its bind groups follow.
 * @internal
 */
export interface CompiledProgram {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Bytes of one uniform slot: the program's words rounded up to the 256-byte dynamic-offset alignment. */
  readonly uniformSlotBytes: number;
}

export const UNIFORM_ALIGNMENT = 256;

/**
 * Compiled pipelines keyed by program key, and bind groups keyed by (program, buffers).
 * @internal
 */
export class PipelineCache {
  private readonly programs = new Map<string, CompiledProgram>();
  private readonly bindGroups = new Map<string, GPUBindGroup>();
  /** Bounds the bind-group cache; a training loop's working set is far smaller. */
  private readonly maxBindGroups = 4096;

  constructor(
    private readonly device: GPUDevice,
    private readonly uniformBuffer: GPUBuffer,
  ) {}

  get size(): number {
    return this.programs.size;
  }

  compile(program: Program): CompiledProgram {
    const cached = this.programs.get(program.key);
    if (cached) return cached;
    const entries: GPUBindGroupLayoutEntry[] = [];
    for (let i = 0; i < program.inputs + program.outputs; i++) {
      entries.push({ binding: i, visibility: COMPUTE_STAGE, buffer: { type: i < program.inputs ? 'read-only-storage' : 'storage' } });
    }
    const uniformSlotBytes = Math.ceil((Math.max(program.uniformWords, 4) * 4) / UNIFORM_ALIGNMENT) * UNIFORM_ALIGNMENT;
    entries.push({
      binding: program.inputs + program.outputs,
      visibility: COMPUTE_STAGE,
      buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: uniformSlotBytes },
    });
    const layout = this.device.createBindGroupLayout({ label: program.key, entries });
    const module = this.device.createShaderModule({ label: program.key, code: program.code() });
    const pipeline = this.device.createComputePipeline({
      label: program.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const compiled = { pipeline, layout, uniformSlotBytes };
    this.programs.set(program.key, compiled);
    return compiled;
  }

  /** The bind group for `buffers` (inputs then outputs) under `program`; `ids` names each buffer. */
  bindGroup(program: Program, compiled: CompiledProgram, buffers: readonly GPUBuffer[], ids: readonly number[]): GPUBindGroup {
    const key = `${program.key}#${ids.join(',')}`;
    const cached = this.bindGroups.get(key);
    if (cached) return cached;
    if (this.bindGroups.size >= this.maxBindGroups) this.bindGroups.clear();
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, binding) => ({ binding, resource: { buffer } }));
    entries.push({ binding: buffers.length, resource: { buffer: this.uniformBuffer, offset: 0, size: compiled.uniformSlotBytes } });
    const group = this.device.createBindGroup({ layout: compiled.layout, entries });
    this.bindGroups.set(key, group);
    return group;
  }

  /** Forgets every bind group (their buffers are about to be destroyed). */
  clearBindGroups(): void {
    this.bindGroups.clear();
  }
}

/** The usage of the uniform arena buffer. */
export const UNIFORM_USAGE = BufferUsage.UNIFORM | BufferUsage.COPY_DST;
