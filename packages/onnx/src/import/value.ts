import { Variable } from '@kindling/autograd';
import type { DType, Tensor } from '@kindling/tensor';
import { hostToTensor, kindlingDType, type HostTensor } from '../tensor-proto.js';

/**
 * One value of a running graph: a Variable, and for values fixed before the graph runs (Constant
 * nodes, integer initializers, Shape results and what is computed from them alone) also the exact
 * numbers on the host. Shape-like inputs (Reshape's shape, Slice's starts, ...) are read from
 * those numbers, so they keep int64's range and never wait on a device; the Variable is made on
 * first use.
 */
export class Value {
  #variable: Variable | undefined;
  /** The model's buffer this value reads (running statistics), which an op may update in place. */
  #buffer: Tensor | undefined;

  private constructor(
    variable: Variable | undefined,
    readonly host: HostTensor | undefined,
    private readonly device: string,
    readonly name: string,
  ) {
    this.#variable = variable;
  }

  static of(variable: Variable, name: string): Value {
    return new Value(variable, undefined, variable.device, name);
  }

  static known(host: HostTensor, device: string, name: string): Value {
    return new Value(undefined, host, device, name);
  }

  /** A buffer of the model: read as any value, and updatable in place through `buffer`. */
  static buffer(tensor: Tensor, name: string): Value {
    const value = new Value(new Variable(tensor), undefined, tensor.device, name);
    value.#buffer = tensor;
    return value;
  }

  get buffer(): Tensor | undefined {
    return this.#buffer;
  }

  get variable(): Variable {
    this.#variable ??= new Variable(hostToTensor(this.host as HostTensor, this.device, `the value '${this.name}'`));
    return this.#variable;
  }

  get shape(): readonly number[] {
    return this.host?.shape ?? this.variable.shape;
  }

  get dtype(): DType {
    return this.host ? kindlingDType(this.host.onnxType, `the value '${this.name}'`) : this.variable.dtype;
  }

  /** The exact numbers, from the host copy or read back from a synchronous backend; undefined otherwise. */
  numbers(): readonly number[] | undefined {
    if (this.host) return Array.isArray(this.host.values) ? this.host.values : Array.from(this.host.values);
    const data = this.variable.data;
    if (!data.backend.readSync) return undefined;
    return Array.from(data.dataSync(), Number);
  }
}
