import { describe, expect, it } from 'vitest';
import { bernoulli, full, Generator, manualSeed, multinomial, rand, randint, randn, tensor, type Tensor } from '../../src/index.js';

async function values(t: Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function mean(list: readonly number[]): number {
  return list.reduce((a, b) => a + b, 0) / list.length;
}

/** Random numbers drawn on the device from Philox streams: the same on every backend, and sampling from them. */
export function randomSuite(): void {
  describe('random numbers on the device', () => {
    it("draws the cpu backend's numbers from the same seed: uniform and integers bit for bit, normal within float32 rounding", async () => {
      const draw = async (device?: string): Promise<[number[], number[], number[]]> => {
        manualSeed(11);
        return [await values(rand([333], { device })), await values(randint(-5, 1000, [333], { device })), await values(randn([333], { device }))];
      };
      const [uniform, integers, normal] = await draw();
      const [cpuUniform, cpuIntegers, cpuNormal] = await draw('cpu');
      expect(uniform).toEqual(cpuUniform);
      expect(integers).toEqual(cpuIntegers);
      normal.forEach((value, i) => expect(Math.abs(value - (cpuNormal[i] as number))).toBeLessThan(1e-5));
    });

    it('takes a new stream on every call, repeats them after manualSeed, and gives each Generator its own', async () => {
      manualSeed(3);
      const first = await values(rand([8]));
      const second = await values(rand([8]));
      expect(first).not.toEqual(second);
      manualSeed(3);
      expect(await values(rand([8]))).toEqual(first);
      const generator = new Generator(3);
      expect(await values(rand([8], { generator }))).toEqual(first);
      expect(await values(rand([8]))).toEqual(second);
    });

    it('has the moments of its distributions and stays in range', async () => {
      manualSeed(5);
      const uniform = await values(rand([20000]));
      expect(Math.min(...uniform)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...uniform)).toBeLessThan(1);
      expect(Math.abs(mean(uniform) - 0.5)).toBeLessThan(0.01);
      const normal = await values(randn([20000]));
      const m = mean(normal);
      expect(Math.abs(m)).toBeLessThan(0.03);
      expect(Math.abs(mean(normal.map((v) => (v - m) ** 2)) - 1)).toBeLessThan(0.04);
      const dice = await values(randint(1, 7, [6000]));
      for (let face = 1; face <= 6; face++) expect(Math.abs(dice.filter((d) => d === face).length - 1000)).toBeLessThan(120);
    });

    it('draws bernoulli trials in the probabilities dtype', async () => {
      manualSeed(6);
      const probs = tensor([0, 1, 0.3]).reshape([3, 1]).expand(3, 4000).contiguous();
      const trials = bernoulli(probs);
      expect(trials.dtype).toBe('float32');
      const rows = (await trials.array()) as number[][];
      expect(mean(rows[0] as number[])).toBe(0);
      expect(mean(rows[1] as number[])).toBe(1);
      expect(Math.abs(mean(rows[2] as number[]) - 0.3)).toBeLessThan(0.03);
    });

    it('samples multinomial categories in proportion to their weights, never a zero-weight one', async () => {
      manualSeed(7);
      const weights = tensor([[0, 2, 1, 1], [5, 0, 0, 0]]);
      const draws = multinomial(weights, 4000, { replacement: true });
      expect(draws.shape).toEqual([2, 4000]);
      expect(draws.dtype).toBe('int32');
      const [first, second] = (await draws.array()) as number[][];
      const share = (category: number): number => (first ?? []).filter((c) => c === category).length / 4000;
      expect(share(0)).toBe(0);
      expect(Math.abs(share(1) - 0.5)).toBeLessThan(0.03);
      expect(Math.abs(share(2) - 0.25)).toBeLessThan(0.03);
      expect(new Set(second)).toEqual(new Set([0]));
    });

    it('samples without replacement: distinct categories, zero weights only once the others are used up', async () => {
      manualSeed(8);
      const drawn = (await multinomial(tensor([0.1, 0, 0.6, 0.3, 0]), 3).array()) as number[];
      expect([...drawn].sort()).toEqual([0, 2, 3]);
      const all = (await multinomial(full([6], 1), 6).array()) as number[];
      expect([...all].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(() => multinomial(tensor([0.5, 0.5]), 3)).toThrow(/cannot draw 3 samples without replacement from 2 categories/);
      expect(() => multinomial(tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(/multinomial: probabilities must be a floating-point tensor/);
    });
  });
}
