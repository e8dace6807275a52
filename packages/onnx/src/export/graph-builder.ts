import { Variable } from '@kindling/autograd';
import { isTensor, type DType, type Tensor } from '@kindling/tensor';
import { ATTRIBUTE_TYPE, type AttributeProto, type NodeProto, type TensorProto } from '../proto/proto.js';
import { onnxDType, tensorProto } from '../tensor-proto.js';

/** A node attribute, typed as ONNX stores it. */
export type Attribute = { int: number } | { float: number } | { ints: readonly number[] } | { floats: readonly number[] } | { string: string } | { strings: readonly string[] } | { tensor: TensorProto };

function attributeProto(name: string, value: Attribute): AttributeProto {
  if ('int' in value) return { name, type: ATTRIBUTE_TYPE.INT, i: value.int };
  if ('float' in value) return { name, type: ATTRIBUTE_TYPE.FLOAT, f: value.float };
  if ('ints' in value) return { name, type: ATTRIBUTE_TYPE.INTS, ints: [...value.ints] };
  if ('floats' in value) return { name, type: ATTRIBUTE_TYPE.FLOATS, floats: [...value.floats] };
  if ('string' in value) return { name, type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode(value.string) };
  if ('strings' in value) return { name, type: ATTRIBUTE_TYPE.STRINGS, strings: value.strings.map((s) => new TextEncoder().encode(s)) };
  return { name, type: ATTRIBUTE_TYPE.TENSOR, t: value.tensor };
}

/**
 * The graph being written: nodes, initializers, and the name of each Kindling tensor already in it
 * (a graph input, a parameter, a node's output). A tensor met for the first time that is none of
 * these is a constant of the model and becomes an initializer.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly #names = new Map<Tensor, string>();
  readonly #dtypes = new Map<string, DType>();
  /** Parameters and buffers by their tensors: written as initializers under their dotted names when first used. */
  readonly #stateNames: ReadonlyMap<Tensor, string>;
  readonly #counts = new Map<string, number>();

  constructor(
    readonly opset: number,
    stateNames: ReadonlyMap<Tensor, string>,
  ) {
    this.#stateNames = stateNames;
  }

  /** A name not used yet, `base` or `base_2`, `base_3`, ... */
  unique(base: string): string {
    const count = (this.#counts.get(base) ?? 0) + 1;
    this.#counts.set(base, count);
    return count === 1 ? base : `${base}_${count}`;
  }

  bind(tensor: Tensor, name: string): void {
    this.#names.set(tensor, name);
    this.#dtypes.set(name, tensor.dtype);
  }

  dtypeOf(name: string): DType {
    const dtype = this.#dtypes.get(name);
    if (dtype === undefined) throw new Error(`internal: no dtype recorded for the value '${name}'`);
    return dtype;
  }

  /** The graph name of `value` (a Variable or Tensor), adding it as an initializer when it is a parameter or a constant. */
  nameOf(value: Variable | Tensor, scope: string): string {
    const tensor = value instanceof Variable ? value.data : value;
    const known = this.#names.get(tensor);
    if (known !== undefined) return known;
    const name = this.#stateNames.get(tensor) ?? this.unique(`${scope}/Constant`);
    if (!tensor.backend.readSync) {
      throw new Error(`exportOnnx: the tensor '${name}' is on the asynchronous backend '${tensor.device}'; move the model and its inputs to 'cpu' (model.to('cpu')) before exporting`);
    }
    this.initializers.push(tensorProto(name, tensor.dataSync(), tensor.shape, tensor.dtype));
    this.bind(tensor, name);
    return name;
  }

  /** A constant initializer holding `values`: int64 for shapes and axes, or of Kindling `dtype`. */
  constant(values: readonly number[], shape: readonly number[], dtype: DType | 'int64', scope: string): string {
    const name = this.unique(`${scope}/Constant`);
    const asInt64 = dtype === 'int64';
    const kindling: DType = asInt64 ? 'int32' : dtype;
    const typed = kindling === 'float32' ? Float32Array.from(values) : kindling === 'float64' ? Float64Array.from(values) : kindling === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
    this.initializers.push(tensorProto(name, typed, shape, kindling, asInt64));
    this.#dtypes.set(name, kindling);
    return name;
  }

  /** Adds a node of `opType` under `scope`; returns its output names, each recorded with `dtype`. */
  node(opType: string, inputs: readonly string[], attributes: Readonly<Record<string, Attribute>>, scope: string, dtype: DType, outputs = 1): string[] {
    const name = this.unique(`${scope}/${opType}`);
    const outputNames = Array.from({ length: outputs }, (_, i) => `${name}_output_${i}`);
    for (const output of outputNames) this.#dtypes.set(output, dtype);
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: outputNames,
      attribute: Object.entries(attributes).map(([key, value]) => attributeProto(key, value)),
    });
    return outputNames;
  }

  /** Renames the output `from` of the last node added to `to` (a graph output's own name). */
  rename(from: string, to: string): void {
    const node = this.nodes.at(-1);
    if (node?.output?.[0] !== from) throw new Error(`internal: '${from}' is not the last node's output`);
    node.output = [to];
    this.#dtypes.set(to, this.dtypeOf(from));
  }

  /** `name` converted to `dtype` by a Cast node, or `name` itself when it already has that dtype. */
  cast(name: string, dtype: DType, scope: string): string {
    if (name === '' || this.dtypeOf(name) === dtype) return name;
    return this.node('Cast', [name], { to: { int: onnxDType(dtype) } }, scope, dtype)[0] as string;
  }
}

export function isTensorLike(value: unknown): value is Variable | Tensor {
  return value instanceof Variable || isTensor(value);
}
