import { Variable } from '@kindling/autograd';
import type { Tensor } from '@kindling/tensor';

/** Options of `new Parameter(...)`. */
export interface ParameterOptions {
  /** Whether the optimizer trains it (default true); a frozen parameter is still saved and loaded. */
  requiresGrad?: boolean;
}

/**
 * A Variable that belongs to a Module (PyTorch's `nn.Parameter`): assigning one to a property of a
 * Module is all it takes for `parameters()`, `stateDict()` and the optimizers to find it. It
 * requires grad unless told otherwise.
 *
 * @example
 * class Scale extends Module {
 *   factor = new Parameter(ones([1]));
 *   forward(x: Variable) { return x.mul(this.factor); }
 * }
 */
export class Parameter extends Variable {
  constructor(data: Tensor, options: ParameterOptions = {}) {
    super(data, { requiresGrad: options.requiresGrad ?? true });
  }

  /** PyTorch's layout: `Parameter containing:` and the values, with `requires_grad=True` unless frozen. */
  override toString(): string {
    return `Parameter containing:\n${super.toString()}`;
  }
}

/** A Variable, or a plain Tensor (a constant), as layers and functions accept them. */
export type Input = Variable | Tensor;

/** `input` as a Variable, wrapping a plain Tensor as a constant that does not require grad. */
export function asVariable(input: Input): Variable {
  return input instanceof Variable ? input : new Variable(input);
}
