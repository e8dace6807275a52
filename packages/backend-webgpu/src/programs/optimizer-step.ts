import type { AdamHyperparameters, SgdHyperparameters, View } from '@kindling/tensor';
import type { Program } from '../program.js';
import { isRowMajor } from './elementwise.js';
import { decodeIndex, elementMain, storageBindings, stridedOffset, uniformBlock, word } from './wgsl.js';

/** Reads the gradient at `g`, through its strides unless it is row-major. */
function gradRead(rank: number, firstWord: number): string {
  if (rank === 0) return `  let g0 = grad[${word(firstWord)} + i];\n`;
  return `${decodeIndex('i', rank, firstWord)}  let g0 = grad[${stridedOffset(rank, firstWord + rank)}];\n`;
}

function gradWords(grad: View, rank: number, into: Uint32Array, firstWord: number): void {
  if (rank === 0) {
    into[firstWord] = grad.offset;
    return;
  }
  into.set(grad.shape, firstWord);
  into[firstWord + rank] = grad.offset;
  into.set(grad.strides, firstWord + rank + 1);
}

function f32Bits(values: readonly number[]): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}

/**
 * One fused Adam/AdamW step, in place on param, exp_avg, exp_avg_sq (and max_exp_avg_sq with
 * amsgrad): torch.optim.Adam's single-tensor update in one pass over memory. The step-dependent
 * scalars (bias corrections, decay) are computed on the host in float64 and passed as uniforms.
 * Uniform words: size, step size, sqrt(bias correction 2), decay, coupled decay, beta1, beta2,
 * eps, (unused), 1 - beta1, 1 - beta2, then the gradient's layout.
 */
export class AdamStepProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs: number;
  readonly uniformWords: number;
  private readonly rank: number;

  constructor(
    private readonly amsgrad: boolean,
    grad: View,
  ) {
    this.rank = isRowMajor(grad) ? 0 : grad.shape.length;
    this.outputs = amsgrad ? 4 : 3;
    this.key = `adam|${amsgrad ? 'amsgrad' : 'plain'}|g${this.rank}`;
    this.uniformWords = 12 + 2 * this.rank;
  }

  code(): string {
    const outputs: [string, string][] = [['param', 'f32'], ['exp_avg', 'f32'], ['exp_avg_sq', 'f32']];
    if (this.amsgrad) outputs.push(['max_exp_avg_sq', 'f32']);
    const f = (k: number): string => `bitcast<f32>(${word(k)})`;
    return `${storageBindings([['grad', 'f32']], outputs)}${uniformBlock(1 + outputs.length, this.uniformWords)}
${elementMain(word(0))}${gradRead(this.rank, 11)}  let p = param[i] * ${f(3)};
  let g = g0 + ${f(4)} * p;
  let m = ${f(5)} * exp_avg[i] + ${f(9)} * g;
  let v = ${f(6)} * exp_avg_sq[i] + ${f(10)} * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  ${this.amsgrad ? 'let second = max(max_exp_avg_sq[i], v);\n  max_exp_avg_sq[i] = second;' : 'let second = v;'}
  param[i] = p - (${f(1)} * m) / (sqrt(second) / ${f(2)} + ${f(7)});
}
`;
  }

  uniforms(size: number, grad: View, hyper: AdamHyperparameters): Uint32Array {
    const { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step } = hyper;
    const words = new Uint32Array(this.uniformWords);
    words[0] = size;
    const stepSize = lr / (1 - beta1 ** step);
    const bias2Sqrt = Math.sqrt(1 - beta2 ** step);
    const decay = decoupledWeightDecay ? 1 - lr * weightDecay : 1;
    // 1 - beta is taken in float64 here: in float32 on the GPU, 1 - 0.999 would be off by 1e-5 relative.
    words.set(f32Bits([stepSize, bias2Sqrt, decay, decoupledWeightDecay ? 0 : weightDecay, beta1, beta2, eps, 0, 1 - beta1, 1 - beta2]), 1);
    gradWords(grad, this.rank, words, 11);
    return words;
  }
}

/**
 * One fused SGD step, in place on param (and the momentum buffer): momentum, dampening, Nesterov
 * and weight decay as torch.optim.SGD. Uniform words: size, lr, momentum, 1 - dampening, weight decay,
 * nesterov, first step, then the gradient's layout.
 */
export class SgdStepProgram implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs: number;
  readonly uniformWords: number;
  private readonly rank: number;

  constructor(
    private readonly momentum: boolean,
    grad: View,
  ) {
    this.rank = isRowMajor(grad) ? 0 : grad.shape.length;
    this.outputs = momentum ? 2 : 1;
    this.key = `sgd|${momentum ? 'momentum' : 'plain'}|g${this.rank}`;
    this.uniformWords = 8 + 2 * this.rank;
  }

  code(): string {
    const outputs: [string, string][] = [['param', 'f32']];
    if (this.momentum) outputs.push(['momentum_buffer', 'f32']);
    const f = (k: number): string => `bitcast<f32>(${word(k)})`;
    const momentum = this.momentum
      ? `  let buffer = select(${f(2)} * momentum_buffer[i] + ${f(3)} * d, d, ${word(6)} == 1u);
  momentum_buffer[i] = buffer;
  d = select(buffer, d + ${f(2)} * buffer, ${word(5)} == 1u);
`
      : '';
    return `${storageBindings([['grad', 'f32']], outputs)}${uniformBlock(1 + outputs.length, this.uniformWords)}
${elementMain(word(0))}${gradRead(this.rank, 7)}  let p = param[i];
  var d = g0 + ${f(4)} * p;
${momentum}  param[i] = p - ${f(1)} * d;
}
`;
  }

  uniforms(size: number, grad: View, hyper: SgdHyperparameters): Uint32Array {
    const words = new Uint32Array(this.uniformWords);
    words[0] = size;
    words.set(f32Bits([hyper.lr, hyper.momentum, 1 - hyper.dampening, hyper.weightDecay]), 1);
    words[5] = hyper.nesterov ? 1 : 0;
    words[6] = hyper.firstStep ? 1 : 0;
    gradWords(grad, this.rank, words, 7);
    return words;
  }
}
