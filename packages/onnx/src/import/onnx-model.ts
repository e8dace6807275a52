import { Variable } from '@kindling/autograd';
import { Module, Parameter, type Input } from '@kindling/nn';
import { formatShape, isTensor, type Tensor } from '@kindling/tensor';
import { hostToTensor, readTensorProto } from '../tensor-proto.js';
import { executeGraph, type GraphPort, type PreparedGraph } from './graph.js';
import { holdsNonFinite } from './initializer-roles.js';
import { Value } from './value.js';

/** A level of dotted initializer names (`fc1` of `fc1.weight`): a module that only holds parameters and buffers. */
class InitializerScope extends Module {
  forward(): never {
    throw new Error('an ONNX initializer scope has no forward; call the OnnxModel that holds it');
  }
}

/** Whether `name` can be a new property of `owner` without hiding one of its methods or fields. */
function usableName(owner: Module, name: string): boolean {
  return name !== '' && !(name in owner);
}

/** Where a buffer lives: its owner module and its name there, read at each run (`to()` replaces the tensor). */
interface BufferSlot {
  readonly owner: Module;
  readonly leaf: string;
}

/**
 * An imported ONNX graph as a Module. The floating-point initializers the graph trains are
 * Parameters, and its other state (BatchNormalization's running statistics, masks) buffers, whose
 * dotted names are the initializers' (`fc1.weight` is the parameter `weight` of the child `fc1`),
 * so `parameters()`, `stateDict()`, safetensors and the optimizers work on it as on any model.
 */
export class OnnxModel extends Module {
  /** The graph's inputs and outputs, in order, by name. */
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly #graph: PreparedGraph;
  readonly #parameters = new Map<string, Parameter>();
  readonly #buffers = new Map<string, BufferSlot>();
  readonly #device: string;

  constructor(graph: PreparedGraph, device: string) {
    super();
    // The Parameters hold the weights from here on; the graph keeps no reference to the file's bytes.
    this.#graph = { ...graph, floating: new Map() };
    this.#device = device;
    this.inputNames = graph.inputs.map((i) => i.name);
    this.outputNames = graph.outputs.map((o) => o.name);
    for (const [name, proto] of graph.floating) {
      const what = `the initializer '${name}'`;
      const host = readTensorProto(proto, what);
      const tensor = hostToTensor(host, device, what);
      if (graph.roles.get(name) === 'parameter' && !holdsNonFinite(host)) {
        const parameter = new Parameter(tensor.keep());
        this.#parameters.set(name, parameter);
        this.attach(name, (owner, leaf) => Object.defineProperty(owner, leaf, { value: parameter, enumerable: true }));
      } else {
        this.attach(name, (owner, leaf) => {
          owner.registerBuffer(leaf, tensor);
          this.#buffers.set(name, { owner, leaf });
        });
      }
    }
  }

  /** Places a parameter or buffer under its dotted name; a name that cannot be a property is flattened with '_'. */
  private attach(name: string, place: (owner: Module, leaf: string) => void): void {
    const path = name.split('.');
    const leaf = path.pop() as string;
    let owner = this as Module;
    const newScopes: { parent: Module; segment: string; scope: InitializerScope }[] = [];
    for (const segment of path) {
      const existing: unknown = Reflect.get(owner, segment);
      if (existing instanceof InitializerScope) owner = existing;
      else if (usableName(owner, segment)) {
        const scope = new InitializerScope();
        newScopes.push({ parent: owner, segment, scope });
        owner = scope;
      } else return this.attachFlat(name, place);
    }
    if (!usableName(owner, leaf)) return this.attachFlat(name, place);
    // The new scopes are linked only now that the whole path is known to fit.
    for (const { parent, segment, scope } of newScopes) Object.defineProperty(parent, segment, { value: scope, enumerable: true });
    place(owner, leaf);
  }

  private attachFlat(name: string, place: (owner: Module, leaf: string) => void): void {
    let flat = `_${name.replace(/\./g, '_')}`;
    while (flat in this) flat = `_${flat}`;
    place(this, flat);
  }

  /** The Parameter holding the initializer `name` (as the .onnx file names it). */
  initializer(name: string): Parameter {
    const parameter = this.#parameters.get(name);
    if (parameter === undefined) {
      const asBuffer = this.#buffers.has(name) ? `'${name}' is a buffer, which the graph does not train; ` : '';
      throw new Error(`OnnxModel.initializer: ${asBuffer}no trained initializer named '${name}' (there are: ${[...this.#parameters.keys()].join(', ')})`);
    }
    return parameter;
  }

  private checkInput(port: GraphPort, value: Input | undefined): Variable {
    if (value === undefined) throw new Error(`OnnxModel: the input '${port.name}' was not given (inputs: ${this.inputNames.join(', ')})`);
    const variable = value instanceof Variable ? value : isTensor(value) ? new Variable(value as Tensor) : undefined;
    if (variable === undefined) throw new TypeError(`OnnxModel: the input '${port.name}' must be a Tensor or a Variable`);
    if (variable.dtype !== port.dtype) throw new TypeError(`OnnxModel: the input '${port.name}' must be ${port.dtype}, got ${variable.dtype}`);
    const dims = port.dims;
    const fits = dims === undefined || (dims.length === variable.ndim && dims.every((d, i) => typeof d !== 'number' || d === variable.shape[i]));
    if (!fits) {
      const declared = (dims ?? []).map((d) => (typeof d === 'number' ? String(d) : (d ?? '?'))).join(', ');
      throw new Error(`OnnxModel: the input '${port.name}' has shape ${formatShape(variable.shape)}, but the graph declares [${declared}]`);
    }
    if (variable.device !== this.#device) throw new Error(`OnnxModel: the input '${port.name}' is on '${variable.device}', the model on '${this.#device}'; move it with t.to('${this.#device}')`);
    return variable;
  }

  /**
   * Runs the graph on inputs given by name; gives every output by name. The result is
   * differentiable with respect to the parameters (and to inputs that require grad).
   *
   * @example
   * const { logits } = model.run({ images });
   */
  run(feeds: Readonly<Record<string, Input>>): Record<string, Variable> {
    const values = new Map<string, Value>();
    for (const [name, parameter] of this.#parameters) values.set(name, Value.of(parameter, name));
    for (const [name, { owner, leaf }] of this.#buffers) values.set(name, Value.buffer(owner.getBuffer(leaf) as Tensor, name));
    for (const [name, host] of this.#graph.constants) values.set(name, Value.known(host, this.#device, name));
    for (const port of this.#graph.inputs) values.set(port.name, Value.of(this.checkInput(port, feeds[port.name]), port.name));
    const unknown = Object.keys(feeds).filter((name) => !this.inputNames.includes(name));
    if (unknown.length > 0) throw new Error(`OnnxModel: no graph input named ${unknown.map((n) => `'${n}'`).join(', ')} (inputs: ${this.inputNames.join(', ')})`);
    const computed = executeGraph(this.#graph, values, this.#device, this.training);
    return Object.fromEntries(this.outputNames.map((name) => [name, (computed.get(name) as Value).variable]));
  }

  /** Runs the graph on the inputs in order; gives its output (a graph with several outputs needs `run`). */
  forward(...inputs: Input[]): Variable {
    if (this.outputNames.length !== 1) throw new Error(`OnnxModel.forward: the graph has ${this.outputNames.length} outputs (${this.outputNames.join(', ')}); call run() to get them by name`);
    if (inputs.length !== this.inputNames.length) throw new Error(`OnnxModel.forward: the graph takes ${this.inputNames.length} inputs (${this.inputNames.join(', ')}), got ${inputs.length}`);
    const feeds = Object.fromEntries(this.inputNames.map((name, i) => [name, inputs[i] as Input]));
    return this.run(feeds)[this.outputNames[0] as string] as Variable;
  }
}
