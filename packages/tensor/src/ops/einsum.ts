import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { eye } from './creation.js';

/**
 * What einsum needs of an operand, which Tensors and autograd's Variables both provide: it is
 * written once over these methods, so a Variable's einsum is differentiable through them.
 */
export interface EinsumOperand<T> {
  readonly shape: readonly number[];
  readonly device: string;
  readonly dtype: Tensor['dtype'];
  permute(dims: readonly number[]): T;
  reshape(shape: readonly number[]): T;
  expand(shape: readonly number[]): T;
  sum(dim?: number | readonly number[], keepdim?: boolean): T;
  matmul(other: T): T;
  mul(other: Tensor): T;
}

/** An operand with one label per dim. */
interface Labelled<T> {
  value: T;
  labels: string[];
}

function parse(equation: string, count: number): { inputs: string[][]; output: string[] } {
  const compact = equation.replace(/\s+/g, '');
  if (compact.includes('.')) throw new Error(`einsum: '${equation}': ellipses ('...') are not supported; name every dim with a letter`);
  const [left, right] = compact.split('->') as [string, string | undefined];
  if (!/^[a-zA-Z,]*$/.test(left) || (right !== undefined && !/^[a-zA-Z]*$/.test(right))) {
    throw new Error(`einsum: '${equation}' is not of the form 'ij,jk->ik' (letters, commas between the operands, '->' before the output)`);
  }
  const inputs = left.split(',').map((term) => [...term]);
  if (inputs.length !== count) throw new Error(`einsum: '${equation}' names ${inputs.length} operand(s), but ${count} were given`);
  const all = inputs.flat();
  // Without '->', the output is every label used once, in alphabetical order (as NumPy and PyTorch).
  const output = right === undefined ? [...new Set(all)].filter((l) => all.indexOf(l) === all.lastIndexOf(l)).sort() : [...right];
  for (const label of output) {
    if (!all.includes(label)) throw new Error(`einsum: '${equation}': the output label '${label}' is not in any operand`);
    if (output.indexOf(label) !== output.lastIndexOf(label)) throw new Error(`einsum: '${equation}': the output names '${label}' twice`);
  }
  return { inputs, output };
}

/** The size of every label, checking that the operands agree (a size of 1 broadcasts). */
function labelSizes(equation: string, operands: readonly { shape: readonly number[] }[], inputs: readonly string[][]): Map<string, number> {
  const sizes = new Map<string, number>();
  inputs.forEach((labels, i) => {
    const shape = operands[i]?.shape ?? [];
    if (labels.length !== shape.length) throw new Error(`einsum: '${equation}': operand ${i} has shape ${formatShape(shape)}, but its term names ${labels.length} dim(s)`);
    labels.forEach((label, d) => {
      const size = shape[d] as number;
      const known = sizes.get(label);
      if (known !== undefined && known !== size && known !== 1 && size !== 1) {
        throw new Error(`einsum: '${equation}': label '${label}' is ${known} in one place and ${size} in another (operand ${i}, dim ${d})`);
      }
      sizes.set(label, known === undefined || known === 1 ? size : known);
    });
  });
  return sizes;
}

/** The diagonal over a label repeated within one operand (`ii->i`), by a mask of ones on it and a sum over one copy. */
function takeDiagonals<T extends EinsumOperand<T>>(operand: Labelled<T>): Labelled<T> {
  let { value, labels } = operand;
  for (let d = labels.length - 1; d >= 0; d--) {
    const first = labels.indexOf(labels[d] as string);
    if (first === d) continue;
    const n = value.shape[d] as number;
    const mask = eye(n, n, { dtype: value.dtype, device: value.device }).reshape(value.shape.map((extent, k) => (k === first || k === d ? n : 1)));
    value = value.mul(mask).sum(d);
    labels = labels.filter((_, k) => k !== d);
  }
  return { value, labels };
}

/** Sums away the labels of `operand` that no other operand and not the output need. */
function sumUnneeded<T extends EinsumOperand<T>>(operand: Labelled<T>, needed: ReadonlySet<string>): Labelled<T> {
  const dims = operand.labels.map((label, d) => (needed.has(label) ? -1 : d)).filter((d) => d >= 0);
  if (dims.length === 0) return operand;
  return { value: operand.value.sum(dims), labels: operand.labels.filter((label) => needed.has(label)) };
}

/** `operand` arranged as `order` (labels it lacks become dims of 1), expanded to `sizes`, and reshaped to `groups`' products. */
function arrange<T extends EinsumOperand<T>>(operand: Labelled<T>, order: readonly string[], sizes: ReadonlyMap<string, number>, groups: readonly (readonly string[])[]): T {
  const present = order.filter((label) => operand.labels.includes(label));
  const permuted = operand.value.permute(present.map((label) => operand.labels.indexOf(label)));
  const withOnes = permuted.reshape(order.map((label) => (operand.labels.includes(label) ? (operand.value.shape[operand.labels.indexOf(label)] as number) : 1)));
  const expanded = withOnes.expand(order.map((label) => sizes.get(label) as number));
  return expanded.reshape(groups.map((group) => group.reduce((size, label) => size * (sizes.get(label) as number), 1)));
}

/** One batched matmul for two operands: shared labels that stay are the batch, shared ones that go are contracted. */
function contract<T extends EinsumOperand<T>>(a: Labelled<T>, b: Labelled<T>, keep: ReadonlySet<string>, sizes: ReadonlyMap<string, number>): Labelled<T> {
  const shared = a.labels.filter((label) => b.labels.includes(label));
  const batch = shared.filter((label) => keep.has(label));
  const contracted = shared.filter((label) => !keep.has(label));
  const leftOnly = a.labels.filter((label) => !shared.includes(label));
  const rightOnly = b.labels.filter((label) => !shared.includes(label));
  const left = arrange(a, [...batch, ...leftOnly, ...contracted], sizes, [batch, leftOnly, contracted]);
  const right = arrange(b, [...batch, ...contracted, ...rightOnly], sizes, [batch, contracted, rightOnly]);
  const labels = [...batch, ...leftOnly, ...rightOnly];
  return { value: left.matmul(right).reshape(labels.map((label) => sizes.get(label) as number)), labels };
}

/**
 * torch.einsum over any operand type with einsum's methods (Tensors, Variables): diagonals first,
 * then labels only one operand uses are summed away, then the operands are contracted pairwise
 * from the left as batched matmuls, and the result is put in the output's order.
 */
export function einsumWith<T extends EinsumOperand<T>>(equation: string, operands: readonly T[]): T {
  const { inputs, output } = parse(equation, operands.length);
  const sizes = labelSizes(equation, operands, inputs);
  let terms = operands.map((value, i) => takeDiagonals({ value, labels: [...(inputs[i] as string[])] }));
  const neededBy = (skip: number): Set<string> => new Set([...output, ...terms.flatMap((term, i) => (i === skip ? [] : term.labels))]);
  terms = terms.map((term, i) => sumUnneeded(term, neededBy(i)));
  let result = terms[0] as Labelled<T>;
  for (let i = 1; i < terms.length; i++) {
    const keep = new Set([...output, ...terms.slice(i + 1).flatMap((term) => term.labels)]);
    result = contract(result, terms[i] as Labelled<T>, keep, sizes);
  }
  result = sumUnneeded(result, new Set(output));
  return arrange(result, output, sizes, output.map((label) => [label]));
}

/**
 * torch.einsum: sums of products over the labelled dims of `equation` ('ij,jk->ik', 'bhqd,bhkd->bhqk',
 * 'ii->i'); without '->' the output is the labels used once, alphabetically. Ellipses are not supported.
 *
 * @example
 * einsum('bij,bjk->bik', a, b); // batched matmul
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  return einsumWith<Tensor>(equation, operands);
}
