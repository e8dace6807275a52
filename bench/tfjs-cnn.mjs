// main.py's cnn step in TensorFlow.js's layers API, for `pnpm bench`: the network, loss, optimizer
// and batches of bench/cnn-step.mjs and `bench/pytorch_mnist.py --model cnn` (PyTorch's
// examples/mnist): batches of 64 normalised training images, two convolutions, max-pool, dropout,
// two linear layers, log-softmax and the negative log-likelihood, backward and Adadelta (lr 1.0).
// No test pass: only the steps are timed. Prints one JSON object, with cnn-step.mjs's fields.
//
// TensorFlow.js 4.22's wasm backend has no Conv2DBackpropFilter kernel (the convolutions' weight
// gradient), so the step fails there at the first backward. Its `cpu` backend (plain JavaScript) runs
// it, slowly: conv2's weight gradient alone took 443 s for a batch of 64 on the project's 2-core
// machine (loaded at the time); `--batch-size 4` checks the script in a minute.
//
// Usage: node bench/tfjs-cnn.mjs [--iters 30] [--backend wasm|cpu] [--batch-size 64]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { MNIST } from '@kindling/data-mnist';
import { msPerStep } from './timing.mjs';

const { values } = parseArgs({
  options: { iters: { type: 'string', default: '30' }, backend: { type: 'string', default: 'wasm' }, 'batch-size': { type: 'string', default: '64' } },
});
const iters = Number(values.iters);
const batchSize = Number(values['batch-size']);
await tf.setBackend(values.backend);
await tf.ready();

const train = await MNIST.load({ train: true, normalize: true });
// Every normalised image, as the Kindling scripts read them (Kindling's cpu backend holds them on the host).
const pixels = train.tensors().images.dataSync();
const imageSize = train.rows * train.cols;

/** The batch of the examples at `indices`, as tf tensors: images [n, 28, 28, 1] and one-hot labels [n, 10]. */
function batchOf(indices) {
  const images = new Float32Array(indices.length * imageSize);
  indices.forEach((example, i) => images.set(pixels.subarray(example * imageSize, (example + 1) * imageSize), i * imageSize));
  const labels = Int32Array.from(indices, (example) => train.labelValues[example]);
  return { images: tf.tensor4d(images, [indices.length, train.rows, train.cols, 1]), labels: tf.oneHot(tf.tensor1d(labels, 'int32'), 10) };
}

// TF.js layers are channels-last (NHWC): the images are [N, 28, 28, 1] where PyTorch's are
// [N, 1, 28, 28]. Same convolutions and sizes; flatten() orders the 9,216 features (h, w, c)
// rather than PyTorch's (c, h, w), which only permutes fc1's inputs.
const model = tf.sequential({
  layers: [
    tf.layers.conv2d({ inputShape: [train.rows, train.cols, 1], filters: 32, kernelSize: 3, strides: 1, activation: 'relu', dataFormat: 'channelsLast' }),
    tf.layers.conv2d({ filters: 64, kernelSize: 3, strides: 1, activation: 'relu', dataFormat: 'channelsLast' }),
    tf.layers.maxPooling2d({ poolSize: 2 }),
    tf.layers.dropout({ rate: 0.25 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 128, activation: 'relu' }),
    tf.layers.dropout({ rate: 0.5 }),
    tf.layers.dense({ units: 10 }),
  ],
});
// torch.optim.Adadelta's defaults: rho 0.9, eps 1e-6. TensorFlow.js 4.22's Adadelta divides by the
// running average of squared gradients from before this step's gradient is added (PyTorch's, after),
// so its first update is the plain gradient at lr 1.0 and the loss diverges within a few steps. It
// runs the same ops each step, so ms/step still compares; its finalLoss does not.
const optimizer = tf.train.adadelta(1.0, 0.9, 1e-6);
// F.nll_loss(F.log_softmax(logits)): the mean over the batch of minus the true class's log-probability.
// `training: true` keeps the dropout layers on, as net.train() does (predict() would turn them off).
const lossOf = (images, labels) => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(model.apply(images, { training: true }))), 1)));

let order = tf.util.createShuffledIndices(train.length);
let position = 0;
const stepMs = [];
let loss = Number.NaN;
const started = performance.now();
for (let step = 0; step < iters; step++) {
  if (position + batchSize > order.length) {
    order = tf.util.createShuffledIndices(train.length);
    position = 0;
  }
  // The batch is gathered before the clock starts, as cnn-step.mjs's DataLoader hands it over.
  const { images, labels } = batchOf(Array.from(order.subarray(position, position + batchSize)));
  position += batchSize;
  const t0 = performance.now();
  const cost = optimizer.minimize(() => lossOf(images, labels), true);
  // Read back every step, as PyTorch's step finishes before the next begins.
  loss = (await cost.data())[0];
  stepMs.push(performance.now() - t0);
  tf.dispose([cost, images, labels]);
}
const trainSeconds = (performance.now() - started) / 1000;

console.log(
  JSON.stringify({
    backend: tf.getBackend(),
    version: tf.version.tfjs,
    iterations: stepMs.length,
    batchSize,
    trainSeconds,
    msPerStep: msPerStep(stepMs),
    finalLoss: loss,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
