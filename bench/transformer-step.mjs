// A transformer encoder layer's training step on one Kindling backend, as
// bench/pytorch_sequence_steps.py --model transformer times it in PyTorch: batch 32, 128 tokens,
// width 256, 4 heads, feed-forward 1024, post-norm, dropout 0, batch first; forward, the mean
// squared error against a fixed target, backward and an SGD (lr 0.01) update. The loss is read back
// every step, as PyTorch's step finishes before the next begins.
//
// Usage: node bench/transformer-step.mjs --backend workers [--iters 30]; prints one JSON object.
import { parseArgs } from 'node:util';
import { functional as F, TransformerEncoderLayer } from '@kindling/nn';
import { SGD } from '@kindling/optim';
import { manualSeed, randn, setBackend } from '@kindling/tensor';
import { registerBackends } from '@kindling/trainer';
import { msPerStep } from './timing.mjs';

const BATCH = 32;
const TOKENS = 128;
const WIDTH = 256;
const HEADS = 4;

const { values } = parseArgs({ options: { backend: { type: 'string' }, iters: { type: 'string', default: '30' } } });
const iters = Number(values.iters);
registerBackends();
const backend = await setBackend(values.backend ?? 'cpu');
manualSeed(1);

const layer = new TransformerEncoderLayer(WIDTH, HEADS, { dimFeedforward: 4 * WIDTH, dropout: 0, batchFirst: true });
const optimizer = new SGD(layer.parameters(), { lr: 0.01 });
const input = randn(BATCH, TOKENS, WIDTH).keep();
const target = randn(BATCH, TOKENS, WIDTH).keep();
const stepMs = [];
let loss = Number.NaN;
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  const mse = F.mseLoss(layer.forward(input), target);
  optimizer.zeroGrad();
  mse.backward();
  await optimizer.step();
  loss = await mse.item();
  stepMs.push(performance.now() - t0);
}

console.log(
  JSON.stringify({
    backend: backend.name,
    model: `TransformerEncoderLayer(${WIDTH}, ${HEADS}, dimFeedforward ${4 * WIDTH}), batch ${BATCH}, ${TOKENS} tokens`,
    iterations: stepMs.length,
    msPerStep: msPerStep(stepMs),
    minMs: Math.min(...stepMs),
    finalLoss: loss,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
