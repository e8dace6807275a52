import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import type { FusedChain } from './fused-elementwise.js';
import { storageBindings, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * How an operand's matrix is laid out: 'n' when its inner dim is contiguous (row-major), 't' when
 * its outer dim is (a transposed view, such as `w.T`), 'g' for anything else. Each layout gets its
 * own tile loader, so transposed operands are read in place and coalesced, never copied.
 */
export type MatrixLayout = 'n' | 't' | 'g';

export function matrixLayout(view: View): MatrixLayout {
  const rank = view.shape.length;
  if (view.strides[rank - 1] === 1 || view.shape[rank - 1] === 1) return 'n';
  if (view.strides[rank - 2] === 1 || view.shape[rank - 2] === 1) return 't';
  return 'g';
}

const TILE = 64;
const TILE_K = 16;

/**
 * Batched, tiled matrix product: each 16×16 workgroup computes a 64×64 tile of the output, each
 * thread a 4×4 block, staging 64×16 slices of `a` and `b` in workgroup memory. Batch dims are read
 * through strides (stride 0 broadcasts). An epilogue is an elementwise chain (fused-elementwise.ts)
 * run on each element of the product as it is stored: a bias add, an activation, a residual add,
 * each writing what its own kernel would have written. The product itself is written only where
 * someone still holds it. With `rowSums` the workgroups of the first column of tiles also sum the
 * rows of `a` as they stage them (a layer's bias gradient, `g` summed over the batch, beside its
 * weight's `gᵀ·x`), into an output after the product.
 *
 * Uniform words: M, K, N, a offset, a row stride, a column stride, b offset, b row stride, b
 * column stride, two unused, then the batch shape, a's batch strides, b's batch strides, then the
 * epilogue's words.
 */
export class MatmulProgram implements Program {
  readonly key: string;
  readonly inputs: number;
  readonly outputs: number;
  readonly uniformWords: number;

  constructor(
    private readonly dtype: DType,
    private readonly batchRank: number,
    private readonly layoutA: MatrixLayout,
    private readonly layoutB: MatrixLayout,
    private readonly epilogue: FusedChain | null = null,
    private readonly writesProduct = true,
    private readonly rowSums = false,
  ) {
    if (rowSums && batchRank > 0) throw new Error('internal: webgpu sums the rows of a matmul operand only without batch dims');
    this.key = `matmul|${dtype}|b${batchRank}|${layoutA}${layoutB}|${writesProduct ? 'w' : ''}${rowSums ? 's' : ''}|${epilogue?.key ?? ''}`;
    this.inputs = 2 + (epilogue?.inputs.length ?? 0);
    this.outputs = (writesProduct ? 1 : 0) + (rowSums ? 1 : 0) + (epilogue?.outputs.length ?? 0);
    this.uniformWords = 11 + 3 * batchRank + (epilogue?.words ?? 0);
  }

  code(): string {
    const t = wgslType(this.dtype);
    const br = this.batchRank;
    const inputs: [string, string][] = [['a', t], ['b', t], ...(this.epilogue?.inputs ?? [])];
    const outputs: [string, string][] = [
      ...(this.writesProduct ? [['out0', t] as [string, string]] : []),
      ...(this.rowSums ? [['row_sums', t] as [string, string]] : []),
      ...(this.epilogue?.outputs ?? []),
    ];
    // Thread `flat` of a first-column workgroup sums row `row0 + flat` of `a`, tile by tile.
    const firstColumn = 'wid.x == 0u && flat < 64u';
    const rowSum = this.rowSums ? `  var row_sum = ${t}(0);\n` : '';
    const addRows = this.rowSums ? `    if (${firstColumn}) {\n      for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) { row_sum = row_sum + tile_a[kk * ${TILE}u + flat]; }\n    }\n` : '';
    const storeRows = this.rowSums ? `  if (${firstColumn} && row0 + flat < m) { row_sums[row0 + flat] = row_sum; }\n` : '';
    const batch: string[] = [];
    for (let d = br - 1; d >= 0; d--) {
      batch.push(`  let bc${d} = rest % ${word(11 + d)};`, `  rest = rest / ${word(11 + d)};`);
      batch.push(`  a_base = a_base + bc${d} * ${word(11 + br + d)};`, `  b_base = b_base + bc${d} * ${word(11 + 2 * br + d)};`);
    }
    // Consecutive threads walk the operand's contiguous dim, so their loads coalesce.
    const aIndex = this.layoutA === 't' ? ['e % 64u', 'e / 64u'] : ['e / 16u', 'e % 16u'];
    const bIndex = this.layoutB === 't' ? ['e % 16u', 'e / 16u'] : ['e / 64u', 'e % 64u'];
    const aRow = this.layoutA === 't' ? '1u' : word(4);
    const aCol = this.layoutA === 'n' ? '1u' : word(5);
    const bRow = this.layoutB === 't' ? '1u' : word(7);
    const bCol = this.layoutB === 'n' ? '1u' : word(8);
    const store = `${this.writesProduct ? '        out0[o] = v;\n' : ''}${this.epilogue ? '        chain_at(o, v);\n' : ''}`;
    return `${storageBindings(inputs, outputs)}${uniformBlock(inputs.length + outputs.length, this.uniformWords)}${this.epilogue?.code(11 + 3 * br) ?? ''}
var<workgroup> tile_a: array<${t}, ${TILE * TILE_K}>;
var<workgroup> tile_b: array<${t}, ${TILE * TILE_K}>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let m = ${word(0)};
  let k = ${word(1)};
  let n = ${word(2)};
  var a_base = ${word(3)};
  var b_base = ${word(6)};
  var rest = wid.z;
${batch.join('\n')}
  let row0 = wid.y * ${TILE}u;
  let col0 = wid.x * ${TILE}u;
  let flat = lid.y * 16u + lid.x;
  var acc: array<array<${t}, 4>, 4>;
${rowSum}  let tiles = (k + ${TILE_K - 1}u) / ${TILE_K}u;
  for (var tk = 0u; tk < tiles; tk = tk + 1u) {
    for (var l = 0u; l < 4u; l = l + 1u) {
      let e = flat + l * 256u;
      let am = ${aIndex[0]};
      let ak = ${aIndex[1]};
      let gm = row0 + am;
      let gka = tk * ${TILE_K}u + ak;
      var av = ${t}(0);
      if (gm < m && gka < k) { av = a[a_base + gm * ${aRow} + gka * ${aCol}]; }
      tile_a[ak * ${TILE}u + am] = av;
      let bk = ${bIndex[0]};
      let bn = ${bIndex[1]};
      let gkb = tk * ${TILE_K}u + bk;
      let gn = col0 + bn;
      var bv = ${t}(0);
      if (gkb < k && gn < n) { bv = b[b_base + gkb * ${bRow} + gn * ${bCol}]; }
      tile_b[bk * ${TILE}u + bn] = bv;
    }
    workgroupBarrier();
${addRows}    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
      var ar: array<${t}, 4>;
      var bc: array<${t}, 4>;
      for (var q = 0u; q < 4u; q = q + 1u) {
        ar[q] = tile_a[kk * ${TILE}u + lid.y + 16u * q];
        bc[q] = tile_b[kk * ${TILE}u + lid.x + 16u * q];
      }
      for (var i = 0u; i < 4u; i = i + 1u) {
        for (var j = 0u; j < 4u; j = j + 1u) { acc[i][j] = acc[i][j] + ar[i] * bc[j]; }
      }
    }
    workgroupBarrier();
  }
${storeRows}  let out_base = wid.z * m * n;
  for (var i = 0u; i < 4u; i = i + 1u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      let row = row0 + lid.y + 16u * i;
      let col = col0 + lid.x + 16u * j;
      if (row < m && col < n) {
        let v = acc[i][j];
        let o = out_base + row * n + col;
${store}      }
    }
  }
}
`;
  }

  /** Uniform words for `a` [...batch, m, k] times `b` [...batch, k, n], then the epilogue's words. */
  uniforms(a: View, b: View, epilogueWords: readonly number[] = []): Uint32Array {
    const rank = a.shape.length;
    const br = this.batchRank;
    const words = new Uint32Array(this.uniformWords);
    words.set([a.shape[rank - 2] as number, a.shape[rank - 1] as number, b.shape[rank - 1] as number]);
    words.set([a.offset, a.strides[rank - 2] as number, a.strides[rank - 1] as number], 3);
    words.set([b.offset, b.strides[rank - 2] as number, b.strides[rank - 1] as number], 6);
    for (let d = 0; d < br; d++) {
      words[11 + d] = a.shape[d] as number;
      words[11 + br + d] = a.strides[d] as number;
      words[11 + 2 * br + d] = b.strides[d] as number;
    }
    words.set(epilogueWords, 11 + 3 * br);
    return words;
  }

  /** Workgroups: one per 64×64 output tile, per batch. */
  static grid(m: number, n: number, batches: number): [number, number, number] {
    return [Math.ceil(n / TILE), Math.ceil(m / TILE), batches];
  }
}
