import type { Variable } from '@kindling/autograd';
import { Module } from '../module.js';
import { asVariable, type Input } from '../parameter.js';

/** A module whose forward takes one input and returns one Variable: what a Sequential chains. */
export type Layer = Module & { forward(input: Variable): Variable };

/**
 * Runs its layers one after another (PyTorch's `nn.Sequential`). The layers are its children,
 * named `0`, `1`, ..., so their parameters are `0.weight`, `0.bias`, `2.weight`, ...
 *
 * @example
 * const model = new Sequential(new Flatten(), new Linear(784, 512), new ReLU(), new Linear(512, 10));
 * const logits = model.forward(images);
 */
export class Sequential extends Module {
  // A #private field is not an own property, so Module's discovery sees only the numbered ones.
  readonly #layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    layers.forEach((layer, i) => {
      if (!(layer instanceof Module)) throw new TypeError(`Sequential: argument ${i} is not a Module`);
      // Numbered properties, so the children get PyTorch's names without an index signature.
      Object.defineProperty(this, String(i), { value: layer, enumerable: true, writable: false, configurable: false });
    });
    this.#layers = layers;
  }

  /** How many layers there are. */
  get length(): number {
    return this.#layers.length;
  }

  /** The layer at `index` (negative counts from the end), as `model[index]` in PyTorch. */
  at(index: number): Layer {
    const layer = this.#layers.at(index);
    if (layer === undefined) throw new RangeError(`Sequential.at: index ${index} is out of range for ${this.#layers.length} layers`);
    return layer;
  }

  [Symbol.iterator](): Iterator<Layer> {
    return this.#layers[Symbol.iterator]();
  }

  forward(input: Input): Variable {
    return this.#layers.reduce((x, layer) => layer.forward(x), asVariable(input));
  }
}
