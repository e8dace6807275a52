import { cat, composite, type Variable } from '@kindling/autograd';
import { formatShape, full } from '@kindling/tensor';
import { asVariable, type Input } from './parameter.js';

/** How `pad` fills the new positions, as PyTorch's `F.pad` modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/**
 * The positions before and after `x` along `dim` that `mode` fills, built from views of `x` (and,
 * for 'constant', a tensor of `value`), so the gradient is that of narrow, expand and cat: nothing
 * is indexed or uploaded.
 */
function padDim(x: Variable, dim: number, before: number, after: number, mode: PadMode, value: number): Variable {
  const extent = x.shape[dim] as number;
  const block = (length: number): number[] => x.shape.map((e, d) => (d === dim ? length : e));
  const pieces = (count: number, pick: (i: number) => Variable): Variable[] => Array.from({ length: count }, (_, i) => pick(i));
  let left: Variable[] = [];
  let right: Variable[] = [];
  if (mode === 'constant') {
    if (before > 0) left = [asVariable(full(block(before), value, { dtype: x.dtype, device: x.device }))];
    if (after > 0) right = [asVariable(full(block(after), value, { dtype: x.dtype, device: x.device }))];
  } else if (mode === 'replicate') {
    if (before > 0) left = [x.narrow(dim, 0, 1).expand(block(before))];
    if (after > 0) right = [x.narrow(dim, extent - 1, 1).expand(block(after))];
  } else if (mode === 'circular') {
    if (before > 0) left = [x.narrow(dim, extent - before, before)];
    if (after > 0) right = [x.narrow(dim, 0, after)];
  } else {
    // Reflection mirrors about the edge element without repeating it: before → x[before], …, x[1].
    left = pieces(before, (i) => x.narrow(dim, before - i, 1));
    right = pieces(after, (i) => x.narrow(dim, extent - 2 - i, 1));
  }
  return left.length + right.length === 0 ? x : cat([...left, x, ...right], dim);
}

function assertPadFits(shape: readonly number[], dim: number, before: number, after: number, mode: PadMode): void {
  const extent = shape[dim] as number;
  const limit = mode === 'reflect' ? extent - 1 : mode === 'circular' ? extent : Infinity;
  if ((mode !== 'constant' && (before < 0 || after < 0)) || Math.max(before, after) > limit || (mode === 'replicate' && extent === 0)) {
    const need = mode === 'reflect' ? 'less than' : mode === 'circular' ? 'at most' : 'non-negative, over';
    throw new RangeError(
      `pad: '${mode}' padding of (${before}, ${after}) does not fit dim ${dim} of size ${extent} (input ${formatShape(shape)}); each side must be ${need} the dim's size`,
    );
  }
  if (mode === 'constant' && extent + before + after < 0) throw new RangeError(`pad: cropping (${before}, ${after}) is more than dim ${dim}'s size ${extent} (input ${formatShape(shape)})`);
}

/**
 * Pads `input` as PyTorch's `F.pad`: `pad` lists (before, after) pairs from the last dim backwards,
 * `[left, right, top, bottom, ...]`. 'constant' fills with `value` (a negative pad crops);
 * 'reflect' mirrors about the edge, 'replicate' repeats it, 'circular' wraps around.
 *
 * @example
 * F.pad(images, [1, 1, 2, 0], 'reflect'); // [N, C, H, W] → [N, C, H + 2, W + 2]
 */
export function pad(input: Input, pad: readonly number[], mode: PadMode = 'constant', value = 0): Variable {
  const x = asVariable(input);
  if (!MODES.includes(mode)) throw new Error(`pad: mode must be one of ${MODES.join(', ')}, got '${String(mode)}'`);
  if (pad.length % 2 !== 0 || pad.length > 2 * x.ndim || pad.some((p) => !Number.isInteger(p))) {
    throw new RangeError(`pad: expected an even number of integers, at most two per dim of the input ${formatShape(x.shape)}, got [${pad.join(', ')}]`);
  }
  for (let pair = 0; pair < pad.length / 2; pair++) assertPadFits(x.shape, x.ndim - 1 - pair, pad[2 * pair] as number, pad[2 * pair + 1] as number, mode);
  return composite('pad', [x], { pad: [...pad], mode, value }, () => {
    let out = x;
    for (let pair = 0; pair < pad.length / 2; pair++) {
      const dim = x.ndim - 1 - pair;
      const before = pad[2 * pair] as number;
      const after = pad[2 * pair + 1] as number;
      // A negative constant pad crops before the rest is added.
      const cropped = mode === 'constant' && (before < 0 || after < 0) ? out.narrow(dim, Math.max(-before, 0), (out.shape[dim] as number) - Math.max(-before, 0) - Math.max(-after, 0)) : out;
      out = padDim(cropped, dim, Math.max(before, 0), Math.max(after, 0), mode, value);
    }
    return out;
  });
}
