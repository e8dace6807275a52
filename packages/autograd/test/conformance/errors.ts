import { findBackend, listBackends, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { gradcheck, noGrad, Variable } from '../../src/index.js';
import { expectGrad, floatDType, gradOf } from './helpers.js';

/** A second backend that starts here, for the mixed-device test (none when only `device` exists). */
function otherDevice(device: string): string | undefined {
  for (const { name } of listBackends()) {
    if (name === device) continue;
    try {
      findBackend(name);
      return name;
    } catch {
      // Not available on this machine: try the next one.
    }
  }
  return undefined;
}

/** Every error autograd raises, with its message. */
export function describeErrors(device: string): void {
  const leaf = (data: number[], requiresGrad = true) => new Variable(tensor(data, { dtype: floatDType(device), device }), { requiresGrad });

  describe('errors', () => {
    it('refuses backward on a non-scalar without a gradient', async () => {
      const y = leaf([1, 2]).mul(2);
      expect(() => y.backward()).toThrow(/single-element output, but this one has shape \[2\].*y\.backward\(gradient\)/);
    });

    it('refuses a gradient of the wrong shape', async () => {
      const y = leaf([1, 2]).mul(2);
      expect(() => y.backward(tensor([1, 2, 3], { dtype: floatDType(device), device }))).toThrow('backward: the gradient has shape [3] but the output has shape [2]');
    });

    it('refuses a second backward through a freed graph, without changing any gradient', async () => {
      const x = leaf([1, 2]);
      const y = x.exp().sum();
      y.backward();
      const before = await gradOf(x);
      expect(() => y.backward()).toThrow(/already freed.*pass \{ retainGraph: true \}/);
      await expectGrad(x, before);
    });

    it('refuses backward on a Variable that does not require grad', async () => {
      const y = noGrad(() => leaf([1]).mul(2));
      expect(() => y.backward()).toThrow(/does not require grad and has no gradFn.*noGrad/);
    });

    it('refuses requiresGrad on an integer Variable', async () => {
      expect(() => new Variable(tensor([1, 2], { dtype: 'int32', device }), { requiresGrad: true })).toThrow(
        /only floating-point Variables can require gradients, but this one is int32/,
      );
    });

    it('refuses to change requiresGrad on a non-leaf', async () => {
      const y = leaf([1]).mul(2);
      expect(() => (y.requiresGrad = false)).toThrow(/only be changed on a leaf Variable.*'mul'.*detach/);
    });

    it('refuses a non-Tensor as data', async () => {
      // @ts-expect-error: checking the runtime guard for untyped callers
      expect(() => new Variable([1, 2])).toThrow(/Variable: expected a Tensor, got object/);
    });

    it('refuses backward inputs that cannot receive a gradient', async () => {
      const x = leaf([1]);
      const y = x.mul(2).sum();
      expect(() => y.backward({ inputs: [x, leaf([1], false)] })).toThrow('backward: inputs[1] does not require grad');
      expect(() => y.backward({ inputs: [] })).toThrow(/inputs is empty/);
    });

    it('refuses retainGrad on a Variable that does not require grad', async () => {
      expect(() => leaf([1], false).retainGrad()).toThrow(/does not require grad, so it will never receive a gradient/);
    });

    it('refuses an async function in noGrad', async () => {
      expect(() => noGrad(async () => 1)).toThrow(/returned a Promise/);
    });

    it('passes on the tensor op error for invalid arguments', async () => {
      expect(() => leaf([1, 2]).matmul(leaf([1, 2, 3]))).toThrow(/matmul: cannot multiply \[2\] by \[3\]/);
      expect(() => leaf([1, 2]).sum(2)).toThrow(/dim 2 is out of range/);
    });

    it('gradcheck refuses inputs that are not float64', async () => {
      const x = new Variable(tensor([1, 2], { device }), { requiresGrad: true });
      await expect(gradcheck((v) => v.exp(), [x])).rejects.toThrow(/input 0 is float32.*float64.*\.double\(\)/);
    });

    const other = otherDevice(device);
    if (other !== undefined) {
      it(`refuses ops that mix devices ('${device}' and '${other}')`, async () => {
        const a = leaf([1, 2]);
        const b = new Variable(tensor([1, 2], { dtype: 'float32', device: other }), { requiresGrad: true });
        expect(() => a.add(b)).toThrow(/expected all tensors on the same device/);
        expect(() => a.mul(2).sum().backward(tensor(1, { dtype: 'float32', device: other }))).toThrow(/gradient is on device/);
      });
    }
  });
}
