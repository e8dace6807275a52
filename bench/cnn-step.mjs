// The cnn's training step on one Kindling backend, as `pnpm bench` compares it with PyTorch: batches
// of 64 normalised MNIST images, ConvNet's forward, the negative log-likelihood, backward and an
// Adadelta (lr 1.0) update. No test pass: only the steps are timed.
//
// Usage: node bench/cnn-step.mjs --backend workers [--iters 30]; prints one JSON object.
import { parseArgs } from 'node:util';
import { DataLoader } from '@kindling/data';
import { MNIST } from '@kindling/data-mnist';
import { functional as F } from '@kindling/nn';
import { Adadelta } from '@kindling/optim';
import { manualSeed, setBackend, tidy } from '@kindling/tensor';
import { ConvNet, registerBackends } from '@kindling/trainer';
import { msPerStep } from './timing.mjs';

const { values } = parseArgs({ options: { backend: { type: 'string' }, iters: { type: 'string', default: '30' } } });
const iters = Number(values.iters);
registerBackends();
const backend = await setBackend(values.backend ?? 'cpu');
manualSeed(1);

const dataset = (await MNIST.load({ train: true, normalize: true })).asTensorDataset();
const loader = new DataLoader(dataset, { batchSize: 64, shuffle: true });
const net = new ConvNet();
const optimizer = new Adadelta(net.parameters(), { lr: 1.0 });
const stepMs = [];
let loss = Number.NaN;
const started = performance.now();
for await (const [images, labels] of loader) {
  const t0 = performance.now();
  const output = tidy(() => {
    const nll = F.nllLoss(net.forward(images), labels);
    nll.backward();
    return nll.data;
  });
  await optimizer.step();
  optimizer.zeroGrad();
  images.dispose();
  labels.dispose();
  // Read back every step, as PyTorch's step finishes before the next begins.
  loss = Number(await output.item());
  output.dispose();
  stepMs.push(performance.now() - t0);
  if (stepMs.length === iters) break;
}
const trainSeconds = (performance.now() - started) / 1000;

console.log(
  JSON.stringify({
    backend: backend.name,
    iterations: stepMs.length,
    batchSize: 64,
    trainSeconds,
    msPerStep: msPerStep(stepMs),
    finalLoss: loss,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
process.exit(0);
