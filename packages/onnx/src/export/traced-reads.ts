import { Variable, type TracedOp } from '@kindling/autograd';
import { formatShape, isTensor, observeHostReads, type HostReadMethod, type Tensor } from '@kindling/tensor';
import { OnnxExportError } from '../errors.js';
import { describeScope } from './emit-context.js';

/** One host read of a value that depends on the graph's inputs, in words: `itemSync() of the value made by 'max' (float32 []) in module 'features.0'`. */
interface TracedRead {
  readonly tensor: Tensor;
  readonly description: string;
}

/**
 * Watches the traced forward pass for host reads of values computed from the graph's inputs
 * (`item()`, `itemSync()`, `data()`, `dataSync()`, `array()`, `tolist()` and their Variable forms).
 * The trace records ops, not the number a read handed to JavaScript: whatever forward decided with
 * it (a branch, a loop count, a scale) is frozen as the sample made it. Such a read is an error,
 * or, where the caller allows it, one warning. Values that do not depend on the inputs
 * (parameters, constants) and shapes may be read freely: they are the same for every input.
 */
export class TracedReads {
  /** Each tensor computed from the graph's inputs, with what made it: `the graph input 'x'` or `the value made by 'max'`. */
  readonly #origins = new Map<Tensor, string>();
  readonly #reads: TracedRead[] = [];
  /** The error for the first read, made where it happened, so that its stack points at the line in forward. */
  #firstReadError: OnnxExportError | null = null;

  constructor(
    inputs: readonly Tensor[],
    inputNames: readonly string[],
    /** The module path that is running (`/features/0`), '' at the top. */
    private readonly currentScope: () => string,
  ) {
    inputs.forEach((input, i) => this.#origins.set(input, `the graph input '${inputNames[i]}'`));
  }

  /** Follows one traced op: its output depends on the inputs where one of its operands does. */
  follow(op: TracedOp): void {
    const dependsOnInputs = op.inputs.some((operand) => {
      const tensor = operand instanceof Variable ? operand.data : isTensor(operand) ? operand : null;
      return tensor !== null && this.#origins.has(tensor);
    });
    if (dependsOnInputs && !this.#origins.has(op.output)) this.#origins.set(op.output, `the value made by '${op.op}'`);
  }

  /**
   * Runs the traced forward `fn` with host reads watched. Unless `allowed`, a read of a value
   * computed from the inputs makes this throw an `OnnxExportError` once `fn` returns (an
   * asynchronous `item()` cannot throw into forward), and wins over what `fn` threw after it.
   * Where `allowed`, the reads are named in one warning and the graph keeps the sample's values.
   */
  run<T>(allowed: boolean, fn: () => T): T {
    let result: T;
    try {
      result = observeHostReads((tensor, method) => this.#noteRead(tensor, method), fn);
    } catch (error) {
      if (!allowed && this.#firstReadError !== null) throw this.#firstReadError;
      throw error;
    }
    if (this.#firstReadError === null) return result;
    if (!allowed) throw this.#firstReadError;
    const count = this.#reads.length;
    console.warn(
      `exportOnnx: forward read ${count} value${count === 1 ? '' : 's'} computed from its inputs on the host (${this.#reads.map((read) => read.description).join('; ')}); ` +
        'the graph holds what the sample gave as constants, for every input ({ allowHostReads: true })',
    );
    return result;
  }

  #noteRead(tensor: Tensor, method: HostReadMethod): void {
    const origin = this.#origins.get(tensor);
    // A read method that calls another (itemSync calls dataSync) reports the same tensor twice.
    if (origin === undefined || this.#reads.some((read) => read.tensor === tensor)) return;
    const scope = this.currentScope();
    const description = `${method}() of ${origin} (${tensor.dtype} ${formatShape(tensor.shape)}) in ${describeScope(scope)}`;
    this.#reads.push({ tensor, description });
    this.#firstReadError ??= new OnnxExportError(
      method,
      scope,
      `exportOnnx: forward reads a value computed from its inputs on the host: ${description}. ` +
        'The graph records ops, not the number read, so what forward decided with it (a branch, a count, a scale) would stay as the sample made it for every input. ' +
        'Compute it with Variable ops (where(), clamp(), a mask) so the graph follows the input, move the decision out of forward, ' +
        'or pass { allowHostReads: true } to write the value the sample gave as a constant.',
    );
  }
}
