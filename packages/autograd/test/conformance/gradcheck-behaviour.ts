import { manualSeed, rand, tensor } from '@kindling/tensor';
import { describe, expect, it } from 'vitest';
import { gradcheck, Variable } from '../../src/index.js';
import { values } from './helpers.js';

/** gradcheck itself: its verdicts, its messages, and that it leaves no trace (needs float64). */
export function gradcheckBehaviour(device: string): void {
  const leaf = (data: number[], requiresGrad = true) => new Variable(tensor(data, { dtype: 'float64', device }), { requiresGrad });

  describe('gradcheck', () => {
    it('names the input, the element and both values on a mismatch', async () => {
      // relu has gradient 0 at 0 but a central difference there of half the (random) projection weight.
      const inputs = [leaf([1, 2]), leaf([1, 0, -1])];
      await expect(gradcheck((a, b) => a.sum().add(b.relu().sum()), inputs)).rejects.toThrow(
        /gradient mismatch for input 1 \(shape \[3\]\) at flat index 1: analytic 0, numeric -?0\.\d+ \(allowed difference/,
      );
    });

    it('refuses when no input requires grad', async () => {
      await expect(gradcheck((v) => v.exp(), [leaf([1], false)])).rejects.toThrow(/no input requires grad/);
    });

    it('checks only the inputs that require grad, and passes for an output that ignores them', async () => {
      const used = leaf([1, 2]);
      const constant = leaf([3, 4], false);
      expect(await gradcheck((a, c) => a.mul(c), [used, constant])).toBe(true);
      expect(await gradcheck((a) => leaf([5]).mul(0).add(a.sum().mul(0)), [used])).toBe(true);
    });

    it('leaves .grad and the default generator as they were', async () => {
      const x = leaf([1, 2]);
      x.grad = tensor([7, 8], { dtype: 'float64', device });
      manualSeed(3);
      const expected = await values(rand([4]));
      manualSeed(3);
      await gradcheck((v) => v.exp(), [x]);
      expect(await values(rand([4]))).toEqual(expected);
      expect(await values(x.grad)).toEqual([7, 8]);
    });
  });
}
