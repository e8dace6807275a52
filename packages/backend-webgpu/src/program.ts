/**
 * A compute program: WGSL source built from one specialisation, plus the facts the backend needs to
 * bind it. Every program binds `inputs` read-only storage buffers, then `outputs` read-write ones,
 * then one uniform block of `uniformWords` 32-bit words (at a dynamic offset in the uniform arena).
 */
export interface Program {
  /** Encodes every specialisation: the pipeline cache's key. Two programs with one key have one WGSL source. */
  readonly key: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly uniformWords: number;
  /** The WGSL source; only built on a pipeline-cache miss. */
  code(): string;
}

/** How many workgroups to launch, split over x and y because each dimension stops at 65,535. */
export function workgroupGrid(groups: number): [number, number] {
  const x = Math.min(Math.max(groups, 1), 65535);
  return [x, Math.ceil(Math.max(groups, 1) / x)];
}
