import type { LossReduction, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { FLOAT_HELPERS, groupReductions, storageBindings, uniformBlock, word } from './wgsl.js';

const GROUP = 64;

/*
 * Softmax cross-entropy for logits [n, c] and int32 targets [n]. Uniform words shared by the
 * programs: n, c, logits offset, row stride, class stride, target offset, target stride,
 * ignoreIndex (an i32's bits), then the gradient's offset and stride (CrossEntropyGradProgram).
 * A target that is neither ignored nor in [0, c) makes its row NaN rather than a wrong number.
 */

/** WGSL shared by the row programs: addressing, and the row's max and Σ exp(x − max) by one 64-thread workgroup. */
const ROW_STATISTICS = `${groupReductions(GROUP)}
fn logit(row: u32, class_index: u32) -> f32 { return logits[${word(2)} + row * ${word(3)} + class_index * ${word(4)}]; }

fn target_of(row: u32) -> i32 { return targets[${word(5)} + row * ${word(6)}]; }

fn ignore_index() -> i32 { return bitcast<i32>(${word(7)}); }

// Every lane of the workgroup must call these together (see groupReductions).
fn row_max(row: u32, lane: u32) -> f32 {
  var peak = -inf();
  for (var j = lane; j < ${word(1)}; j = j + ${GROUP}u) { peak = k_max(peak, logit(row, j)); }
  return group_max(peak, lane);
}

fn row_exp_sum(row: u32, lane: u32, peak: f32) -> f32 {
  var sum = 0.0;
  for (var j = lane; j < ${word(1)}; j = j + ${GROUP}u) { sum = sum + exp(logit(row, j) - peak); }
  return group_sum(sum, lane);
}
`;

const ROW_MAIN = `@compute @workgroup_size(${GROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let row = wid.x + wid.y * groups.x;
  if (row >= ${word(0)}) { return; }
  let label = target_of(row);
  let ignored = label == ignore_index();
  let in_range = label >= 0 && u32(label) < ${word(1)};
  let peak = row_max(row, lid.x);
  let log_sum = log(row_exp_sum(row, lid.x, peak));
`;

/** Pass 1: each row's loss (0 where ignored), one workgroup per row, into a buffer of n. */
export class CrossEntropyRowsProgram implements Program {
  readonly key = 'cross-entropy|rows';
  readonly inputs = 2;
  readonly outputs = 1;
  readonly uniformWords = 8;

  code(): string {
    return `${storageBindings([['logits', 'f32'], ['targets', 'i32']], [['losses', 'f32']])}${uniformBlock(3, this.uniformWords)}${FLOAT_HELPERS}${ROW_STATISTICS}
${ROW_MAIN}  if (lid.x != 0u) { return; }
  if (ignored) { losses[row] = 0.0; return; }
  if (!in_range) { losses[row] = nan(); return; }
  // (max − picked) first: both are large for large logits, and their difference is exact.
  losses[row] = (peak - logit(row, u32(label))) + log_sum;
}
`;
  }
}

/** Pass 2 for 'sum' and 'mean': one workgroup adds the n losses (and, for 'mean', counts the rows not ignored). */
export class CrossEntropyTotalProgram implements Program {
  readonly key: string;
  readonly inputs = 2;
  readonly outputs = 1;
  readonly uniformWords = 8;

  constructor(private readonly reduction: Exclude<LossReduction, 'none'>) {
    this.key = `cross-entropy|${reduction}`;
  }

  code(): string {
    const result = this.reduction === 'mean' ? 'part[0] / f32(kept_part[0])' : 'part[0]';
    return `${storageBindings([['losses', 'f32'], ['targets', 'i32']], [['out0', 'f32']])}${uniformBlock(3, this.uniformWords)}
var<workgroup> part: array<f32, 256>;
var<workgroup> kept_part: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_id) lid: vec3<u32>) {
  var total = 0.0;
  var kept = 0u;
  for (var i = lid.x; i < ${word(0)}; i = i + 256u) {
    total = total + losses[i];
    if (targets[${word(5)} + i * ${word(6)}] != bitcast<i32>(${word(7)})) { kept = kept + 1u; }
  }
  part[lid.x] = total;
  kept_part[lid.x] = kept;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      part[lid.x] = part[lid.x] + part[lid.x + s];
      kept_part[lid.x] = kept_part[lid.x] + kept_part[lid.x + s];
    }
    workgroupBarrier();
  }
  // With every row ignored, 'mean' is 0 / 0 = NaN, as in PyTorch.
  if (lid.x == 0u) { out0[0] = ${result}; }
}
`;
  }
}

/** The gradient, one workgroup per row: g · (softmax − onehot), zero rows where ignored. */
export class CrossEntropyGradProgram implements Program {
  readonly key: string;
  readonly inputs = 3;
  readonly outputs = 1;
  readonly uniformWords = 10;

  constructor(private readonly reduction: LossReduction) {
    this.key = `cross-entropy-grad|${reduction}`;
  }

  code(): string {
    const gradAt = this.reduction === 'none' ? `${word(8)} + row * ${word(9)}` : word(8);
    // 'mean' divides by the rows not ignored; each workgroup counts them itself (n reads, no extra pass).
    const scale =
      this.reduction === 'mean'
        ? `  var kept = 0u;
  for (var i = lid.x; i < ${word(0)}; i = i + ${GROUP}u) { if (target_of(i) != ignore_index()) { kept = kept + 1u; } }
  kept_part[lid.x] = kept;
  workgroupBarrier();
  for (var s = ${GROUP / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { kept_part[lid.x] = kept_part[lid.x] + kept_part[lid.x + s]; }
    workgroupBarrier();
  }
  let g = grad_output[${gradAt}] / f32(kept_part[0]);
`
        : `  let g = grad_output[${gradAt}];
`;
    return `${storageBindings([['logits', 'f32'], ['targets', 'i32'], ['grad_output', 'f32']], [['out0', 'f32']])}${uniformBlock(4, this.uniformWords)}${FLOAT_HELPERS}${ROW_STATISTICS}
var<workgroup> kept_part: array<u32, ${GROUP}>;

${ROW_MAIN}${scale}  let classes = ${word(1)};
  for (var j = lid.x; j < classes; j = j + ${GROUP}u) {
    var value = g * (exp(logit(row, j) - peak - log_sum) - select(0.0, 1.0, i32(j) == label));
    if (ignored) { value = 0.0; } else if (!in_range) { value = nan(); }
    out0[row * classes + j] = value;
  }
}
`;
  }
}

/** The shared uniform words for `logits` [n, c] and `target` [n], plus the gradient's offset and stride when given. */
export function crossEntropyUniforms(program: Program, logits: View, target: View, ignoreIndex: number, gradOutput?: View): Uint32Array {
  const words = new Uint32Array(program.uniformWords);
  words.set([
    logits.shape[0] as number,
    logits.shape[1] as number,
    logits.offset,
    logits.strides[0] as number,
    logits.strides[1] as number,
    target.offset,
    target.strides[0] as number,
  ]);
  new Int32Array(words.buffer)[7] = ignoreIndex;
  if (gradOutput) words.set([gradOutput.offset, gradOutput.strides[0] ?? 0], 8);
  return words;
}
