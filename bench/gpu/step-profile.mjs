/*
 * Where a webgpu training step's time goes, for the GPU kit (run after the tutorial and PyTorch):
 * the tutorial's network, loss and Adam on synthetic batches already on the device, timing per step
 * how long the host takes to record forward + backward and the optimizer's kernels, and how long it
 * then waits in `await optimizer.step()` for the GPU (which runs one step behind; see
 * backend-webgpu's flush). Recording longer than waiting means the host is the bottleneck. Then the
 * step's three matmul shapes, 200 dispatches per submission, as the GPU sees them in training.
 * pack.sh copies it into the kit's app folder, so that its imports resolve there.
 *
 * Usage: node step-profile.mjs [out.json] [steps=300]   (MATMUL_DISPATCHES=200: fewer on SwiftShader)
 */
import { writeFileSync } from 'node:fs';
import { registerWebGpuBackend } from '@kindling/backend-webgpu';
import { CrossEntropyLoss } from '@kindling/nn';
import { Adam } from '@kindling/optim';
import { getBackend, manualSeed, matmul, randint, randn, setBackend, tidy } from '@kindling/tensor';
import { Net } from './dist/net.js';

const steps = Number(process.argv[3] ?? 300);
const perSubmission = Number(process.env.MATMUL_DISPATCHES ?? 200);
registerWebGpuBackend();
await setBackend('webgpu');
const backend = getBackend();
manualSeed(0);
const net = new Net();
const criterion = new CrossEntropyLoss();
const optimizer = new Adam(net.parameters(), { lr: 0.01 });
const images = randn([128, 784]).keep();
const labels = randint(0, 10, [128]).keep();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const recordMs = [];
const waitMs = [];
const stepMs = [];
let perStep;
for (let step = 0; step < steps; step++) {
  const before = backend.stats();
  const started = performance.now();
  const loss = tidy(() => {
    const output = criterion.forward(net.forward(images), labels);
    output.backward();
    return output.data;
  });
  const stepping = optimizer.step();
  const recorded = performance.now();
  await stepping;
  const done = performance.now();
  optimizer.zeroGrad();
  loss.dispose();
  // The first steps compile pipelines and fill the pool; they are not what a step costs.
  if (step >= 20) {
    recordMs.push(recorded - started);
    waitMs.push(done - recorded);
    stepMs.push(done - started);
  }
  const after = backend.stats();
  perStep = { dispatches: after.dispatches - before.dispatches, submissions: after.submissions - before.submissions, uploads: after.uploads - before.uploads };
}

const shapes = [
  ['forward x·Wᵀ 128×784×512', [128, 784], [512, 784], true],
  ['dW gᵀ·x 512×128×784', [128, 512], [128, 784], 'left'],
  ['dX g·W 128×512×784', [128, 512], [512, 784], false],
];
const matmuls = [];
for (const [name, aShape, bShape, transposed] of shapes) {
  const a = randn(aShape).keep();
  const b = randn(bShape).keep();
  const product = () => (transposed === true ? matmul(a, b.transpose(0, 1)) : transposed === 'left' ? matmul(a.transpose(0, 1), b) : matmul(a, b));
  const timeBatch = async (count) => {
    const started = performance.now();
    let last;
    for (let i = 0; i < count; i++) {
      last?.dispose();
      last = product();
    }
    await last.data();
    last.dispose();
    return performance.now() - started;
  };
  await timeBatch(Math.min(20, perSubmission));
  const runs = [];
  for (let r = 0; r < 5; r++) runs.push((await timeBatch(perSubmission)) / perSubmission);
  const [m, k] = transposed === 'left' ? [aShape[1], aShape[0]] : aShape;
  const n = transposed === true ? bShape[0] : bShape[1];
  const ms = median(runs);
  matmuls.push({ shape: name, msPerDispatch: ms, gflops: (2 * m * k * n) / ms / 1e6 });
}

const result = {
  steps: stepMs.length,
  medianStepMs: median(stepMs),
  medianRecordMs: median(recordMs),
  medianWaitMs: median(waitMs),
  perStep,
  matmulDispatchesPerSubmission: perSubmission,
  matmuls,
};
console.log(JSON.stringify(result, null, 2));
if (process.argv[2]) writeFileSync(process.argv[2], `${JSON.stringify(result, null, 2)}\n`);
process.exitCode = 0;
