import type { CnnTrainResult } from './train-cnn.js';
import type { TrainResult } from './train.js';

/** One curve of a plot: (step, value) points in order of step. */
export interface Curve {
  /** What is plotted, for the panel's title (`training loss`). */
  title: string;
  /** `loss` or `accuracy`: the `data-series` of its group in the SVG. */
  series: 'loss' | 'accuracy';
  color: string;
  points: readonly (readonly [step: number, value: number])[];
  /** The lowest and highest values the axis must show, widened to fit the points (accuracy: 0 to 100). */
  range?: readonly [number, number];
}

/** The curves of a finished run: the training loss, and the validation (mlp) or test (cnn) accuracy. */
export function runCurves(result: TrainResult | CnnTrainResult): [Curve, Curve] {
  const loss: Curve = { title: 'training loss', series: 'loss', color: '#d9480f', points: result.log.map((entry) => [entry.step, entry.loss]) };
  if (!('model' in result)) {
    const points = result.log.map((entry) => [entry.step, entry.validationAccuracy] as const);
    return [loss, { title: 'validation accuracy (%)', series: 'accuracy', color: '#1971c2', points, range: [0, 100] }];
  }
  // main.py measures the test set after each epoch: at the step that ended it (or the last, if cut short).
  const batchesPerEpoch = result.log[0]?.batchesPerEpoch ?? 0;
  const points = result.testAccuracyPerEpoch.map((accuracy, i) => [Math.min((i + 1) * batchesPerEpoch, result.iterations), accuracy] as const);
  return [loss, { title: 'test accuracy (%)', series: 'accuracy', color: '#1971c2', points: points.length > 0 ? points : [[0, result.testAccuracy]], range: [0, 100] }];
}

const PANEL = { width: 460, height: 300, left: 58, right: 18, top: 38, bottom: 46 } as const;
const CAPTION_HEIGHT = 30;
/** Above this many points a curve is a line only; below, each point also gets a dot. */
const MAX_DOTS = 60;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The distance between round ticks (1, 2 or 5 times a power of ten) that split [lo, hi] into about `count` parts. */
function tickSpacing(lo: number, hi: number, count = 5): number {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

/** Round tick positions covering [lo, hi]. */
export function niceTicks(lo: number, hi: number): number[] {
  const spacing = tickSpacing(lo, hi);
  const ticks: number[] = [];
  for (let i = Math.ceil(lo / spacing - 1e-9); i * spacing <= hi + spacing * 1e-9; i++) ticks.push(Number((i * spacing).toPrecision(12)));
  return ticks;
}

/** The axis extent: `range` widened to the values (and to 0, if asked), then out to whole ticks; never empty. */
function extent(values: readonly number[], range: readonly [number, number] | undefined, fromZero: boolean): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(range?.[0] ?? Number.POSITIVE_INFINITY, fromZero ? 0 : Number.POSITIVE_INFINITY, ...finite);
  let hi = Math.max(range?.[1] ?? Number.NEGATIVE_INFINITY, ...finite);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (hi - lo < 1e-12) hi = lo + 1;
  const spacing = tickSpacing(lo, hi);
  return [Math.floor(lo / spacing + 1e-9) * spacing, Math.ceil(hi / spacing - 1e-9) * spacing];
}

function tickLabel(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
}

/** One panel: axes, grid, ticks, the curve and its title, with its top-left corner at (x0, 0). */
function panel(curve: Curve, x0: number): string {
  const plotWidth = PANEL.width - PANEL.left - PANEL.right;
  const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
  const [xLo, xHi] = extent(curve.points.map(([step]) => step), undefined, true);
  const [yLo, yHi] = extent(curve.points.map(([, value]) => value), curve.range, curve.series === 'loss');
  const x = (step: number) => x0 + PANEL.left + ((step - xLo) / (xHi - xLo)) * plotWidth;
  const y = (value: number) => PANEL.top + (1 - (value - yLo) / (yHi - yLo)) * plotHeight;
  const parts: string[] = [`<text x="${x0 + PANEL.left}" y="22" font-size="14" font-weight="600">${escapeXml(curve.title)}</text>`];
  for (const tick of niceTicks(yLo, yHi)) {
    parts.push(`<line x1="${x0 + PANEL.left}" x2="${x0 + PANEL.left + plotWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e9ecef"/>`);
    parts.push(`<text x="${x0 + PANEL.left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${tickLabel(tick)}</text>`);
  }
  for (const tick of niceTicks(xLo, xHi)) {
    parts.push(`<line x1="${x(tick).toFixed(1)}" x2="${x(tick).toFixed(1)}" y1="${PANEL.top + plotHeight}" y2="${PANEL.top + plotHeight + 4}" stroke="#495057"/>`);
    parts.push(`<text x="${x(tick).toFixed(1)}" y="${PANEL.top + plotHeight + 17}" text-anchor="middle">${tickLabel(tick)}</text>`);
  }
  parts.push(`<rect x="${x0 + PANEL.left}" y="${PANEL.top}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#495057"/>`);
  parts.push(`<text x="${x0 + PANEL.left + plotWidth / 2}" y="${PANEL.height - 8}" text-anchor="middle">step</text>`);
  const drawn = curve.points.filter(([, value]) => Number.isFinite(value));
  const coordinates = drawn.map(([step, value]) => `${x(step).toFixed(2)},${y(value).toFixed(2)}`);
  const dots = drawn.length <= MAX_DOTS ? coordinates.map((point) => `<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="2.5" fill="${curve.color}"/>`) : [];
  parts.push(
    `<g data-series="${curve.series}" data-points="${drawn.length}"><polyline points="${coordinates.join(' ')}" fill="none" stroke="${curve.color}" stroke-width="2" stroke-linejoin="round"/>${dots.join('')}</g>`,
  );
  return parts.join('\n');
}

/**
 * A self-contained SVG of two curves side by side (no scripts, fonts or links: any browser or
 * image viewer shows it), with `caption` under them and as its title.
 */
export function curvesSvg(curves: readonly [Curve, Curve], caption: string): string {
  const width = 2 * PANEL.width;
  const height = PANEL.height + CAPTION_HEIGHT;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12" fill="#212529">`,
    `<title>${escapeXml(caption)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    panel(curves[0], 0),
    panel(curves[1], PANEL.width),
    `<text x="${PANEL.left}" y="${height - 10}" fill="#495057">${escapeXml(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** The plot `--plot` writes: the run's curves, captioned with the model, backend and result. */
export function runPlot(result: TrainResult | CnnTrainResult): string {
  const caption = `kindling-train --model ${'model' in result ? 'cnn' : 'mlp'} on ${result.backend}: ${result.iterations} steps of ${result.batchSize}, test accuracy ${result.testAccuracy.toFixed(2)}%`;
  return curvesSvg(runCurves(result), caption);
}
