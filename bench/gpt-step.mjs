// nanoGPT's `char-cpu` training iteration on one Kindling backend, as bench/pytorch_sequence_steps.py
// --model gpt times it in PyTorch: a GPT of 4 layers, 4 heads, width 128, context 64, no biases,
// dropout 0, on batches of 12 drawn from tiny Shakespeare; forward, backward, gradient clipping at
// 1.0 and AdamW (lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on the matrices only), as nanoGPT's
// train.py. The loss is read back every iteration.
//
// Usage: node bench/gpt-step.mjs --backend workers [--iters 60]; prints one JSON object.
import { parseArgs } from 'node:util';
import { CharTokenizer, splitTrainVal, TextBatchSampler, tinyShakespeare } from '@kindling/data-text';
import { GPT } from '@kindling/models';
import { utils } from '@kindling/nn';
import { AdamW } from '@kindling/optim';
import { Generator, manualSeed, setBackend } from '@kindling/tensor';
import { registerBackends } from '@kindling/trainer';
import { msPerStep } from './timing.mjs';

const CONFIG = { blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, bias: false };
const BATCH = 12;

const { values } = parseArgs({ options: { backend: { type: 'string' }, iters: { type: 'string', default: '60' } } });
const iters = Number(values.iters);
registerBackends();
const backend = await setBackend(values.backend ?? 'cpu');
manualSeed(1337);

const text = await tinyShakespeare();
const tokenizer = CharTokenizer.fromText(text);
const { train } = splitTrainVal(tokenizer.encode(text));
const batches = new TextBatchSampler(train, { blockSize: CONFIG.blockSize, batchSize: BATCH, generator: new Generator(1337) });
const model = new GPT({ ...CONFIG, vocabSize: tokenizer.vocabSize });
const parameters = model.parameters();
const optimizer = new AdamW(
  [
    { params: parameters.filter((p) => p.ndim >= 2), weightDecay: 0.1 },
    { params: parameters.filter((p) => p.ndim < 2), weightDecay: 0 },
  ],
  { lr: 1e-3, betas: [0.9, 0.99] },
);
const stepMs = [];
let loss = Number.NaN;
for (let i = 0; i < iters; i++) {
  const t0 = performance.now();
  const { x, y } = batches.next();
  const [, batchLoss] = model.forward(x, y);
  optimizer.zeroGrad();
  batchLoss?.backward();
  utils.clipGradNorm(parameters, 1.0);
  await optimizer.step();
  loss = (await batchLoss?.item()) ?? Number.NaN;
  x.dispose();
  y.dispose();
  stepMs.push(performance.now() - t0);
}

const ms = msPerStep(stepMs);
console.log(
  JSON.stringify({
    backend: backend.name,
    model: `GPT(nLayer 4, nHead 4, nEmbd 128, blockSize 64), batch ${BATCH}`,
    iterations: stepMs.length,
    msPerStep: ms,
    tokensPerSecond: (BATCH * CONFIG.blockSize * 1000) / ms,
    minMs: Math.min(...stepMs),
    finalLoss: loss,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
