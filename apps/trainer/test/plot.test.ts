import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { niceTicks, runCurves, runPlot } from '../src/plot.js';
import type { CnnTrainResult } from '../src/train-cnn.js';
import type { TrainResult } from '../src/train.js';
import { writeShortMnist } from './short-mnist.js';

const cli = new URL('../dist/cli.js', import.meta.url).pathname;
const workDir = mkdtempSync(join(tmpdir(), 'kindling-plot-'));
const dataDir = join(workDir, 'data');

beforeAll(() => {
  mkdirSync(dataDir);
  writeShortMnist(dataDir);
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** The SVG parsed as XML: any well-formedness error throws. */
function parseSvg(text: string) {
  const document = new DOMParser({
    onError: (level, message) => {
      throw new Error(`the SVG is not well-formed XML (${level}): ${message}`);
    },
  }).parseFromString(text, 'image/svg+xml');
  const svg = document.documentElement;
  if (!svg) throw new Error('the SVG has no root element');
  return svg;
}

type Points = [number, number][];

/** The points of both curves (the groups marked `data-series`), checked to lie inside the image. */
function curvesOf(svg: Element): { loss: Points; accuracy: Points } {
  const [width, height] = [Number(svg.getAttribute('width')), Number(svg.getAttribute('height'))];
  const curves = new Map<string, Points>();
  for (const group of Array.from(svg.getElementsByTagName('g'))) {
    const series = group.getAttribute('data-series');
    const polyline = group.getElementsByTagName('polyline')[0];
    if (series === null || polyline === undefined) continue;
    const points = (polyline.getAttribute('points') ?? '').split(' ').filter(Boolean).map((pair) => pair.split(',').map(Number) as [number, number]);
    for (const [x, y] of points) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(width);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(height);
    }
    expect(Number(group.getAttribute('data-points'))).toBe(points.length);
    curves.set(series, points);
  }
  expect([...curves.keys()].sort()).toEqual(['accuracy', 'loss']);
  return { loss: curves.get('loss') ?? [], accuracy: curves.get('accuracy') ?? [] };
}

const mlpResult = {
  backend: 'cpu',
  iterations: 300,
  batchSize: 128,
  testAccuracy: 93.5,
  log: [
    { step: 0, loss: 2.31, validationAccuracy: 9.8 },
    { step: 100, loss: 0.42, validationAccuracy: 88.1 },
    { step: 200, loss: 0.31, validationAccuracy: 91.4 },
    { step: 300, loss: 0.35, validationAccuracy: 92.9 },
  ],
} as TrainResult;

describe('runPlot', () => {
  it('draws the loss and the validation accuracy of a tutorial run as one SVG', () => {
    const svg = parseSvg(runPlot(mlpResult));
    expect(svg.tagName).toBe('svg');
    expect(svg.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
    expect(svg.getElementsByTagName('title')[0]?.textContent).toBe('kindling-train --model mlp on cpu: 300 steps of 128, test accuracy 93.50%');
    const { loss, accuracy } = curvesOf(svg);
    expect(loss).toHaveLength(4);
    expect(accuracy).toHaveLength(4);
    // Steps go left to right; a lower loss and a higher accuracy are drawn higher (smaller y).
    for (const points of [loss, accuracy]) expect(points.map(([x]) => x)).toEqual([...points.map(([x]) => x)].sort((a, b) => a - b));
    expect(accuracy[3]?.[1]).toBeLessThan(accuracy[0]?.[1] as number);
    expect(loss[2]?.[1]).toBeGreaterThan(loss[1]?.[1] as number);
  });

  it('places a cnn run’s test accuracy at the step that ended each epoch', () => {
    const cnn = {
      model: 'cnn',
      iterations: 25,
      testAccuracy: 97,
      testAccuracyPerEpoch: [95, 97],
      log: [0, 5, 10, 15, 20].map((step) => ({ step, loss: 1 / (step + 1), batchesPerEpoch: 20 })),
    } as CnnTrainResult;
    const [loss, accuracy] = runCurves(cnn);
    expect(loss.points.map(([step]) => step)).toEqual([0, 5, 10, 15, 20]);
    expect(accuracy).toMatchObject({ title: 'test accuracy (%)', points: [[20, 95], [25, 97]] });
  });

  it('draws the points of a run without steps and leaves out a NaN loss', () => {
    const single = { ...mlpResult, iterations: 0, log: [{ step: 0, loss: Number.NaN, validationAccuracy: 11 }] } as TrainResult;
    const { loss, accuracy } = curvesOf(parseSvg(runPlot(single)));
    expect(loss).toEqual([]);
    expect(accuracy).toHaveLength(1);
  });

  it('puts ticks at round numbers', () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 2.4)).toEqual([0, 0.5, 1, 1.5, 2]);
    expect(niceTicks(0, 4000)).toEqual([0, 1000, 2000, 3000, 4000]);
  });
});

describe('kindling-train --plot', () => {
  it('writes the run’s curves as an SVG, leaving no temporary file', () => {
    const outDir = join(workDir, 'out');
    mkdirSync(outDir);
    const path = join(outDir, 'curves.svg');
    const args = ['--backend', 'workers', '--data-dir', dataDir, '--no-verify', '--iters', '12', '--batch-size', '32', '--log-every', '4', '--plot', path];
    const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: workDir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`saved the curves to ${path}`);
    expect(readdirSync(outDir)).toEqual(['curves.svg']);
    const { loss, accuracy } = curvesOf(parseSvg(readFileSync(path, 'utf8')));
    // Steps 0, 4, 8 and 12 are logged.
    expect(loss).toHaveLength(4);
    expect(accuracy).toHaveLength(4);
  }, 120_000);
});
