import type { DType, TypedArray } from './dtype.js';
import { shapeSize, type Shape } from './shape.js';

/** Past this many elements a printout shows only the first and last few entries of each dim. */
const SUMMARY_THRESHOLD = 1000;
const EDGE_ITEMS = 3;
const PREFIX = 'tensor(';

/** Formats every value the same way, as PyTorch does: integers, fixed 4 decimals, or scientific. */
function valueFormatter(values: ArrayLike<number>, dtype: DType): (value: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'True' : 'False');
  if (dtype === 'int32') return (v) => String(v);
  const finite = Array.from(values).filter(Number.isFinite);
  const special = (v: number): string => (Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf');
  if (finite.every(Number.isInteger)) {
    const large = finite.some((v) => Math.abs(v) >= 1e8);
    return (v) => (!Number.isFinite(v) ? special(v) : large ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : `${v}.`);
  }
  const magnitudes = finite.map(Math.abs).filter((v) => v > 0);
  const maxAbs = Math.max(0, ...magnitudes);
  const minAbs = Math.min(Infinity, ...magnitudes);
  const scientific = maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000;
  return (v) => {
    if (!Number.isFinite(v)) return special(v);
    return scientific ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(4);
  };
}

function summarisedIndices(extent: number, summarise: boolean): (number | null)[] {
  if (!summarise || extent <= 2 * EDGE_ITEMS) return Array.from({ length: extent }, (_, i) => i);
  const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
  const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => extent - EDGE_ITEMS + i);
  return [...head, null, ...tail];
}

/** PyTorch's printout: `tensor([[1.0000, 2.0000],\n        [3.0000, 4.0000]])`, elided when large. */
export function formatTensor(values: TypedArray, shape: Shape, dtype: DType, device: string, extraSettings: readonly string[] = []): string {
  const suffixes = [
    ...(device !== 'cpu' ? [`device='${device}'`] : []),
    ...(dtype === 'float64' || (dtype === 'int32' && values.length === 0) ? [`dtype=${dtype}`] : []),
    ...extraSettings,
  ];
  const suffix = suffixes.map((s) => `, ${s}`).join('');
  if (values.length === 0) {
    return shape.length === 1 ? `${PREFIX}[]${suffix})` : `${PREFIX}[], size=(${shape.join(', ')})${suffix})`;
  }
  const summarise = values.length > SUMMARY_THRESHOLD;
  const strides = shape.map((_, d) => shapeSize(shape.slice(d + 1)));
  const shown: number[] = [];
  const collect = (depth: number, start: number): void => {
    if (depth === shape.length) {
      shown.push(values[start] as number);
      return;
    }
    for (const i of summarisedIndices(shape[depth] as number, summarise)) if (i !== null) collect(depth + 1, start + i * (strides[depth] as number));
  };
  collect(0, 0);
  const format = valueFormatter(shown, dtype);
  const width = Math.max(...shown.map((v) => format(v).length));
  const render = (depth: number, start: number, indent: number): string => {
    if (depth === shape.length) return format(values[start] as number).padStart(width);
    const parts = summarisedIndices(shape[depth] as number, summarise).map((i) =>
      i === null ? '...' : render(depth + 1, start + i * (strides[depth] as number), indent + 1),
    );
    const innermost = depth === shape.length - 1;
    const separator = innermost ? ', ' : `,${'\n'.repeat(shape.length - depth - 1)}${' '.repeat(indent + 1)}`;
    return `[${parts.join(separator)}]`;
  };
  return `${PREFIX}${render(0, 0, PREFIX.length)}${suffix})`;
}
