import { Module } from '../module.js';

/**
 * Holds submodules in a list (PyTorch's `nn.ModuleList`), named `0`, `1`, ..., so their
 * parameters are `layers.0.weight`, ...; it has no `forward` of its own. (A plain array of Modules
 * as a property gives the same names.)
 *
 * @example
 * class Deep extends Module {
 *   layers = new ModuleList(Array.from({ length: 4 }, () => new Linear(64, 64)));
 *   forward(x: Variable) { return [...this.layers].reduce((h, layer) => F.relu(layer.forward(h)), x); }
 * }
 */
export class ModuleList<M extends Module = Module> extends Module {
  // A #private field is not an own property, so Module's discovery sees only the numbered ones.
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const module of modules) this.append(module);
  }

  /** Adds `module` at the end, under the next number. */
  append(module: M): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleList.append: expected a Module, got ${typeof module}`);
    Object.defineProperty(this, String(this.#items.length), { value: module, enumerable: true, writable: false, configurable: false });
    this.#items.push(module);
    return this;
  }

  /** Appends each of `modules`, as PyTorch's `extend`. */
  extend(modules: Iterable<M>): this {
    for (const module of modules) this.append(module);
    return this;
  }

  get length(): number {
    return this.#items.length;
  }

  /** The module at `index` (negative counts from the end). */
  at(index: number): M {
    const module = this.#items.at(index);
    if (module === undefined) throw new RangeError(`ModuleList.at: index ${index} is out of range for ${this.#items.length} modules`);
    return module;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  forward(): never {
    throw new Error('ModuleList has no forward: call the modules it holds');
  }
}

/**
 * Holds submodules by name (PyTorch's `nn.ModuleDict`), in insertion order, so their parameters
 * are `blocks.encoder.weight`, ...; it has no `forward` of its own.
 *
 * @example
 * const heads = new ModuleDict({ classify: new Linear(64, 10), regress: new Linear(64, 1) });
 * heads.get('classify').forward(features);
 */
export class ModuleDict<M extends Module = Module> extends Module {
  readonly #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, M]>)] : Object.entries(modules);
    for (const [name, module] of entries) this.set(name, module);
  }

  /** Adds `module` under `name` (a new name goes last; an existing one is replaced in place). */
  set(name: string, module: M): this {
    if (!(module instanceof Module)) throw new TypeError(`ModuleDict.set: the value for '${name}' must be a Module, got ${typeof module}`);
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new Error(`ModuleDict.set: a key must be a non-empty string without '.', which separates dotted names; got '${String(name)}'`);
    }
    if (!this.#items.has(name) && name in this) throw new Error(`ModuleDict.set: the key '${name}' is a method or property of ModuleDict; choose another`);
    Object.defineProperty(this, name, { value: module, enumerable: true, writable: true, configurable: true });
    this.#items.set(name, module);
    return this;
  }

  /** The module under `name`. */
  get(name: string): M {
    const module = this.#items.get(name);
    if (module === undefined) throw new Error(`ModuleDict.get: no module named '${name}' (keys: ${[...this.#items.keys()].join(', ')})`);
    return module;
  }

  has(name: string): boolean {
    return this.#items.has(name);
  }

  keys(): string[] {
    return [...this.#items.keys()];
  }

  values(): M[] {
    return [...this.#items.values()];
  }

  entries(): [string, M][] {
    return [...this.#items.entries()];
  }

  get size(): number {
    return this.#items.size;
  }

  forward(): never {
    throw new Error('ModuleDict has no forward: call the modules it holds');
  }
}
