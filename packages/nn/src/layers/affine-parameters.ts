import { zeros, type DType, type Shape } from '@kindling/tensor';
import { calculateFanInAndFanOut, kaimingUniform, uniform } from '../init.js';
import { Parameter } from '../parameter.js';

/*
 * The weight and bias of the layers that compute a weighted sum (Linear, Conv1d, Conv2d), created
 * and initialised as PyTorch's `reset_parameters` does for all of them.
 */

export interface ParameterFactory {
  /** The backend to create the parameters on (the current one by default). */
  device?: string;
  /** A floating-point dtype for the parameters (default float32). */
  dtype?: DType;
}

/**
 * A weight of `weightShape` and, with `bias`, a bias with one entry per output (`biasLength`: dim 0
 * of the weight, but dim 1 × groups for a transposed convolution), drawn by `resetAffineParameters`.
 */
export function createAffineParameters(
  weightShape: Shape,
  bias: boolean,
  factory: ParameterFactory,
  biasLength = weightShape[0] as number,
): { weight: Parameter; bias: Parameter | null } {
  const options = { dtype: factory.dtype ?? 'float32', device: factory.device };
  // Placeholders of the right shape, dtype and device that resetAffineParameters fills; kept, like
  // every parameter value, so that building a model inside a `tidy` does not free its weights.
  const weight = new Parameter(zeros(weightShape, options).keep());
  const biasParameter = bias ? new Parameter(zeros([biasLength], options).keep()) : null;
  const parameters = biasParameter ? [weight, biasParameter] : [weight];
  const placeholders = parameters.map((p) => p.data);
  resetAffineParameters(weight, biasParameter);
  // Nothing else can hold a replaced placeholder yet, so it is freed now rather than whenever the
  // garbage collector finds it (which, on a GPU, is memory the collector cannot see). An empty
  // layer keeps its placeholder weight.
  parameters.forEach((parameter, i) => {
    if (parameter.data !== placeholders[i]) placeholders[i]?.dispose();
  });
  return { weight, bias: biasParameter };
}

/**
 * Draws fresh initial values, as PyTorch's `reset_parameters` for Linear and convolutions: the
 * weight by Kaiming-uniform with a = √5 (bound 1/√fanIn), then the bias uniform in ±1/√fanIn.
 */
export function resetAffineParameters(weight: Parameter, bias: Parameter | null): void {
  const { fanIn } = calculateFanInAndFanOut(weight.shape);
  // An empty layer has nothing to draw; kaimingUniform would reject its zero fan.
  if (fanIn > 0) kaimingUniform(weight, { a: Math.sqrt(5) });
  if (bias !== null) {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
    uniform(bias, -bound, bound);
  }
}
