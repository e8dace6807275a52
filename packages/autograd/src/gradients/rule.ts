import type { KernelName, Tensor } from '@kindling/tensor';

/** Attributes of an op that take none: its gradient depends only on the tensors. */
export type NoAttrs = Readonly<Record<never, never>>;

/** The forward operands of an op with one input, the default. */
export type OneInput = readonly [Tensor];
/** The forward operands of an op with two inputs (binary ops, matmul, where's a and b). */
export type TwoInputs = readonly [Tensor, Tensor];

/** The operands (by position) and whether the output a gradient rule reads. */
export interface SavedForBackward {
  readonly inputs?: readonly number[];
  readonly output?: boolean;
}

/** Saves nothing: the rule needs only the shapes and the attributes. */
export const SAVES_NOTHING: SavedForBackward = Object.freeze({});
/** Saves the output only (exp, sigmoid, softmax, ...). */
export const SAVES_OUTPUT: SavedForBackward = Object.freeze({ output: true });
/** Saves the first operand only (log, abs, ...). */
export const SAVES_INPUT: SavedForBackward = Object.freeze({ inputs: [0] });
/** Saves both operands (mul, matmul, ...). */
export const SAVES_INPUTS: SavedForBackward = Object.freeze({ inputs: [0, 1] });

/** What a gradient rule sees of the forward call that produced its node. */
export interface GradContext<A, I extends readonly Tensor[] = OneInput> {
  /**
   * The forward operands in order. A constant (a plain Tensor, or a JS number, which arrives as a
   * 0-d tensor of the output's dtype) is here too, so rules never branch on operand kinds.
   */
  readonly inputs: I;
  readonly output: Tensor;
  readonly attrs: A;
  /** Whether operand i needs a gradient in this backward pass; a rule returns null for the others. */
  readonly needsInputGrad: readonly boolean[];
}

/**
 * The gradient of one op: given the gradient of the output, one gradient per input, built from
 * public tensor ops so that every backend gets it. A returned gradient may keep the output's
 * broadcast shape or dtype: `reduceToShape` fits it to the input in one central place.
 */
export interface GradientRule<A, I extends readonly Tensor[] = OneInput> {
  /** The kernel the op runs, or 'view' for ops that only reinterpret storage. */
  readonly kernel: KernelName | 'view';
  /**
   * What `backward` reads of the forward call, so that nothing else is kept alive until backward
   * (PyTorch's `save_for_backward`): the positions of the operands it reads and whether it reads
   * the output. The others reach it as stand-ins with only their shape and dtype, and reading their
   * values throws. Without it, every operand and the output are saved.
   */
  readonly saves?: SavedForBackward;
  backward(grad: Tensor, ctx: GradContext<A, I>): (Tensor | null)[];
}

/**
 * One rule per op named in `Attrs`, typed by that op's attributes and by its operands: one tensor,
 * unless `Inputs` names the op with another tuple.
 */
export type GradientTableFor<Attrs, Inputs = Record<never, never>> = {
  readonly [K in keyof Attrs]: GradientRule<Attrs[K], K extends keyof Inputs ? (Inputs[K] extends readonly Tensor[] ? Inputs[K] : never) : OneInput>;
};

/** `value` for the inputs that need a gradient and null for the rest, computed lazily. */
export function gradsFor(ctx: GradContext<unknown, readonly Tensor[]>, ...compute: (() => Tensor)[]): (Tensor | null)[] {
  return compute.map((fn, i) => (ctx.needsInputGrad[i] ? fn() : null));
}
