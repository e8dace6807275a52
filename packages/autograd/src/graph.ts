import { formatShape, full, isFloatingDType, isTensor, newHandle, SCOPE_REFERENCES, Tensor, writeVersion, type DType, type ScopeReferences, type Shape } from '@kindling/tensor';
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
 * What a node keeps for its backward pass: handles of its own onto the tensors its rule reads
 * (the rest are stand-ins that only carry shape and dtype), so that the node, not the Variables
 * of the forward pass, decides how long they live.
 */
interface Saved<K extends OpName> {
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: OpAttrs[K];
  /** Each saved tensor's storage's write version when it was saved (inputs in order, then the output). */
  readonly versions: readonly number[];
}

/** What a read of a tensor a rule did not declare says: a rule that reads it is wrong, not the user. */
const NOT_SAVED = "never: its op's gradient rule declares that it does not read it (an internal error if a rule reads it)";
const FREED_BY_BACKWARD = 'by backward(), which frees what a graph saved once the gradient has gone through it (pass { retainGraph: true } to keep it)';

/** A JS number operand as a 0-d tensor of the output's dtype, or a Tensor operand as a handle of the node's own. */
function savedOperand(operand: Tensor | number, output: Tensor): Tensor {
  return typeof operand === 'number' ? full([], operand, { dtype: output.dtype, device: output.device }) : newHandle(operand);
}

/** An operand the rule does not read, as a stand-in with its shape and dtype (a number: 0-d, the output's dtype). */
function standInOperand(operand: Tensor | number, output: Tensor): Tensor {
  return typeof operand === 'number' ? Tensor.standIn(output.backend, [], output.dtype, NOT_SAVED) : Tensor.standIn(operand.backend, operand.shape, operand.dtype, NOT_SAVED);
}

/** `attrs` with each tensor replaced by a handle of the node's own (a mask, the indices of a max). */
function ownAttrs<A>(attrs: A): A {
  if (typeof attrs !== 'object' || attrs === null || !Object.values(attrs).some(isTensor)) return attrs;
  return Object.fromEntries(Object.entries(attrs).map(([key, value]) => [key, isTensor(value) ? newHandle(value) : value])) as A;
}

/**
 * One recorded op (PyTorch's `grad_fn`): its name, the input Variables that may need gradients
 * (null for constants and for Variables that do not require grad), and what its gradient rule needs.
 */
export class Node<K extends OpName = OpName> implements ScopeReferences {
  readonly inputMeta: readonly InputMeta[];
  private saved: Saved<K> | null;
  /** The output's creation serial: scopes opened after it have nothing of this node's to keep. */
  private readonly serial: number;
  /** The output Variable's data, freed after the backward() that follows the one through this node. */
  private outputData: Tensor | null;

  constructor(
    readonly name: K,
    readonly inputs: readonly (Variable | null)[],
    operands: readonly (Tensor | number)[],
    output: Tensor,
    attrs: OpAttrs[K],
  ) {
    const saves = GRADIENTS[name].saves;
    const savedInputs = operands.map((operand, i) =>
      saves === undefined || saves.inputs?.includes(i) ? savedOperand(operand, output) : standInOperand(operand, output),
    );
    const savedOutput = saves === undefined || saves.output === true ? newHandle(output) : standInOperand(output, output);
    const versions = [...savedInputs, savedOutput].map((t) => writeVersion(t.storage));
    this.saved = { inputs: savedInputs, output: savedOutput, attrs: ownAttrs(attrs), versions };
    this.inputMeta = operands.map((operand) => (typeof operand === 'number' ? { shape: [], dtype: output.dtype } : { shape: operand.shape, dtype: operand.dtype }));
    this.serial = output.serial;
    // An op may hand back its operand itself (contiguous() of a contiguous tensor): that tensor is not the node's to free.
    this.outputData = operands.includes(output) ? null : output;
  }

  /** True once a backward pass without `retainGraph` has gone through this node. */
  get isFreed(): boolean {
    return this.saved === null;
  }

  /** The rule's gradients for `grad` (one per input, null where `needsInputGrad` is false). */
  apply(grad: Tensor, needsInputGrad: readonly boolean[]): (Tensor | null)[] {
    if (this.saved === null) throw freedGraphError(this.name);
    this.assertUnchanged(this.saved);
    // The one erasure point: record() saved the operands in the order and number that this op's rule declares.
    const rule = GRADIENTS[this.name] as GradientRule<OpAttrs[K], readonly Tensor[]>;
    return rule.backward(grad, { ...this.saved, needsInputGrad });
  }

  /** Refuses to differentiate with a saved tensor that an in-place write changed since (PyTorch's version check). */
  private assertUnchanged(saved: Saved<K>): void {
    const tensors = [...saved.inputs, saved.output];
    tensors.forEach((t, i) => {
      if (t.isDisposed || writeVersion(t.storage) === saved.versions[i]) return;
      const which = i < saved.inputs.length ? `operand ${i}` : 'output';
      throw new Error(
        `backward: the ${which} of '${this.name}' (shape ${formatShape(t.shape)}), which its gradient needs, was changed in place after the op ran ` +
          '(by copy_, fill_, zero_ or an optimizer step); compute it again after the write, or write into a clone instead',
      );
    });
  }

  /**
   * Frees the saved tensors; the node can no longer be differentiated. Returns, the first time, the
   * output's data for the caller to free later.
   */
  release(): Tensor | null {
    const output = this.outputData;
    this.outputData = null;
    const saved = this.saved;
    if (saved === null) return output;
    this.saved = null;
    for (const t of [...saved.inputs, saved.output, ...Object.values(saved.attrs as object)]) if (isTensor(t)) t.free(FREED_BY_BACKWARD);
    return output;
  }

  /** For scopes: the saved tensors of this node and of the nodes before it, back to the scope's opening. */
  [SCOPE_REFERENCES](firstSerial: number): readonly unknown[] {
    if (this.serial < firstSerial || this.saved === null) return [];
    const { inputs, output, attrs } = this.saved;
    return [...inputs, output, attrs, ...this.inputs.map((v) => v?.gradFn)];
  }
}

export function freedGraphError(opName: string): Error {
  return new Error(
    `backward: the graph through '${opName}' was already freed by an earlier backward() call, which releases the saved tensors; ` +
      'pass { retainGraph: true } to the earlier backward() to differentiate through the graph again',
  );
}

/**
 * Wraps an op's `output` as a Variable, recording a node when grad mode is on, some operand requires
 * grad and the output is floating-point (integer and bool results never carry gradients).
 */
export function record<K extends OpName>(op: K, output: Tensor, operands: readonly Operand[], attrs: OpAttrs[K]): Variable {
  noteOp(op, output, operands, attrs);
  const tracked = isGradEnabled() && isFloatingDType(output.dtype) && operands.some((o) => o instanceof Variable && o.requiresGrad);
  if (!tracked) return new Variable(output);
  output.origin = op;
  const inputs = operands.map((o) => (o instanceof Variable && o.requiresGrad ? o : null));
  const node = new Node(op, inputs, operands.map((o) => (o instanceof Variable ? o.data : o)), output, attrs);
  return Variable.fromNode(output, node);
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
