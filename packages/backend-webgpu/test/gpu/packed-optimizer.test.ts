import { tensor } from '@kindling/tensor';
import { Adadelta, Adagrad, Adam, AdamW, RMSprop, SGD, type OptimizableParameter, type Optimizer } from '@kindling/optim';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWebGpuBackend, type WebGpuBackend } from '../../src/index.js';
import { useWebGpu } from './use-webgpu.js';

/*
 * A packed parameter group is one optimizer dispatch however many parameters it holds: the
 * gradients are lined up by copy commands, which are not dispatches.
 */

registerWebGpuBackend();

const SHAPES = [[16, 8], [16], [4, 16], [4], [3, 3, 3]];

function parameter(shape: number[], seed: number): OptimizableParameter {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: size }, (_, i) => Math.sin(seed * 7.1 + i));
  return { data: tensor(values, { shape, device: 'webgpu' }), grad: null, requiresGrad: true };
}

const OPTIMIZERS: [string, (ps: OptimizableParameter[]) => Optimizer<{ lr: number }>][] = [
  ['SGD with momentum', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 })],
  ['Adam with amsgrad', (ps) => new Adam(ps, { amsgrad: true })],
  ['AdamW', (ps) => new AdamW(ps)],
  ['Adadelta', (ps) => new Adadelta(ps)],
  ['RMSprop centered', (ps) => new RMSprop(ps, { centered: true, momentum: 0.5 })],
  ['Adagrad', (ps) => new Adagrad(ps)],
];

describe('packed optimizer groups on webgpu', () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await useWebGpu();
  });

  it.each(OPTIMIZERS)('%s updates five parameters with one dispatch a step', async (_name, make) => {
    const ps = SHAPES.map((shape, i) => parameter(shape, i));
    const optimizer = make(ps);
    const step = async (): Promise<number> => {
      ps.forEach((p, i) => {
        p.grad?.dispose();
        p.grad = tensor(Array.from({ length: p.data.numel() }, (_, j) => Math.cos(i + j)), { shape: [...p.data.shape], device: 'webgpu' });
      });
      const before = backend.stats().dispatches;
      await optimizer.step();
      return backend.stats().dispatches - before;
    };
    await step();
    expect(new Set(ps.map((p) => p.data.storage)).size).toBe(1);
    expect(await step()).toBe(1);
    expect(await step()).toBe(1);
    optimizer.dispose();
  });
});
