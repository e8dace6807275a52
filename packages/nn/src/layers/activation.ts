import type { Variable } from '@kindling/autograd';
import { relu, sigmoid, tanh } from '../functional.js';
import { Module } from '../module.js';
import type { Input } from '../parameter.js';

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
