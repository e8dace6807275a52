import { isTracing } from '@kindling/autograd';
import { describeValue, DTYPES, formatShape, guardReplay, isCapturing, isFloatingDType, INSPECT, isTensor, scoped, type Tensor } from '@kindling/tensor';
import { Parameter } from './parameter.js';

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require the keys to match the module's exactly (default true); shapes must always match. */
  strict?: boolean;
}

/** What `loadStateDict` did not match (only non-empty when `strict` is false). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Member = ['parameter', Parameter] | ['module', Module];

/** Options of `registerBuffer`. */
export interface RegisterBufferOptions {
  /** Whether `stateDict()` includes it (default true); a non-persistent buffer is neither saved nor loaded. */
  persistent?: boolean;
}

interface Buffer {
  tensor: Tensor | null;
  persistent: boolean;
}

/** One value of the state dict: a parameter's data or a buffer, which loading writes in place. */
interface StateEntry {
  name: string;
  value: Tensor;
}

function memberOf(value: unknown): Member | undefined {
  return value instanceof Parameter ? ['parameter', value] : value instanceof Module ? ['module', value] : undefined;
}

/** Indents every line but the first, as PyTorch's `_addindent`. */
function indentFollowingLines(text: string, spaces: number): string {
  const [first = '', ...rest] = text.split('\n');
  return [first, ...rest.map((line) => ' '.repeat(spaces) + line)].join('\n');
}

/**
 * The base class of every layer and model (PyTorch's `nn.Module`). Parameters and submodules are
 * found among the instance's own properties, in the order they were defined, so a model is just a
 * class with fields and a `forward` method:
 *
 * @example
 * class Net extends Module {
 *   inToHl1 = new Linear(784, 512);
 *   hl1ToHl2 = new Linear(512, 512);
 *   hl2ToOut = new Linear(512, 10);
 *   forward(x: Input): Variable {
 *     return this.hl2ToOut.forward(F.relu(this.hl1ToHl2.forward(F.relu(this.inToHl1.forward(x)))));
 *   }
 * }
 * const net = new Net();
 * net.namedParameters().map(([name]) => name); // ['inToHl1.weight', 'inToHl1.bias', ...]
 */
export abstract class Module {
  /** True in training mode (the default); `eval()` clears it, which changes what Dropout does. */
  training = true;

  constructor() {
    scopeForwards(new.target.prototype as object);
  }

  /** The computation; each subclass declares its own inputs (`net.forward(x)`). */
  abstract forward(...inputs: never[]): unknown;

  /** The buffers by name, in registration order; a #private field is not an own property, so discovery never sees it. */
  readonly #buffers = new Map<string, Buffer>();

  /**
   * The Parameters and Modules among this instance's own properties, in definition order. The
   * property bag is read each time (not registered in a constructor), because subclass fields are
   * only assigned after the base constructor has run; the names are checked as PyTorch checks them.
   * An array of them is read as PyTorch reads a ModuleList or ParameterList: `layers.0`, `layers.1`.
   */
  private members(): [string, Member][] {
    const found: [string, Member][] = [];
    for (const [name, value] of Object.entries(this as object) as [string, unknown][]) {
      const member = memberOf(value);
      if (member !== undefined) {
        this.checkMemberName(name, member[0]);
        found.push([name, member]);
      } else if (Array.isArray(value) && value.some((item) => memberOf(item) !== undefined)) {
        this.checkMemberName(name, 'list');
        (value as unknown[]).forEach((item, i) => {
          const element = memberOf(item);
          if (element === undefined) {
            throw new Error(
              `${this.constructor.name}: property '${name}' holds Modules or Parameters and, at index ${i}, ${describeValue(item)}; ` +
                'keep the layers in an array of their own (or a ModuleList) and other values elsewhere',
            );
          }
          found.push([`${name}.${i}`, element]);
        });
      }
    }
    return found;
  }

  /** PyTorch's checks of an attribute name: non-empty, no '.', and not hiding a method. */
  private checkMemberName(name: string, kind: string): void {
    const prototype: unknown = Object.getPrototypeOf(this);
    if (name === '') throw new Error(`${this.constructor.name}: a ${kind} cannot have an empty name`);
    if (name.includes('.')) {
      throw new Error(`${this.constructor.name}: the ${kind} name '${name}' contains '.', which separates the levels of dotted names such as 'layer.weight'`);
    }
    if (typeof prototype === 'object' && prototype !== null && name in prototype) {
      throw new Error(`${this.constructor.name}: the ${kind} '${name}' shadows the method or accessor '${name}' of ${this.constructor.name}; rename the property`);
    }
  }

  /** This module's own parameters (not its children's), by name. */
  private ownParameters(): [string, Parameter][] {
    return this.members().flatMap(([name, [kind, value]]) => (kind === 'parameter' ? [[name, value] as [string, Parameter]] : []));
  }

  /** The direct submodules with their property names. */
  namedChildren(): [string, Module][] {
    return this.members().flatMap(([name, [kind, value]]) => (kind === 'module' ? [[name, value] as [string, Module]] : []));
  }

  /** The direct submodules, in definition order. */
  children(): Module[] {
    return this.namedChildren().map(([, child]) => child);
  }

  /** This module and every module below it, depth first, each once: `''` names this module. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const visit = (module: Module, path: string): void => {
      if (seen.has(module)) return;
      seen.add(module);
      out.push([path, module]);
      for (const [name, child] of module.namedChildren()) visit(child, path === '' ? name : `${path}.${name}`);
    };
    visit(this, prefix);
    return out;
  }

  /** This module and every module below it, depth first, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, module]) => module);
  }

  /**
   * Every parameter with its dotted name (`inToHl1.weight`), in definition order. A parameter shared
   * by two modules is listed once, under its first name, so an optimizer never updates it twice.
   */
  namedParameters(prefix = '', recurse = true): [string, Parameter][] {
    const owners: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Parameter>();
    const out: [string, Parameter][] = [];
    for (const [path, module] of owners) {
      for (const [name, parameter] of module.ownParameters()) {
        if (seen.has(parameter)) continue;
        seen.add(parameter);
        out.push([path === '' ? name : `${path}.${name}`, parameter]);
      }
    }
    return out;
  }

  /** Every parameter, in definition order: what an optimizer is given. */
  parameters(recurse = true): Parameter[] {
    return this.namedParameters('', recurse).map(([, parameter]) => parameter);
  }

  /**
   * Adds a tensor that is part of the module's state but not trained (PyTorch's `register_buffer`),
   * such as BatchNorm's `running_mean`: it moves with `to()`, and, when `persistent` (the default),
   * `stateDict()` holds it and `loadStateDict` restores it. Registering a name again replaces the
   * value; `null` reserves the name with no value, which the state dict leaves out.
   *
   * @example
   * this.registerBuffer('running_mean', zeros([numFeatures]));
   */
  registerBuffer(name: string, tensor: Tensor | null, options: RegisterBufferOptions = {}): void {
    if (typeof name !== 'string' || name === '') throw new TypeError(`${this.constructor.name}.registerBuffer: the name must be a non-empty string, got ${String(name)}`);
    if (name.includes('.')) throw new Error(`${this.constructor.name}.registerBuffer: the buffer name '${name}' contains '.', which separates the levels of dotted names`);
    if (!this.#buffers.has(name) && name in this) {
      throw new Error(`${this.constructor.name}.registerBuffer: '${name}' is already a property or method of ${this.constructor.name}; choose another buffer name`);
    }
    if (tensor !== null && !isTensor(tensor)) {
      throw new TypeError(`${this.constructor.name}.registerBuffer: the buffer '${name}' must be a Tensor or null (a buffer is not trained; a Variable belongs in a Parameter), got ${describeValue(tensor)}`);
    }
    // Kept, so that building a model inside a `tidy` does not free its state.
    this.#buffers.set(name, { tensor: tensor?.keep() ?? null, persistent: options.persistent ?? true });
  }

  /** The buffer `target` (dotted for a submodule's: `'bn.running_mean'`), as PyTorch's `get_buffer`. */
  getBuffer(target: string): Tensor | null {
    const split = target.lastIndexOf('.');
    const path = split < 0 ? '' : target.slice(0, split);
    const name = target.slice(split + 1);
    const owner = new Map(this.namedModules()).get(path);
    if (owner === undefined) throw new Error(`getBuffer: ${this.constructor.name} has no submodule '${path}' (looking up '${target}')`);
    const buffer = owner.#buffers.get(name);
    if (buffer === undefined) throw new Error(`getBuffer: ${owner.constructor.name} has no buffer '${name}' (looking up '${target}')`);
    return buffer.tensor;
  }

  /** Every buffer with its dotted name (`bn.running_mean`), listing a shared one once; `null` ones are left out. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    const owners: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [path, module] of owners) {
      for (const [name, { tensor }] of module.#buffers) {
        if (tensor === null || seen.has(tensor)) continue;
        seen.add(tensor);
        out.push([path === '' ? name : `${path}.${name}`, tensor]);
      }
    }
    return out;
  }

  /** Every buffer, in registration order, module by module. */
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, tensor]) => tensor);
  }

  /** Sets training mode on this module and every module below it. */
  train(mode = true): this {
    for (const module of this.modules()) module.training = mode;
    return this;
  }

  /** Evaluation mode (`train(false)`): Dropout passes its input through unchanged. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Moves every parameter (and its gradient) and buffer to another backend (`net.to('cpu')`), or
   * casts the floating-point ones to a float dtype (`net.to('float64')`). The Parameter objects stay the same,
   * so an optimizer built before the move still holds them.
   */
  to(deviceOrDType: string): this {
    const dtype = DTYPES.find((d) => d === deviceOrDType);
    const cast = dtype !== undefined;
    if (dtype !== undefined && !isFloatingDType(dtype)) {
      throw new Error(`to: a module's parameters can only be cast to a floating-point dtype, not ${deviceOrDType}`);
    }
    for (const parameter of this.parameters()) {
      if (cast && !isFloatingDType(parameter.dtype)) continue;
      // The old tensors are not disposed: a state dict taken earlier may still hold them.
      parameter.data = parameter.data.to(deviceOrDType).keep();
      if (parameter.grad !== null) parameter.grad = parameter.grad.to(deviceOrDType).keep();
    }
    // As PyTorch, a dtype cast leaves integer buffers (BatchNorm's num_batches_tracked) as they are.
    for (const module of this.modules()) {
      for (const buffer of module.#buffers.values()) {
        if (buffer.tensor === null || (cast && !isFloatingDType(buffer.tensor.dtype))) continue;
        buffer.tensor = buffer.tensor.to(deviceOrDType).keep();
      }
    }
    return this;
  }

  /** Clears every parameter's gradient (sets it to null, as PyTorch 2 does by default) and frees it. */
  zeroGrad(): void {
    for (const parameter of this.parameters()) {
      parameter.grad?.dispose();
      parameter.grad = null;
    }
  }

  /**
   * Every parameter and persistent buffer under its dotted name, including each name of a shared
   * one (as PyTorch's): per module its parameters, then its buffers, then its children's.
   */
  private stateEntries(prefix: string, out: StateEntry[]): StateEntry[] {
    for (const [name, parameter] of this.ownParameters()) {
      out.push({ name: prefix + name, value: parameter.data });
    }
    for (const [name, buffer] of this.#buffers) {
      if (buffer.tensor === null || !buffer.persistent) continue;
      out.push({ name: prefix + name, value: buffer.tensor });
    }
    for (const [name, child] of this.namedChildren()) child.stateEntries(`${prefix}${name}.`, out);
    return out;
  }

  /**
   * The parameters' and persistent buffers' current values by dotted name, in definition order:
   * what `save` writes and `loadStateDict` reads. The tensors are the module's own (not copies);
   * clone them to keep a snapshot that later training steps cannot touch.
   */
  stateDict(): Record<string, Tensor> {
    return Object.fromEntries(this.stateEntries('', []).map(({ name, value }) => [name, value]));
  }

  /**
   * Copies values from `stateDict` into the existing Parameters and persistent buffers, each onto
   * its own device and dtype. With `strict` (the default) a missing or unexpected key is an error; a shape mismatch
   * always is. Every problem is reported together and nothing is changed when there is one.
   *
   * @example
   * net.loadStateDict(await load('mnist.safetensors'));
   */
  loadStateDict(stateDict: Readonly<Record<string, Tensor>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const given: unknown = stateDict;
    if (given === null || typeof given !== 'object' || Array.isArray(given) || isTensor(given) || given instanceof Map) {
      throw new TypeError(`loadStateDict: expected a record of tensors by parameter name (as stateDict() and load() give), got ${describeValue(given)}`);
    }
    const strict = options.strict ?? true;
    const targets = this.stateEntries('', []);
    const expected = new Set(targets.map(({ name }) => name));
    const provided = Object.entries(stateDict);
    const missingKeys = targets.map(({ name }) => name).filter((name) => !Object.hasOwn(stateDict, name));
    const unexpectedKeys = provided.map(([name]) => name).filter((name) => !expected.has(name));

    const problems: string[] = [];
    for (const [name, value] of provided) {
      if (!isTensor(value)) problems.push(`the value for ${name} is ${typeof value}, not a Tensor`);
    }
    for (const { name, value: current } of targets) {
      const value: unknown = stateDict[name];
      if (!isTensor(value)) continue;
      if (value.isDisposed) problems.push(`the tensor for ${name} was disposed`);
      else if (formatShape(value.shape) !== formatShape(current.shape)) {
        problems.push(
          `size mismatch for ${name}: copying a param with shape ${formatShape(value.shape)} from checkpoint, ` +
            `the shape in the current model is ${formatShape(current.shape)}`,
        );
      }
    }
    if (strict && missingKeys.length > 0) problems.push(`missing key(s) in the state dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && unexpectedKeys.length > 0) problems.push(`unexpected key(s) in the state dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join('; ')}`);

    // In place, as PyTorch's copy_: whoever holds the parameters (an optimizer, a tied module) sees the loaded values.
    for (const { name, value: current } of targets) {
      const value = stateDict[name];
      if (value === undefined) continue;
      const onDevice = value.device === current.device ? value : value.to(current.device);
      current.copy_(onDevice);
      if (onDevice !== value) onDevice.dispose();
    }
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Calls `fn` on every submodule (children first, depth-first) and then on this module, as
   * PyTorch's `apply`; the usual use is initialisation: `model.apply((m) => { if (m instanceof Linear) ... })`.
   */
  apply(fn: (module: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * The module's own settings for `toString()`, as PyTorch's `extra_repr` (`inFeatures=784,
   * outFeatures=512, bias=true` for Linear). Empty by default.
   */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's layout: the class name, `extraRepr()` and each child indented under its name. */
  toString(): string {
    const extra = this.extraRepr();
    const lines = [
      ...(extra === '' ? [] : extra.split('\n')),
      ...this.namedChildren().map(([name, child]) => `(${name}): ${indentFollowingLines(child.toString(), 2)}`),
    ];
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    // A single line of settings and no children stays on one line, as most built-in layers print.
    if (lines.length === 1 && extra !== '' && !extra.includes('\n')) return `${name}(${extra})`;
    return `${name}(\n${lines.map((line) => `  ${line}`).join('\n')}\n)`;
  }

  /** What `console.log(model)` prints in Node: the same as `toString()`. */
  [INSPECT](): string {
    return this.toString();
  }
}

const SCOPED = Symbol('kindling.scopedForward');

/**
 * Makes each `forward` from `prototype` up to Module's run in a scope, as PyTorch's `__call__`
 * wraps `forward`: what it makes and does not return is freed when it returns (the graph keeps
 * what backward needs), so the activations of an evaluation at a large batch do not all wait for
 * the end of a step. Each class is wrapped once, on its prototype, so `super.forward()` and the ONNX
 * exporter's own per-instance wrappers keep working. During an export trace nothing is freed: the
 * tracer reads what forward made.
 */
function scopeForwards(prototype: object): void {
  for (let proto: object | null = prototype; proto !== null && proto !== Module.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    if (!Object.prototype.hasOwnProperty.call(proto, 'forward')) continue;
    const original = (proto as { forward: unknown }).forward;
    if (typeof original !== 'function' || (original as { [SCOPED]?: true })[SCOPED]) continue;
    const forward = function (this: Module, ...inputs: unknown[]): unknown {
      if (isTracing()) return original.apply(this, inputs) as unknown;
      if (isCapturing()) {
        // What forward runs depends on it (dropout): a replay in the other mode records anew.
        const training = this.training;
        guardReplay(() => this.training === training);
      }
      return scoped(`when ${this.constructor.name}.forward returned (what a forward makes and does not return is freed then)`, () => original.apply(this, inputs) as unknown);
    };
    Object.defineProperty(forward, SCOPED, { value: true });
    Object.defineProperty(forward, 'name', { value: original.name });
    // Its parameter count stays forward's own: exportOnnx tells a caller who passes too few sample inputs how many it takes.
    Object.defineProperty(forward, 'length', { value: original.length });
    Object.defineProperty(proto, 'forward', { value: forward, writable: true, configurable: true, enumerable: false });
  }
}

