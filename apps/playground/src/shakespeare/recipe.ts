import type { GPTConfig } from '@kindling/models';

/** A model size the page offers: nanoGPT's architecture settings and the batch it trains on. */
export interface ModelSize {
  id: SizeId;
  label: string;
  /** The GPT's settings without `vocabSize`, which the corpus gives. */
  model: Omit<GPTConfig, 'vocabSize'>;
  batchSize: number;
  /** Batches per split when the page measures the train and val loss (nanoGPT's `eval_iters`). */
  evalIters: number;
}

export type SizeId = 'tiny' | 'char-cpu' | 'baby-gpt';

/*
 * nanoGPT's README trains shakespeare_char on a laptop CPU with `--block_size=64 --batch_size=12
 * --n_layer=4 --n_head=4 --n_embd=128 --max_iters=2000 --lr_decay_iters=2000 --dropout=0.0`; that
 * is the default here. `baby-gpt` is config/train_shakespeare_char.py itself, for a real GPU;
 * `tiny` is small enough for WebGPU on a CPU driver (SwiftShader), which is what the tests run on.
 */
export const MODEL_SIZES: Readonly<Record<SizeId, ModelSize>> = {
  tiny: {
    id: 'tiny',
    label: 'tiny: 2 layers, 2 heads, 32 wide, context 32',
    model: { nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 32, dropout: 0, bias: false },
    batchSize: 8,
    evalIters: 4,
  },
  'char-cpu': {
    id: 'char-cpu',
    label: "char-cpu: nanoGPT's laptop run (4 layers, 4 heads, 128 wide, context 64)",
    model: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, dropout: 0, bias: false },
    batchSize: 12,
    evalIters: 20,
  },
  'baby-gpt': {
    id: 'baby-gpt',
    label: 'baby GPT: train_shakespeare_char.py (6 layers, 6 heads, 384 wide, context 256)',
    model: { nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0.2, bias: false },
    batchSize: 64,
    evalIters: 200,
  },
};

export const DEFAULT_SIZE: SizeId = 'char-cpu';

/** nanoGPT's optimizer settings for shakespeare_char: AdamW with β2 0.99 (small batches), decay 0.1, clipping at 1. */
export const OPTIMIZER = Object.freeze({ betas: [0.9, 0.99] as const, weightDecay: 0.1, gradClip: 1.0 });

/** The learning-rate schedule: linear warmup, then cosine decay to `minLr` at `decaySteps`, then `minLr`. */
export interface LrSchedule {
  lr: number;
  minLr: number;
  warmupSteps: number;
  decaySteps: number;
}

/**
 * nanoGPT's `get_lr(it)`: `lr · (it + 1) / (warmup + 1)` during warmup, cosine from `lr` down to
 * `minLr` until `decaySteps`, and `minLr` after. `step` counts from 0, as nanoGPT's `iter_num`.
 */
export function learningRateAt(step: number, { lr, minLr, warmupSteps, decaySteps }: LrSchedule): number {
  if (step < warmupSteps) return (lr * (step + 1)) / (warmupSteps + 1);
  if (step > decaySteps) return minLr;
  const progress = decaySteps === warmupSteps ? 1 : (step - warmupSteps) / (decaySteps - warmupSteps);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (lr - minLr);
}
