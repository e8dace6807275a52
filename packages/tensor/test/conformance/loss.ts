import { describe, expect, it } from 'vitest';
import { crossEntropy, crossEntropyBackward, getBackend, Generator, tensor, type LossReduction } from '../../src/index.js';
import { expectValues } from './harness.js';

/** Each row's loss and softmax computed naively in float64, the reference for the fused kernels. */
function reference(logits: number[][], targets: number[], ignoreIndex: number): { losses: number[]; probabilities: number[][]; kept: number } {
  const losses: number[] = [];
  const probabilities: number[][] = [];
  let kept = 0;
  logits.forEach((row, i) => {
    const max = Math.max(...row);
    const sum = row.reduce((s, x) => s + Math.exp(x - max), 0);
    probabilities.push(row.map((x) => Math.exp(x - max) / sum));
    const label = targets[i] as number;
    if (label === ignoreIndex) {
      losses.push(0);
      return;
    }
    kept++;
    losses.push(max + Math.log(sum) - (row[label] as number));
  });
  return { losses, probabilities, kept };
}

function expectedGradient(logits: number[][], targets: number[], ignoreIndex: number, reduction: LossReduction, g: number[]): number[] {
  const { probabilities, kept } = reference(logits, targets, ignoreIndex);
  return probabilities.flatMap((row, i) => {
    const label = targets[i] as number;
    if (label === ignoreIndex) return row.map(() => 0);
    const scale = reduction === 'none' ? (g[i] as number) : reduction === 'sum' ? (g[0] as number) : (g[0] as number) / kept;
    return row.map((p, j) => scale * (p - (j === label ? 1 : 0)));
  });
}

function randomRows(rows: number, classes: number, seed: number): number[][] {
  const generator = new Generator(seed);
  return Array.from({ length: rows }, () => Array.from({ length: classes }, () => generator.normal() * 3));
}

export function lossSuite(): void {
  describe('crossEntropy (fused)', () => {
    const logits = [
      [2, 0, -1],
      [1000, 1001, 999],
      [0.5, 0.5, 0.5],
      [-3, 4, 1],
    ];
    const targets = [0, 1, -100, 2];
    const ignoreIndex = -100;
    const x = () => tensor(logits);
    const t = () => tensor(targets, { dtype: 'int32' });

    it('gives each row logsumexp − the target logit, stably, with ignored rows 0', async () => {
      const { losses, kept } = reference(logits, targets, ignoreIndex);
      await expectValues(crossEntropy(x(), t(), { reduction: 'none' }), losses, { shape: [4] });
      await expectValues(crossEntropy(x(), t(), { reduction: 'sum' }), [losses.reduce((a, b) => a + b)], { shape: [] });
      await expectValues(crossEntropy(x(), t()), [losses.reduce((a, b) => a + b) / kept], { shape: [] });
    });

    it('reads strided logits (a transposed view) and a custom ignoreIndex', async () => {
      const columns = tensor(logits).transpose(0, 1).contiguous().transpose(0, 1);
      expect(columns.isContiguous()).toBe(false);
      const custom = [0, 1, 2, 1];
      const { losses } = reference(logits, custom, 1);
      await expectValues(crossEntropy(columns, tensor(custom, { dtype: 'int32' }), { reduction: 'none', ignoreIndex: 1 }), losses);
    });

    it("is NaN for a 'mean' over nothing but ignored rows, and 0 for their 'sum'", async () => {
      const ignored = tensor([-100, -100], { dtype: 'int32' });
      await expectValues(crossEntropy(tensor([[1, 2], [3, 4]]), ignored), [Number.NaN]);
      await expectValues(crossEntropy(tensor([[1, 2], [3, 4]]), ignored, { reduction: 'sum' }), [0]);
      await expectValues(crossEntropy(tensor([[1, 2], [3, 4]]).narrow(0, 0, 0), tensor([], { dtype: 'int32' }), { reduction: 'none' }), [], { shape: [0] });
    });

    it.each(['none', 'sum', 'mean'] as const)("backward with reduction '%s' is g · (softmax − onehot), zero where ignored", async (reduction) => {
      const g = reduction === 'none' ? [0.5, -2, 3, 1.5] : [0.75];
      const gradOutput = reduction === 'none' ? tensor(g) : tensor(g[0] as number);
      const gradient = crossEntropyBackward(x(), t(), gradOutput, { reduction });
      await expectValues(gradient, expectedGradient(logits, targets, ignoreIndex, reduction, g), { shape: [4, 3] });
    });

    it('agrees with the reference at the tutorial size (128 rows of 10 classes)', async () => {
      const rows = randomRows(128, 10, 11);
      const labels = rows.map((_, i) => (i * 7) % 10);
      const { losses, kept } = reference(rows, labels, -100);
      await expectValues(crossEntropy(tensor(rows), tensor(labels, { dtype: 'int32' })), [losses.reduce((a, b) => a + b) / kept], { tolerance: 1e-5 });
      const gradient = crossEntropyBackward(tensor(rows), tensor(labels, { dtype: 'int32' }), tensor(1), {});
      await expectValues(gradient, expectedGradient(rows, labels, -100, 'mean', [1]), { tolerance: 1e-5 });
    });

    it('names shapes, dtypes and options in its errors', async () => {
      expect(() => crossEntropy(tensor([1, 2]), t())).toThrow('crossEntropy: expected logits of shape [N, C] with at least one class, got [2]');
      expect(() => crossEntropy(x(), tensor([0, 1, 2]))).toThrow('crossEntropy: index must be an int32 tensor, got float32; convert it with index.int()');
      expect(() => crossEntropy(x(), tensor([0, 1], { dtype: 'int32' }))).toThrow('crossEntropy: logits [4, 3] need a target of shape [4], got [2]');
      expect(() => crossEntropy(x(), t(), { reduction: 'avg' as LossReduction })).toThrow(`crossEntropy: reduction must be 'mean', 'sum' or 'none', got "avg"`);
      expect(() => crossEntropy(x(), t(), { ignoreIndex: 0.5 })).toThrow('crossEntropy: ignoreIndex must be an integer, got 0.5');
      expect(() => crossEntropyBackward(x(), t(), tensor([1, 2]), { reduction: 'mean' })).toThrow(
        "crossEntropyBackward: with reduction 'mean' the gradient must be float32 of shape [], got float32 [2]",
      );
      const outOfRange = () => crossEntropy(x(), tensor([0, 3, 1, 1], { dtype: 'int32' }), { reduction: 'none' });
      if (getBackend().synchronous) {
        expect(outOfRange).toThrow('crossEntropy: target 3 is out of range for 3 classes (valid: 0 to 2, or ignoreIndex -100)');
      } else {
        // An asynchronous backend cannot read the targets during the call; its kernel marks the bad row with NaN instead.
        const values = Array.from(await outOfRange().data());
        expect(values[1]).toBeNaN();
        expect(values.filter(Number.isNaN)).toHaveLength(1);
      }
    });
  });
}
