import type { Variable } from '@kindling/autograd';
import { elu, gelu, leakyRelu, silu, type GeluOptions } from '../activations.js';
import { logSoftmax, relu, sigmoid, softmax, tanh } from '../functional.js';
import { Module } from '../module.js';
import { asVariable, type Input } from '../parameter.js';

/** max(x, 0) as a layer (PyTorch's `nn.ReLU`), for use in a Sequential. */
export class ReLU extends Module {
  forward(input: Input): Variable {
    return relu(input);
  }
}

/** The logistic function as a layer (PyTorch's `nn.Sigmoid`). */
export class Sigmoid extends Module {
  forward(input: Input): Variable {
    return sigmoid(input);
  }
}

/** tanh as a layer (PyTorch's `nn.Tanh`). */
export class Tanh extends Module {
  forward(input: Input): Variable {
    return tanh(input);
  }
}

/** The Gaussian error linear unit as a layer (PyTorch's `nn.GELU`): `new GELU({ approximate: 'tanh' })` or `new GELU('tanh')`; see `F.gelu`. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';

  constructor(approximate: 'none' | 'tanh' | GeluOptions = 'none') {
    super();
    this.approximate = typeof approximate === 'object' ? (approximate.approximate ?? 'none') : approximate;
    if (this.approximate !== 'none' && this.approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got '${String(this.approximate)}'`);
  }

  forward(input: Input): Variable {
    return gelu(input, { approximate: this.approximate });
  }

  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** x for x > 0, negativeSlope·x otherwise (PyTorch's `nn.LeakyReLU`, default slope 0.01). */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(input: Input): Variable {
    return leakyRelu(input, this.negativeSlope);
  }

  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x for x > 0, alpha·(eˣ − 1) otherwise (PyTorch's `nn.ELU`, default alpha 1). */
export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(input: Input): Variable {
    return elu(input, this.alpha);
  }

  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x·sigmoid(x) as a layer (PyTorch's `nn.SiLU`). */
export class SiLU extends Module {
  forward(input: Input): Variable {
    return silu(input);
  }
}

/** What Softmax and LogSoftmax share: the dim and its printout. */
abstract class AlongDim extends Module {
  constructor(readonly dim: number) {
    super();
  }

  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Softmax along `dim` as a layer (PyTorch's `nn.Softmax`). */
export class Softmax extends AlongDim {
  forward(input: Input): Variable {
    return softmax(input, this.dim);
  }
}

/** logSoftmax along `dim` as a layer (PyTorch's `nn.LogSoftmax`). */
export class LogSoftmax extends AlongDim {
  forward(input: Input): Variable {
    return logSoftmax(input, this.dim);
  }
}

/** Returns its input unchanged (PyTorch's `nn.Identity`): a placeholder where a layer is optional. */
export class Identity extends Module {
  forward(input: Input): Variable {
    return asVariable(input);
  }
}
