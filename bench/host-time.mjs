// Host time of a training step on webgpu, eager against compile(): per step of the tutorial MLP
// (Adam, batch 64), examples/mnist's CNN (Adadelta, batch 64) and one pre-norm transformer block
// (batch 8, 32 tokens, width 64, 4 heads, AdamW), the dispatches and submissions the backend
// counts and the host's µs from the step's call until its kernels are submitted, less the time
// spent in the queue's submit (stats().submitMs). The GPU is idle
// while the host records (each step waits for the one before), so on Dawn over SwiftShader, which
// runs the GPU's work on these same cores, the host figures are the host's alone; SwiftShader says
// nothing of GPU speed.
//
// Each step starts after a garbage collection, which would otherwise fall in some step's timing.
//
// Usage: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json node bench/host-time.mjs
//   [--steps 30] [--json]; prints a markdown table (or one JSON object).
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { compile } from '@kindling/autograd';
import { ConvNet, Net } from '@kindling/models';
import { functional as F, Linear, Module, Transformer, TransformerEncoderLayer } from '@kindling/nn';
import { Adadelta, Adam, AdamW } from '@kindling/optim';
import { findBackend, manualSeed, randint, randn, setBackend } from '@kindling/tensor';
import { registerBackends } from '@kindling/trainer';
import { median } from './timing.mjs';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '30' }, json: { type: 'boolean', default: false } } });
const steps = Number(values.steps);
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');
registerBackends();
await setBackend('webgpu');
const backend = findBackend('webgpu');

class Block extends Module {
  block = new TransformerEncoderLayer(64, 4, { dimFeedforward: 256, dropout: 0.1, batchFirst: true, normFirst: true });
  head = new Linear(64, 65);
  forward(x) {
    return this.head.forward(this.block.forward(x, { srcMask: Transformer.generateSquareSubsequentMask(32), isCausal: true }));
  }
}

const models = {
  'tutorial MLP (Adam, batch 64)': () => {
    const net = new Net();
    return { net, optimizer: new Adam(net.parameters(), { lr: 1e-3 }), batch: () => [randn([64, 784]), randint(0, 10, [64])], loss: (out, y) => F.crossEntropy(out, y) };
  },
  'examples/mnist CNN (Adadelta, batch 64)': () => {
    const net = new ConvNet();
    return { net, optimizer: new Adadelta(net.parameters(), { lr: 1 }), batch: () => [randn([64, 1, 28, 28]), randint(0, 10, [64])], loss: (out, y) => F.nllLoss(out, y) };
  },
  'pre-norm transformer block (AdamW, 8×32×64)': () => {
    const net = new Block();
    return { net, optimizer: new AdamW(net.parameters(), { lr: 1e-3 }), batch: () => [randn([8, 32, 64]), randint(0, 65, [8, 32])], loss: (out, y) => F.crossEntropy(out.reshape([-1, 65]), y.reshape([-1])) };
  },
};

/** Per step after the first three (warm-up, capture): dispatches, submissions, uploads and the host's µs. */
async function measure(make, compiled) {
  manualSeed(0);
  const { net, optimizer, batch, loss } = make();
  const batches = Array.from({ length: 4 }, () => batch().map((t) => t.keep()));
  const written = async (x, y) => {
    optimizer.zeroGrad();
    const l = loss(net.forward(x), y);
    l.backward();
    await optimizer.step();
    return l;
  };
  const step = compiled ? compile(written) : written;
  const hostUs = [];
  let counts;
  for (let i = 0; i < steps + 3; i++) {
    const [x, y] = batches[i % batches.length];
    // The GPU finishes the previous step first, so the host records alone.
    await backend.flush();
    await backend.flush();
    // A collection inside the timed part would be charged to whichever step it fell in.
    collectGarbage();
    const before = backend.stats();
    const started = performance.now();
    const pending = step(x, y);
    const recorded = performance.now();
    const after = backend.stats();
    await (await pending).item();
    if (i >= 3) {
      // Handing the work to the queue is left out: over SwiftShader it runs emulated GPU work.
      hostUs.push((recorded - started - (after.submitMs - before.submitMs)) * 1000);
      counts = { dispatches: after.dispatches - before.dispatches, submissions: after.submissions - before.submissions, uploads: after.uploads - before.uploads };
    }
  }
  return { ...counts, hostUs: median(hostUs), ...(compiled ? { kernelsPerReplay: step.stats().kernelsPerReplay, replays: step.stats().replays } : {}) };
}

const rows = {};
for (const [name, make] of Object.entries(models)) {
  rows[name] = { eager: await measure(make, false), compiled: await measure(make, true) };
}
if (values.json) console.log(JSON.stringify(rows));
else {
  console.log('| step | eager dispatches / submissions | eager host µs | compiled dispatches / submissions | compiled host µs | host time eager ÷ compiled |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, { eager, compiled }] of Object.entries(rows)) {
    console.log(`| ${name} | ${eager.dispatches} / ${eager.submissions} | ${eager.hostUs.toFixed(0)} | ${compiled.dispatches} / ${compiled.submissions} | ${compiled.hostUs.toFixed(0)} | ${(eager.hostUs / compiled.hostUs).toFixed(2)}× |`);
  }
}
process.exit(0);
