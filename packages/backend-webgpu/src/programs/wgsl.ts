import type { DType, View } from '@kindling/tensor';

/*
 * Snippets every WGSL program shares. All dtypes occupy 32 bits on the GPU: float32 as f32, int32
 * as i32, bool as u32 holding 0 or 1 (WGSL has no 8-bit storage type).
 */

/** The WGSL element type that stores `dtype`. */
export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  switch (dtype) {
    case 'float32':
      return 'f32';
    case 'int32':
      return 'i32';
    case 'bool':
      return 'u32';
    case 'float64':
      throw new TypeError('webgpu: float64 is not supported on the GPU; use float32 or move the tensor to the cpu backend');
  }
}

/** The uniform block: `words` u32s packed as vec4s, because uniform arrays need a 16-byte stride. */
export function uniformBlock(binding: number, words: number): string {
  const vectors = Math.max(1, Math.ceil(words / 4));
  return `struct Params { w: array<vec4<u32>, ${vectors}> }\n@group(0) @binding(${binding}) var<uniform> params: Params;\n`;
}

/** The WGSL expression reading uniform word `k`. */
export function word(k: number): string {
  return `params.w[${k >> 2}][${k & 3}]`;
}

/** `storage` bindings: read-only inputs first, then read-write outputs, numbered from 0. */
export function storageBindings(inputs: readonly [string, string][], outputs: readonly [string, string][]): string {
  const lines = inputs.map(([name, type], i) => `@group(0) @binding(${i}) var<storage, read> ${name}: array<${type}>;`);
  outputs.forEach(([name, type], i) => lines.push(`@group(0) @binding(${inputs.length + i}) var<storage, read_write> ${name}: array<${type}>;`));
  return `${lines.join('\n')}\n`;
}

/**
 * NaN and infinity by bit pattern: WGSL lets a compiler assume floats are finite, so comparisons
 * like `x != x` may be folded away; integer tests on the bits cannot be.
 */
export const FLOAT_HELPERS = `
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
// Private variables rather than literals: a constant NaN or infinity is a WGSL compile error.
var<private> nan_bits: u32 = 0x7fc00000u;
var<private> inf_bits: u32 = 0x7f800000u;
fn nan() -> f32 { return bitcast<f32>(nan_bits); }
fn inf() -> f32 { return bitcast<f32>(inf_bits); }
`;

/**
 * Tree reductions across the lanes of one workgroup of `groupSize` threads, in workgroup memory:
 * `group_max` (NaN wins, as in the cpu kernels) and `group_sum` each take a lane's partial value
 * and return the workgroup's result to every lane. Every lane must call them together, since they
 * synchronise on the shared array. Needs FLOAT_HELPERS.
 */
export function groupReductions(groupSize: number): string {
  const reduce = (name: string, combine: string) => `
fn ${name}(value: f32, lane: u32) -> f32 {
  group_part[lane] = value;
  workgroupBarrier();
  for (var s = ${groupSize / 2}u; s > 0u; s = s >> 1u) {
    if (lane < s) { group_part[lane] = ${combine}; }
    workgroupBarrier();
  }
  let result = group_part[0];
  workgroupBarrier();
  return result;
}
`;
  return `
var<workgroup> group_part: array<f32, ${groupSize}>;
fn k_max(a: f32, b: f32) -> f32 { return select(max(a, b), nan(), is_nan(a) || is_nan(b)); }
${reduce('group_max', 'k_max(group_part[lane], group_part[lane + s])')}${reduce('group_sum', 'group_part[lane] + group_part[lane + s]')}`;
}

/** One thread per element: `i` is the flat element index, and threads past `sizeExpr` return at once. */
export function elementMain(sizeExpr: string, workgroupSize = 64): string {
  return `@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * ${workgroupSize}u;
  if (i >= ${sizeExpr}) { return; }
`;
}

/**
 * Code that splits the flat index `flat` over a shape held in uniform words `shapeWord ..
 * shapeWord + rank - 1` into coordinates `${prefix}0 ..`, innermost dim fastest (row-major).
 */
export function decodeIndex(flat: string, rank: number, shapeWord: number, prefix = 'c'): string {
  if (rank === 0) return '';
  const lines = [`  var ${prefix}_rest = ${flat};`];
  for (let d = rank - 1; d >= 0; d--) {
    const extent = word(shapeWord + d);
    if (d === 0) lines.push(`  let ${prefix}${d} = ${prefix}_rest;`);
    else lines.push(`  let ${prefix}${d} = ${prefix}_rest % ${extent};`, `  ${prefix}_rest = ${prefix}_rest / ${extent};`);
  }
  return `${lines.join('\n')}\n`;
}

/** `offset + Σ c_d * stride_d`, with the offset in uniform word `offsetWord` and strides after it. */
export function stridedOffset(rank: number, offsetWord: number, prefix = 'c'): string {
  const terms = [word(offsetWord)];
  for (let d = 0; d < rank; d++) terms.push(`${prefix}${d} * ${word(offsetWord + 1 + d)}`);
  return terms.join(' + ');
}

/**
 * The uniform words of a one-thread-per-element program over `shape`: the element count, the
 * shape, then each view's offset and strides in turn, then `extra` words (as uint32 bit patterns).
 */
export function elementWords(shape: readonly number[], views: readonly View[], extra: readonly number[] = []): Uint32Array {
  const rank = shape.length;
  const words = new Uint32Array(1 + rank + views.length * (1 + rank) + extra.length);
  words[0] = shape.reduce((a, b) => a * b, 1);
  words.set(shape, 1);
  views.forEach((view, i) => {
    const at = 1 + rank + i * (1 + rank);
    words[at] = view.offset;
    words.set(view.strides, at + 1);
  });
  extra.forEach((value, i) => (words[1 + rank + views.length * (1 + rank) + i] = value >>> 0));
  return words;
}
