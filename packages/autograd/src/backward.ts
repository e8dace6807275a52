import { formatShape, newHandle, onesLike, requireMadeInStep, tidy, type Tensor } from '@kindling/tensor';
import { freedGraphError, type InputMeta, type Node } from './graph.js';
import { fitToInput } from './reduce-to-shape.js';
import { addWindowInPlace, placeWindow, startWindowBuffer, windowOf, type SliceWindow } from './window-gradients.js';
import type { Variable } from './variable.js';

/** Options of `Variable.backward`. */
export interface BackwardOptions {
  /** Keep the saved tensors so that the graph can be differentiated again (default false). */
  retainGraph?: boolean;
  /**
   * Accumulate gradients only into these Variables (leaves or not); nodes that do not lead to them
   * are not visited. By default every leaf that requires grad, and every Variable with `retainGrad()`.
   */
  inputs?: readonly Variable[];
}

/** The nodes reachable from `root`, each after every node that feeds it (iterative, so deep graphs do not overflow the stack). */
function postOrder(root: Node): Node[] {
  const order: Node[] = [];
  const visited = new Set<Node>([root]);
  const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: Node; next: number };
    if (top.next === top.node.inputs.length) {
      stack.pop();
      order.push(top.node);
      continue;
    }
    const child = top.node.inputs[top.next++]?.gradFn;
    if (child && !visited.has(child)) {
      visited.add(child);
      stack.push({ node: child, next: 0 });
    }
  }
  return order;
}

function seedGradient(root: Variable, gradient: Tensor | undefined): Tensor {
  if (gradient === undefined) {
    if (root.data.numel() !== 1) {
      throw new Error(
        `backward: a gradient can only be created implicitly for a single-element output, but this one has shape ${formatShape(root.shape)}; ` +
          'reduce it first (y.sum().backward()) or pass the gradient of the loss with respect to it: y.backward(gradient)',
      );
    }
    return onesLike(root.data);
  }
  if (gradient.device !== root.device) {
    throw new Error(`backward: the gradient is on device '${gradient.device}' but the output is on '${root.device}'; move it with gradient.to('${root.device}')`);
  }
  if (formatShape(gradient.shape) !== formatShape(root.shape)) {
    throw new Error(`backward: the gradient has shape ${formatShape(gradient.shape)} but the output has shape ${formatShape(root.shape)}; they must match`);
  }
  // A handle of its own: backward frees each gradient once it is passed on, never the caller's tensor.
  return gradient.dtype === root.dtype ? newHandle(gradient) : gradient.to(root.dtype);
}

/**
 * Reverse-mode differentiation from `root`: sorts the nodes that lead to a target topologically,
 * runs each one's gradient rule once with the sum of its incoming gradients, fits every input
 * gradient to its input with the central reducer, and accumulates into the targets' `.grad`.
 */
export function runBackward(root: Variable, gradient: Tensor | undefined, options: BackwardOptions = {}): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: this Variable does not require grad and has no gradFn; create the leaves with { requiresGrad: true } ' +
        'and make sure the computation did not run inside noGrad()',
    );
  }
  const only = options.inputs === undefined ? undefined : new Set(options.inputs);
  options.inputs?.forEach((v, i) => {
    if (!v.requiresGrad) throw new Error(`backward: inputs[${i}] does not require grad, so it cannot receive a gradient`);
  });
  if (only?.size === 0) throw new Error('backward: inputs is empty; omit it to accumulate into every leaf that requires grad');
  const isTarget = (v: Variable): boolean => (only ? only.has(v) : v.isLeaf ? v.requiresGrad : v.retainsGrad);

  const order = root.gradFn ? postOrder(root.gradFn) : [];
  const needed = new Set<Node>();
  const leadsToTarget = (v: Variable | null): v is Variable => v !== null && (isTarget(v) || (v.gradFn !== null && needed.has(v.gradFn)));
  for (const node of order) {
    if (node.inputs.some(leadsToTarget)) needed.add(node);
  }
  // Fail before any gradient is accumulated, so a refused call changes nothing.
  for (const node of needed) if (node.isFreed) throw freedGraphError(node.name);

  const pending = new Map<Node, Tensor>();
  const staged = new Map<Variable, Tensor>();
  /** Gradients that must outlive their node: they are, or are part of, what goes into a `.grad`. */
  const toStage = new Set<Tensor>();
  const deliver = (v: Variable, g: Tensor): void => {
    const window = windowOf(g);
    if (isTarget(v)) {
      // The windows of one packed parameter (in_proj_weight's q, k and v rows) fill one buffer.
      const sum = sumWindowInto(staged.get(v), g, window, toStage);
      staged.set(v, sum);
      toStage.add(sum);
    }
    if (v.gradFn !== null && needed.has(v.gradFn)) pending.set(v.gradFn, sumWindowInto(pending.get(v.gradFn), g, window, toStage));
    // A window's values were copied wherever they went.
    if (window) g.free(FREED_WHEN_PASSED_ON);
  };

  const consumed = startGeneration();
  // Each node's gradients are computed in a scope of their own and its incoming gradient freed once
  // it has run, and (without retainGraph) what the node saved as well: memory falls as the pass
  // goes back, as in PyTorch, instead of holding every intermediate gradient until the end.
  tidy(() => {
    deliver(root, seedGradient(root, gradient));
    for (let i = order.length - 1; i >= 0; i--) {
      const node = order[i] as Node;
      const grad = pending.get(node);
      if (!needed.has(node) || grad === undefined) continue;
      pending.delete(node);
      const needs = node.inputs.map(leadsToTarget);
      const inputGrads = tidy(() =>
        node.apply(grad, needs).map((g, k) => (g !== null && needs[k] ? fitWindowOrWhole(g, node.inputMeta[k] as InputMeta) : null)),
      );
      // A rule may pass its gradient on unchanged, or the same tensor to two inputs (add): each
      // delivery gets a handle of its own, so that freeing one sum never frees another's operand.
      const delivered = new Set<Tensor>([grad]);
      node.inputs.forEach((input, k) => {
        const g = inputGrads[k];
        if (input === null || !g) return;
        deliver(input, delivered.has(g) ? newHandle(g) : g);
        delivered.add(g);
      });
      if (!toStage.has(grad)) grad.free(FREED_WHEN_PASSED_ON);
      if (!options.retainGraph) releaseInto(consumed, node);
    }
    for (const [v, g] of staged) v.grad = accumulate(v.grad, g).keep();
  });
  // Needed nodes the gradient never reached (a rule gave null) are freed too.
  if (!options.retainGraph) for (const node of needed) releaseInto(consumed, node);
}

const FREED_WHEN_PASSED_ON = 'during backward(), once the gradient had gone on to the inputs of the op';

/** A window gradient as it is when it already has its input's dtype (deliver places it), else any gradient fitted to its input. */
function fitWindowOrWhole(g: Tensor, input: InputMeta): Tensor {
  const window = windowOf(g);
  if (window === undefined) return fitToInput(g, input);
  return g.dtype === input.dtype ? g : fitToInput(placeWindow(g, window), input);
}

/** `previous + g`, freeing `previous` unless it is also bound for a `.grad`. */
function sumInto(previous: Tensor | undefined, g: Tensor, toStage: ReadonlySet<Tensor>): Tensor {
  if (previous === undefined) return g;
  const sum = previous.add(g);
  if (!toStage.has(previous)) previous.free(FREED_WHEN_PASSED_ON);
  if (!toStage.has(g)) g.free(FREED_WHEN_PASSED_ON);
  return sum;
}

/** `previous + g`, where `g` may be the values of a window: written into a buffer of backward's own, in place where it can. */
function sumWindowInto(previous: Tensor | undefined, g: Tensor, window: SliceWindow | undefined, toStage: ReadonlySet<Tensor>): Tensor {
  if (!window) return sumInto(previous, g, toStage);
  if (previous === undefined) return startWindowBuffer(g, window);
  return addWindowInPlace(previous, g, window) ? previous : sumInto(previous, placeWindow(g, window), toStage);
}

/**
 * The outputs of the ops that the last two backward() calls went through (loss, logits,
 * activations), newest last: each backward() frees those of the one two calls before it, so a loop
 * with no tidy and no dispose runs in flat memory while the values of the last two steps can still
 * be read, as a loop that logs the previous step's loss while the next one runs does.
 */
const consumedGenerations: Tensor[][] = [];

const FREED_BY_LATER_BACKWARD =
  "by the second backward() after the one that went through the op that made it (a graph's outputs live until then; a compiled step's replay counts as one)";

/** Frees what `node` saved and adds its output to `generation`, the first time. */
function releaseInto(generation: Tensor[], node: Node): void {
  const output = node.release();
  if (output !== null) generation.push(output);
}

/**
 * A compiled step's replay runs no backward(), yet its results must age like a backward's: they
 * join the generations as one step, freed two steps on unless kept.
 */
export function ageWithSteps(results: readonly Tensor[]): void {
  startGeneration().push(...results);
}

function startGeneration(): Tensor[] {
  if (consumedGenerations.length === 2) {
    for (const t of consumedGenerations.shift() ?? []) if (!t.isKept) t.free(FREED_BY_LATER_BACKWARD);
  }
  const generation: Tensor[] = [];
  consumedGenerations.push(generation);
  return generation;
}

/**
 * `old + fresh`, or a tensor of its own when there is no old gradient: a fresh view (or contiguous
 * copy) so that no two Variables, and not the caller's gradient argument, share one Tensor object
 * whose disposal would take both.
 */
function accumulate(old: Tensor | null, fresh: Tensor): Tensor {
  if (old !== null) {
    // A replay would add to this step's old gradient again, not to the one the last replay left.
    requireMadeInStep(old, "its backward() adds to a .grad from before the step; clear the gradients in the step (optimizer.zeroGrad(), or .grad = null for a Variable no optimizer holds)");
    return old.add(fresh);
  }
  return fresh.isContiguous() ? fresh.view(fresh.shape) : fresh.contiguous();
}
