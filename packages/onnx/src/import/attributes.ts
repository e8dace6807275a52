import { OnnxUnsupportedError } from '../errors.js';
import { ATTRIBUTE_TYPE, type AttributeProto, type TensorProto } from '../proto/proto.js';

const TEXT = new TextDecoder();

/** A node's attributes by name, read with the type each op expects and a default where ONNX has one. */
export class Attributes {
  readonly #byName: ReadonlyMap<string, AttributeProto>;

  constructor(
    attributes: readonly AttributeProto[],
    private readonly where: string,
  ) {
    this.#byName = new Map(attributes.map((a) => [a.name ?? '', a]));
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  private get(name: string, type: number, typeName: string): AttributeProto | undefined {
    const attribute = this.#byName.get(name);
    if (attribute === undefined) return undefined;
    if (attribute.refAttrName) throw new OnnxUnsupportedError('function attributes', `${this.where}: attribute '${name}' refers to a function's attribute, which importOnnx does not resolve`);
    if (attribute.type !== undefined && attribute.type !== type) {
      // Old files (opset 1's Cast) give a string where later ones give an int; the op reads it as what it is.
      throw new Error(`${this.where}: attribute '${name}' should be ${typeName}, but the file stores type ${attribute.type}`);
    }
    return attribute;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    return this.get(name, ATTRIBUTE_TYPE.INT, 'an int')?.i ?? (this.#byName.has(name) ? 0 : fallback);
  }

  float(name: string, fallback: number): number {
    const attribute = this.get(name, ATTRIBUTE_TYPE.FLOAT, 'a float');
    return attribute === undefined ? fallback : (attribute.f ?? 0);
  }

  string(name: string, fallback: string): string {
    const attribute = this.get(name, ATTRIBUTE_TYPE.STRING, 'a string');
    return attribute?.s === undefined ? fallback : TEXT.decode(attribute.s);
  }

  ints(name: string): number[] | undefined {
    return this.get(name, ATTRIBUTE_TYPE.INTS, 'a list of ints')?.ints;
  }

  strings(name: string): string[] | undefined {
    return this.get(name, ATTRIBUTE_TYPE.STRINGS, 'a list of strings')?.strings?.map((bytes) => TEXT.decode(bytes));
  }

  floats(name: string): number[] | undefined {
    return this.get(name, ATTRIBUTE_TYPE.FLOATS, 'a list of floats')?.floats;
  }

  tensor(name: string): TensorProto | undefined {
    return this.get(name, ATTRIBUTE_TYPE.TENSOR, 'a tensor')?.t;
  }

  /** The attribute's stored type code, for attributes whose type changed between opsets. */
  typeOf(name: string): number | undefined {
    return this.#byName.get(name)?.type;
  }
}
