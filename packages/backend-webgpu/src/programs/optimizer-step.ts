import {
  adagradStepSize,
  type AdadeltaHyperparameters,
  type AdagradHyperparameters,
  type AdamHyperparameters,
  type RmspropHyperparameters,
  type SgdHyperparameters,
  type View,
} from '@kindling/tensor';
import type { Program } from '../program.js';
import { isRowMajor } from './elementwise.js';
import { decodeIndex, elementMain, storageBindings, stridedOffset, uniformBlock, word } from './wgsl.js';

/*
 * The fused optimizer steps: one thread per element reads the gradient and updates the parameter
 * and its state buffers in place, in one pass over memory, following torch.optim's single-tensor
 * loops in PyTorch's association (as the cpu backend's *StepImpl functions do). Step-dependent
 * scalars (bias corrections, decayed rates) and every `1 - beta` are computed on the host in float64
 * and passed as uniforms: in float32 on the GPU, 1 - 0.999 would be off by 1e-5 relative.
 */

function f32Bits(values: readonly number[]): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}

/**
 * The shared skeleton: the gradient bound read-only, `buffers` (the parameter first, then its
 * state) read-write, and the uniform words: the element count, the float32 scalars `scalarNames`
 * (each a WGSL `let` of that name), then the gradient's layout (its offset, and its shape and
 * strides unless it is row-major). The body sees `i`, the gradient element `g0` and the scalars.
 */
abstract class OptimizerStepProgram<Scalar extends string> implements Program {
  readonly key: string;
  readonly inputs = 1;
  readonly outputs: number;
  readonly uniformWords: number;
  private readonly rank: number;

  constructor(
    name: string,
    private readonly buffers: readonly string[],
    private readonly scalarNames: readonly Scalar[],
    grad: View,
  ) {
    this.rank = isRowMajor(grad) ? 0 : grad.shape.length;
    this.outputs = buffers.length;
    this.key = `${name}|${buffers.join(',')}|g${this.rank}`;
    this.uniformWords = 2 + scalarNames.length + 2 * this.rank;
  }

  /** The WGSL statements after the scalars and `g0` are defined, up to the closing brace. */
  protected abstract body(): string;

  code(): string {
    const layoutWord = 1 + this.scalarNames.length;
    const scalars = this.scalarNames.map((name, k) => `  let ${name} = bitcast<f32>(${word(1 + k)});\n`).join('');
    const gradient =
      this.rank === 0
        ? `  let g0 = grad[${word(layoutWord)} + i];\n`
        : `${decodeIndex('i', this.rank, layoutWord)}  let g0 = grad[${stridedOffset(this.rank, layoutWord + this.rank)}];\n`;
    const bindings = storageBindings([['grad', 'f32']], this.buffers.map((name) => [name, 'f32']));
    return `${bindings}${uniformBlock(1 + this.outputs, this.uniformWords)}
${elementMain(word(0))}${scalars}${gradient}${this.body()}}
`;
  }

  /** The uniform words for `size` elements, `grad`'s layout and the scalars by name. */
  protected pack(size: number, grad: View, scalars: Readonly<Record<Scalar, number>>): Uint32Array {
    const words = new Uint32Array(this.uniformWords);
    words[0] = size;
    words.set(f32Bits(this.scalarNames.map((name) => scalars[name])), 1);
    const layoutWord = 1 + this.scalarNames.length;
    if (this.rank === 0) {
      words[layoutWord] = grad.offset;
    } else {
      words.set(grad.shape, layoutWord);
      words[layoutWord + this.rank] = grad.offset;
      words.set(grad.strides, layoutWord + this.rank + 1);
    }
    return words;
  }
}

/** `sign * g0 + weight_decay * p`: the gradient with maximize's sign (an exact negation) and the L2 term. */
const EFFECTIVE_GRADIENT = '  let p = param[i];\n  let g = gradient_sign * g0 + weight_decay * p;\n';

/** One Adam/AdamW step, in place on param, exp_avg, exp_avg_sq (and max_exp_avg_sq with amsgrad). */
export class AdamStepProgram extends OptimizerStepProgram<'step_size' | 'bias2_sqrt' | 'decay' | 'coupled_decay' | 'beta1' | 'beta2' | 'eps' | 'rest1' | 'rest2'> {
  constructor(
    private readonly amsgrad: boolean,
    grad: View,
  ) {
    const buffers = ['param', 'exp_avg', 'exp_avg_sq', ...(amsgrad ? ['max_exp_avg_sq'] : [])];
    super('adam', buffers, ['step_size', 'bias2_sqrt', 'decay', 'coupled_decay', 'beta1', 'beta2', 'eps', 'rest1', 'rest2'], grad);
  }

  protected body(): string {
    return `  let p = param[i] * decay;
  let g = g0 + coupled_decay * p;
  let m = beta1 * exp_avg[i] + rest1 * g;
  let v = beta2 * exp_avg_sq[i] + rest2 * g * g;
  exp_avg[i] = m;
  exp_avg_sq[i] = v;
  ${this.amsgrad ? 'let second = max(max_exp_avg_sq[i], v);\n  max_exp_avg_sq[i] = second;' : 'let second = v;'}
  param[i] = p - (step_size * m) / (sqrt(second) / bias2_sqrt + eps);
`;
  }

  uniforms(size: number, grad: View, { lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, step }: AdamHyperparameters): Uint32Array {
    return this.pack(size, grad, {
      step_size: lr / (1 - beta1 ** step),
      bias2_sqrt: Math.sqrt(1 - beta2 ** step),
      decay: decoupledWeightDecay ? 1 - lr * weightDecay : 1,
      coupled_decay: decoupledWeightDecay ? 0 : weightDecay,
      beta1,
      beta2,
      eps,
      rest1: 1 - beta1,
      rest2: 1 - beta2,
    });
  }
}

/** One SGD step, in place on param (and the momentum buffer): momentum, dampening, Nesterov and weight decay. */
export class SgdStepProgram extends OptimizerStepProgram<'lr' | 'momentum' | 'undamped' | 'weight_decay' | 'nesterov' | 'first_step'> {
  constructor(
    private readonly momentum: boolean,
    grad: View,
  ) {
    super('sgd', momentum ? ['param', 'momentum_buffer'] : ['param'], ['lr', 'momentum', 'undamped', 'weight_decay', 'nesterov', 'first_step'], grad);
  }

  protected body(): string {
    const buffer = this.momentum
      ? `  let buffer = select(momentum * momentum_buffer[i] + undamped * d, d, first_step != 0.0);
  momentum_buffer[i] = buffer;
  d = select(buffer, d + momentum * buffer, nesterov != 0.0);
`
      : '';
    return `  let p = param[i];
  var d = g0 + weight_decay * p;
${buffer}  param[i] = p - lr * d;
`;
  }

  uniforms(size: number, grad: View, hyper: SgdHyperparameters): Uint32Array {
    const { lr, momentum, dampening, weightDecay, nesterov, firstStep } = hyper;
    return this.pack(size, grad, { lr, momentum, undamped: 1 - dampening, weight_decay: weightDecay, nesterov: nesterov ? 1 : 0, first_step: firstStep ? 1 : 0 });
  }
}

/** One Adadelta step, in place on param, square_avg and acc_delta. */
export class AdadeltaStepProgram extends OptimizerStepProgram<'lr' | 'rho' | 'rest' | 'eps' | 'weight_decay' | 'gradient_sign'> {
  constructor(grad: View) {
    super('adadelta', ['param', 'square_avg', 'acc_delta'], ['lr', 'rho', 'rest', 'eps', 'weight_decay', 'gradient_sign'], grad);
  }

  protected body(): string {
    return `${EFFECTIVE_GRADIENT}  let square = square_avg[i] * rho + rest * g * g;
  square_avg[i] = square;
  let acc = acc_delta[i];
  let delta = sqrt(acc + eps) / sqrt(square + eps) * g;
  acc_delta[i] = acc * rho + rest * delta * delta;
  param[i] = p - lr * delta;
`;
  }

  uniforms(size: number, grad: View, { lr, rho, eps, weightDecay, maximize }: AdadeltaHyperparameters): Uint32Array {
    return this.pack(size, grad, { lr, rho, rest: 1 - rho, eps, weight_decay: weightDecay, gradient_sign: maximize ? -1 : 1 });
  }
}

/** One RMSprop step, in place on param and square_avg (and grad_avg when centered, momentum_buffer with momentum). */
export class RmspropStepProgram extends OptimizerStepProgram<'lr' | 'alpha' | 'rest' | 'eps' | 'weight_decay' | 'momentum' | 'gradient_sign'> {
  constructor(
    private readonly centered: boolean,
    private readonly momentum: boolean,
    grad: View,
  ) {
    const buffers = ['param', 'square_avg', ...(centered ? ['grad_avg'] : []), ...(momentum ? ['momentum_buffer'] : [])];
    super('rmsprop', buffers, ['lr', 'alpha', 'rest', 'eps', 'weight_decay', 'momentum', 'gradient_sign'], grad);
  }

  protected body(): string {
    const variance = this.centered
      ? `  let mean = grad_avg[i] * alpha + rest * g;
  grad_avg[i] = mean;
  let avg = sqrt(square - mean * mean) + eps;
`
      : '  let avg = sqrt(square) + eps;\n';
    const update = this.momentum
      ? `  let buffer = momentum_buffer[i] * momentum + g / avg;
  momentum_buffer[i] = buffer;
  param[i] = p - lr * buffer;
`
      : '  param[i] = p - (lr * g) / avg;\n';
    return `${EFFECTIVE_GRADIENT}  let square = square_avg[i] * alpha + rest * g * g;
  square_avg[i] = square;
${variance}${update}`;
  }

  uniforms(size: number, grad: View, { lr, alpha, eps, weightDecay, momentum, maximize }: RmspropHyperparameters): Uint32Array {
    return this.pack(size, grad, { lr, alpha, rest: 1 - alpha, eps, weight_decay: weightDecay, momentum, gradient_sign: maximize ? -1 : 1 });
  }
}

/** One Adagrad step (dense gradient), in place on param and sum; `step_size` is PyTorch's decayed `clr`. */
export class AdagradStepProgram extends OptimizerStepProgram<'step_size' | 'eps' | 'weight_decay' | 'gradient_sign'> {
  constructor(grad: View) {
    super('adagrad', ['param', 'sum'], ['step_size', 'eps', 'weight_decay', 'gradient_sign'], grad);
  }

  protected body(): string {
    return `${EFFECTIVE_GRADIENT}  let total = sum[i] + g * g;
  sum[i] = total;
  param[i] = p - (step_size * g) / (sqrt(total) + eps);
`;
  }

  uniforms(size: number, grad: View, hyper: AdagradHyperparameters): Uint32Array {
    return this.pack(size, grad, { step_size: adagradStepSize(hyper), eps: hyper.eps, weight_decay: hyper.weightDecay, gradient_sign: hyper.maximize ? -1 : 1 });
  }
}
