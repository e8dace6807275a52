import type { DType, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { RELU_HELPER } from './unary.js';
import { storageBindings, uniformBlock, word, wgslType } from './wgsl.js';

/**
 * How an operand's matrix is laid out: 'n' when its inner dim is contiguous (row-major), 't' when
 * its outer dim is (a transposed view, such as `w.T`), 'g' for anything else. Each layout gets its
 * own tile loader, so transposed operands are read in place and coalesced, never copied.
 */
export type MatrixLayout = 'n' | 't' | 'g';

/** What the fused epilogue adds after the product: nothing, a bias along the columns, or a bias then ReLU. */
export type MatmulEpilogue = 'none' | 'bias' | 'bias-relu';

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
 * through strides (stride 0 broadcasts). With an epilogue the same pass also writes
 * `product + bias` (out1) and `relu(product + bias)` (out2), which is exactly what the separate
 * Binary and Unary kernels would have written.
 *
 * Uniform words: M, K, N, a offset, a row stride, a column stride, b offset, b row stride, b
 * column stride, bias offset, bias stride, then the batch shape, a's batch strides, b's batch strides.
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
    private readonly epilogue: MatmulEpilogue,
  ) {
    this.key = `matmul|${dtype}|b${batchRank}|${layoutA}${layoutB}|${epilogue}`;
    this.inputs = epilogue === 'none' ? 2 : 3;
    this.outputs = epilogue === 'none' ? 1 : epilogue === 'bias' ? 2 : 3;
    this.uniformWords = 11 + 3 * batchRank;
  }

  code(): string {
    const t = wgslType(this.dtype);
    const br = this.batchRank;
    const inputs: [string, string][] = [['a', t], ['b', t]];
    if (this.epilogue !== 'none') inputs.push(['bias', t]);
    const outputs: [string, string][] = [['out0', t]];
    if (this.epilogue !== 'none') outputs.push(['out1', t]);
    if (this.epilogue === 'bias-relu') outputs.push(['out2', t]);
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
    const epilogue =
      this.epilogue === 'none'
        ? ''
        : `        let biased = v + bias[${word(9)} + col * ${word(10)}];\n        out1[o] = biased;\n` +
          (this.epilogue === 'bias-relu' ? '        out2[o] = k_relu(biased);\n' : '');
    return `${storageBindings(inputs, outputs)}${uniformBlock(inputs.length + outputs.length, this.uniformWords)}${RELU_HELPER}
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
  let tiles = (k + ${TILE_K - 1}u) / ${TILE_K}u;
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
    for (var kk = 0u; kk < ${TILE_K}u; kk = kk + 1u) {
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
  let out_base = wid.z * m * n;
  for (var i = 0u; i < 4u; i = i + 1u) {
    for (var j = 0u; j < 4u; j = j + 1u) {
      let row = row0 + lid.y + 16u * i;
      let col = col0 + lid.x + 16u * j;
      if (row < m && col < n) {
        let v = acc[i][j];
        let o = out_base + row * n + col;
        out0[o] = v;
${epilogue}      }
    }
  }
}
`;
  }

  /** Uniform words for `a` [...batch, m, k] times `b` [...batch, k, n], with the bias view when fused. */
  uniforms(a: View, b: View, bias: View | null): Uint32Array {
    const rank = a.shape.length;
    const br = this.batchRank;
    const words = new Uint32Array(this.uniformWords);
    words.set([a.shape[rank - 2] as number, a.shape[rank - 1] as number, b.shape[rank - 1] as number]);
    words.set([a.offset, a.strides[rank - 2] as number, a.strides[rank - 1] as number], 3);
    words.set([b.offset, b.strides[rank - 2] as number, b.strides[rank - 1] as number], 6);
    if (bias) words.set([bias.offset, bias.strides[bias.shape.length - 1] as number], 9);
    for (let d = 0; d < br; d++) {
      words[11 + d] = a.shape[d] as number;
      words[11 + br + d] = a.strides[d] as number;
      words[11 + 2 * br + d] = b.strides[d] as number;
    }
    return words;
  }

  /** Workgroups: one per 64×64 output tile, per batch. */
  static grid(m: number, n: number, batches: number): [number, number, number] {
    return [Math.ceil(n / TILE), Math.ceil(m / TILE), batches];
  }
}
