import { tidyWith } from './engine.js';
import { isTensor, Tensor } from './tensor.js';

/**
 * Runs `fn` and disposes every tensor created inside it except those reachable from its result, so
 * a loop body leaves GPU memory flat.
 *
 * @example
 * const loss = tidy(() => x.matmul(w).relu().sum()); // the intermediates are freed, `loss` survives
 */
export function tidy<T>(fn: () => T): T {
  return tidyWith(fn, isTensor);
}

/**
 * @internal `fn` in a scope that frees what it creates except what its result reaches, as `tidy`,
 * with `where` naming the scope in the error of a later read ('when Linear.forward returned').
 * nn runs each Module's forward this way, as PyTorch's `__call__` runs `forward`. A function that
 * returns a promise frees nothing: it may still use what it made.
 */
export function scoped<T>(where: string, fn: () => T): T {
  return tidyWith(fn, isTensor, where, 'pass');
}

/**
 * @internal A second handle onto `t`'s storage and view: it keeps the storage alive until it is
 * freed itself, whatever happens to `t`. Autograd saves its operands for backward this way.
 */
export function newHandle(t: Tensor): Tensor {
  t.assertUsable('save');
  const handle = new Tensor(t.backend, t.storage, t.shape, t.dtype, t.strides, t.offset);
  handle.origin = t.origin;
  return handle;
}

/** Keeps `t` alive past the end of the enclosing `tidy`. */
export function keep<T extends Tensor>(t: T): T {
  return t.keep();
}

/** Whether `value` is an object literal (or `Object.create(null)`), as opposed to an instance of some class. */
function isPlainRecord(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isDisposable(value: object): value is Disposable {
  return typeof (value as Partial<Disposable>)[Symbol.dispose] === 'function';
}

/**
 * Frees exactly what it is given: anything with a `[Symbol.dispose]()` method (a Tensor; a
 * Variable frees its own data and gradient, never the graph that computed it), and the elements of
 * arrays, Maps, Sets and plain object records of those, recursively. Numbers, strings and other
 * primitives are skipped; any other object (a Module, say) is refused, since freeing what it
 * merely refers to could free tensors still in use.
 *
 * @example
 * dispose({ loss, logits }); // frees these two; the model's parameters stay usable
 */
export function dispose(value: unknown): void {
  // Everything is found, and anything unfreeable refused, before the first tensor is freed.
  const targets: Disposable[] = [];
  const seen = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === null || typeof item !== 'object' || seen.has(item)) continue;
    seen.add(item);
    if (isDisposable(item)) targets.push(item);
    else if (Array.isArray(item)) pending.push(...(item as unknown[]));
    else if (item instanceof Map || item instanceof Set) pending.push(...(item.values() as Iterable<unknown>));
    else if (isPlainRecord(item)) pending.push(...Object.values(item));
    else {
      const name = (item.constructor as { name?: string } | undefined)?.name ?? 'object';
      throw new TypeError(
        `dispose: cannot free a ${name}: pass tensors, Variables, or arrays, Maps and plain records of them (for a Module, dispose(module.parameters()))`,
      );
    }
  }
  for (const target of targets) target[Symbol.dispose]();
}
