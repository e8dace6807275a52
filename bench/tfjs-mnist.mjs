// The PyTorch MNIST tutorial in TensorFlow.js (wasm backend by default), for `pnpm bench`: same
// network, loss, optimizer, batch size and data split as apps/trainer. Prints one JSON object.
//
// Usage: node bench/tfjs-mnist.mjs [--iters 4000] [--backend wasm|cpu]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readDataSets } from '@kindling/data-mnist';
import { msPerStep } from './timing.mjs';

const { values } = parseArgs({ options: { iters: { type: 'string', default: '4000' }, backend: { type: 'string', default: 'wasm' } } });
const iters = Number(values.iters);
await tf.setBackend(values.backend);
await tf.ready();

const { train, test } = await readDataSets({ seed: 0 });
const toTensors = (batch) => {
  const images = tf.tensor2d(batch.images.dataSync(), [batch.images.shape[0], 784]);
  const labels = tf.oneHot(tf.tensor1d(batch.labels.dataSync(), 'int32'), 10);
  batch.images.dispose();
  batch.labels.dispose();
  return { images, labels };
};

const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
    tf.layers.dense({ units: 512, activation: 'relu' }),
    tf.layers.dense({ units: 10 }),
  ],
});
const optimizer = tf.train.adam(0.01);
const lossOf = (images, labels) => tf.losses.softmaxCrossEntropy(labels, model.predict(images));

const stepMs = [];
let loss = Number.NaN;
const started = performance.now();
for (let step = 0; step < iters; step++) {
  const t0 = performance.now();
  const { images, labels } = toTensors(train.nextBatch(128));
  const cost = optimizer.minimize(() => lossOf(images, labels), true);
  if (step === iters - 1) loss = cost.dataSync()[0];
  else await cost.data();
  tf.dispose([cost, images, labels]);
  stepMs.push(performance.now() - t0);
}
const trainSeconds = (performance.now() - started) / 1000;

let correct = 0;
for (const batch of test.batches(1000, { shuffle: false })) {
  const { images, labels } = toTensors(batch);
  const hits = tf.tidy(() => model.predict(images).argMax(1).equal(labels.argMax(1)).sum());
  correct += hits.dataSync()[0];
  tf.dispose([hits, images, labels]);
}
console.log(
  JSON.stringify({
    backend: tf.getBackend(),
    version: tf.version.tfjs,
    iterations: iters,
    batchSize: 128,
    trainSeconds,
    msPerStep: msPerStep(stepMs),
    finalLoss: loss,
    testAccuracy: (100 * correct) / test.numExamples,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }),
);
