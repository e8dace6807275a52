import type { Tensor } from '@kindling/tensor';

/**
 * An op as a tracer sees it: the autograd op name (`'add'`, `'matmul'`, `'reshape'`), a comparison
 * or arg-reduction that gives a plain Tensor (`'gt'`, `'argmax'`), or the name of a composite that
 * a library function declares (`'conv2d'`); its operands (Variables, Tensors, numbers) as given,
 * its attributes and the tensor it produced.
 */
export interface TracedOp {
  readonly op: string;
  readonly inputs: readonly unknown[];
  readonly attrs: object;
  readonly output: Tensor;
}

/** What `traceOps` reports to, such as an exporter writing a graph. */
export interface OpTracer {
  record(op: TracedOp): void;
  /**
   * Whether the composite `op` (a function built from other ops) is taken as one op. If so its
   * inner ops are not reported, and the composite is, once it returns; if not, its inner ops are.
   */
  takesComposite(op: string, inputs: readonly unknown[], attrs: object): boolean;
}

let tracer: OpTracer | null = null;
/** How many taken composites are running: their inner ops are not reported. */
let insideComposite = 0;

/**
 * Runs `fn` with every op on Variables reported to `tracer`, as the ONNX exporter records a
 * forward pass. Only one trace runs at a time; the tracer is removed when `fn` returns or throws.
 */
export function traceOps<T>(opTracer: OpTracer, fn: () => T): T {
  if (tracer !== null) throw new Error('traceOps: a trace is already running; traces do not nest');
  tracer = opTracer;
  try {
    return fn();
  } finally {
    tracer = null;
    insideComposite = 0;
  }
}

/** Whether a trace is running: what the forward pass makes must then outlive it, for the tracer to read. */
export function isTracing(): boolean {
  return tracer !== null;
}

/** Reports an op to the running trace, if any (the ops of autograd call this; a no-op otherwise). */
export function noteOp(op: string, output: Tensor, inputs: readonly unknown[], attrs: object): void {
  if (tracer !== null && insideComposite === 0) tracer.record({ op, inputs, attrs, output });
}

/**
 * Declares `compute` as one op named `op` to a running trace (nn's conv2d, layerNorm, gelu, ...),
 * so that an exporter can write it as one node instead of the ops it is built from. Without a
 * trace it is just `compute()`.
 */
export function composite<T extends { data: Tensor }>(op: string, inputs: readonly unknown[], attrs: object, compute: () => T): T {
  if (tracer === null || insideComposite > 0 || !tracer.takesComposite(op, inputs, attrs)) return compute();
  insideComposite++;
  let result: T;
  try {
    result = compute();
  } finally {
    insideComposite--;
  }
  noteOp(op, result.data, inputs, attrs);
  return result;
}
