import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** One line of a chart. */
export interface SeriesOptions {
  label: string;
  stroke: string;
  /** The y scale it is drawn against (default 'y'); a second scale gets its own axis on the right. */
  scale?: string;
  /** The y extent: fixed, or from 0 to a little above the highest value (default: fitted to the values). */
  range?: readonly [number, number] | 'from-zero';
  /** Values come at some steps only (null at the others): drawn as dots joined across the gaps. */
  sparse?: boolean;
}

const HEIGHT = 190;
/** Room for y tick labels up to five digits with a thousands separator. */
const AXIS_SIZE = 64;

function scaleRange(range: SeriesOptions['range']): uPlot.Scale.Range | undefined {
  if (range === 'from-zero') return (_plot, _min, max) => [0, max > 0 ? max * 1.05 : 1];
  return range === undefined ? undefined : [range[0], range[1]];
}

/**
 * A line chart against the training step that grows as points arrive, redrawn at most once per
 * frame. Its element carries `data-points`, the number of points drawn, for tests and tools.
 */
export class LiveChart {
  private readonly plot: uPlot;
  private readonly columns: [steps: number[], ...values: (number | null)[][]];
  private redraw = 0;

  constructor(
    private readonly element: HTMLElement,
    title: string,
    series: readonly SeriesOptions[],
  ) {
    this.columns = [[], ...series.map(() => [])];
    const scaleNames = [...new Set(series.map((s) => s.scale ?? 'y'))];
    const scales: uPlot.Scales = { x: { time: false } };
    for (const s of series) {
      const range = scaleRange(s.range);
      if (range !== undefined) scales[s.scale ?? 'y'] = { range };
    }
    this.plot = new uPlot(
      {
        title,
        width: this.width(),
        height: HEIGHT,
        scales,
        legend: { live: false },
        axes: [
          { label: 'step' },
          ...scaleNames.map((scale, i) => ({
            scale,
            side: i === 0 ? 3 : 1,
            size: AXIS_SIZE,
            grid: { show: i === 0 },
            // With two scales, each axis says whose it is.
            ...(scaleNames.length > 1 ? { label: series.filter((s) => (s.scale ?? 'y') === scale).map((s) => s.label).join(', ') } : {}),
          })),
        ],
        series: [
          { label: 'step' },
          ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2, scale: s.scale ?? 'y', ...(s.sparse ? { spanGaps: true, points: { show: true } } : {}) })),
        ],
      },
      this.columns as uPlot.AlignedData,
      element,
    );
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: HEIGHT })).observe(element);
    this.element.dataset['points'] = '0';
  }

  /** Adds the point of `step`: one value per series (null for none, in a sparse series). */
  push(step: number, ...values: (number | null)[]): void {
    const [steps, ...series] = this.columns;
    steps.push(step);
    values.forEach((value, i) => series[i]?.push(value));
    this.element.dataset['points'] = String(this.points);
    this.redraw ||= requestAnimationFrame(() => {
      this.redraw = 0;
      this.draw();
    });
  }

  get points(): number {
    return this.columns[0]?.length ?? 0;
  }

  clear(): void {
    for (const column of this.columns) column.length = 0;
    this.element.dataset['points'] = '0';
    this.draw();
  }

  /** The data drawn, with the step axis from 0 to the last step (not fitted around a lone point). */
  private draw(): void {
    this.plot.batch(() => {
      this.plot.setData(this.columns as uPlot.AlignedData);
      this.plot.setScale('x', { min: 0, max: Math.max(1, this.columns[0]?.at(-1) ?? 1) });
    });
  }

  private width(): number {
    return Math.max(280, this.element.clientWidth);
  }
}
