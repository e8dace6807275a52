// A 2-layer LSTM's training step on one Kindling backend, as bench/pytorch_lstm_step.py times it in
// PyTorch: batch 32, 64 steps, input and hidden size 256, seq-first; forward, the mean squared
// error against a fixed target, backward and an SGD (lr 0.01) update. The loss is read back every
// step, as PyTorch's step finishes before the next begins.
//
// Usage: node bench/lstm-step.mjs --backend workers [--iters 30]; prints one JSON object.
import { parseArgs } from 'node:util';
import { functional as F, LSTM } from '@kindling/nn';
import { SGD } from '@kindling/optim';
import { manualSeed, randn, setBackend, tidy } from '@kindling/tensor';
import { registerBackends } from '@kindling/trainer';
import { msPerStep } from './timing.mjs';

const SEQ = 64;
const BATCH = 32;
const FEATURES = 256;
const HIDDEN = 256;

const { values } = parseArgs({ options: { backend: { type: 'string' }, iters: { type: 'string', default: '30' } } });
const iters = Number(values.iters);
registerBackends();
const backend = await setBackend(values.backend ?? 'cpu');
manualSeed(1);

const lstm = new LSTM(FEATURES, HIDDEN, { numLayers: 2 });
const optimizer = new SGD(lstm.parameters(), { lr: 0.01 });
const input = randn(SEQ, BATCH, FEATURES).keep();
const target = randn(SEQ, BATCH, HIDDEN).keep();
const stepMs = [];
let loss = Number.NaN;
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  const value = tidy(() => {
    const [output] = lstm.forward(input);
    const mse = F.mseLoss(output, target);
    mse.backward();
    return mse.data;
  });
  await optimizer.step();
  optimizer.zeroGrad();
  loss = Number(await value.item());
  value.dispose();
  stepMs.push(performance.now() - t0);
}

console.log(
  JSON.stringify({
    backend: backend.name,
    model: `LSTM(${FEATURES}, ${HIDDEN}, numLayers=2), seq ${SEQ}, batch ${BATCH}`,
    iterations: stepMs.length,
    msPerStep: msPerStep(stepMs),
    minMs: Math.min(...stepMs),
    finalLoss: loss,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
