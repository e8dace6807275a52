import { full, isFloatingDType, type DType, type Shape, type Tensor } from '@kindling/tensor';
import { isGradEnabled } from './grad-mode.js';
import { GRADIENTS, type GradientRule, type OpAttrs, type OpName } from './gradients/index.js';
import { noteOp } from './trace.js';
import { Variable } from './variable.js';

/** An operand of a differentiable op: a Variable, or a constant (a Tensor or a JS number). */
export type Operand = Variable | Tensor | number;

/** The shape and dtype of an input, which outlive the saved tensors so that gradients can be fitted to it. */
export interface InputMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/*
 * What a node keeps for its backward pass. Plain object fields rather than a closure, so that
 * `tidy` (which follows object properties) sees these tensors as reachable from a returned Variable
 * and does not free them under a graph that is still to be differentiated.
 */
interface Saved<K extends OpName> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: OpAttrs[K];
}

/**
 * One recorded op (PyTorch's `grad_fn`): its name, the input Variables that may need gradients
 * (null for constants and for Variables that do not require grad), and what its gradient rule needs.
 */
export class Node<K extends OpName = OpName> {
  readonly inputMeta: readonly InputMeta[];
  private saved: Saved<K> | null;

  constructor(
    readonly name: K,
    readonly inputs: readonly (Variable | null)[],
    saved: Saved<K>,
  ) {
    this.saved = saved;
    this.inputMeta = saved.inputs.map((t) => ({ shape: t.shape, dtype: t.dtype }));
  }

  /** True once a backward pass without `retainGraph` has gone through this node. */
  get isFreed(): boolean {
    return this.saved === null;
  }

  /** The rule's gradients for `grad` (one per input, null where `needsInputGrad` is false). */
  apply(grad: Tensor, needsInputGrad: readonly boolean[]): (Tensor | null)[] {
    if (this.saved === null) throw freedGraphError(this.name);
    // The one erasure point: record() saved the operands in the order and number that this op's rule declares.
    const rule = GRADIENTS[this.name] as GradientRule<OpAttrs[K], readonly Tensor[]>;
    return rule.backward(grad, { ...this.saved, needsInputGrad });
  }

  /** Drops the saved tensors; the node can no longer be differentiated. */
  release(): void {
    this.saved = null;
  }
}

export function freedGraphError(opName: string): Error {
  return new Error(
    `backward: the graph through '${opName}' was already freed by an earlier backward() call, which releases the saved tensors; ` +
      'pass { retainGraph: true } to the earlier backward() to differentiate through the graph again',
  );
}

/** The Tensor behind an operand, with a JS number as a 0-d tensor of the output's dtype. */
function operandTensor(operand: Operand, output: Tensor): Tensor {
  if (operand instanceof Variable) return operand.data;
  if (typeof operand === 'number') return full([], operand, { dtype: output.dtype, device: output.device });
  return operand;
}

/**
 * Wraps an op's `output` as a Variable, recording a node when grad mode is on, some operand requires
 * grad and the output is floating-point (integer and bool results never carry gradients).
 */
export function record<K extends OpName>(op: K, output: Tensor, operands: readonly Operand[], attrs: OpAttrs[K]): Variable {
  noteOp(op, output, operands, attrs);
  const tracked = isGradEnabled() && isFloatingDType(output.dtype) && operands.some((o) => o instanceof Variable && o.requiresGrad);
  if (!tracked) return new Variable(output);
  const inputs = operands.map((o) => (o instanceof Variable && o.requiresGrad ? o : null));
  const saved = { inputs: operands.map((o) => operandTensor(o, output)), output, attrs };
  return Variable.fromNode(output, new Node(op, inputs, saved));
}

/** The raw value of an operand for the forward computation. */
export function raw(operand: Operand): Tensor | number {
  return operand instanceof Variable ? operand.data : operand;
}

/** A constant tensor as a Variable that does not require grad, so ops can be composed on it. */
export function lift(operand: Variable | Tensor): Variable {
  return operand instanceof Variable ? operand : new Variable(operand);
}

/** Attributes of ops that take none (one shared frozen object). */
export const NO_ATTRS: Readonly<Record<never, never>> = Object.freeze({});
