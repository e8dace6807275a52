import type { Variable } from '@kindling/autograd';
import { MNIST_NORMALIZATION } from '@kindling/data-mnist';
import { functional as F, type Input, type Module } from '@kindling/nn';
import { Adadelta, Adam } from '@kindling/optim';
import type { Tensor } from '@kindling/tensor';
import { ConvNet, Net } from '@kindling/models';

export type ModelKind = 'mlp' | 'cnn';

/** A network that maps a batch to 10 scores per image. */
export type Network = Module & { forward(x: Input): Variable };

/** What the page needs to know to train, evaluate and query one of the trainer's networks. */
export interface ModelSpec {
  kind: ModelKind;
  /** For the model picker. */
  label: string;
  /** The trainer's settings: `kindling-train` (mlp) or `--model cnn`. */
  defaults: { lr: number; batchSize: number; optimizer: string };
  create(): Network;
  optimizer(net: Network, lr: number): Adam | Adadelta;
  /** A batch of float32 [b, 784] pixels in [0, 1] as the network takes it. */
  input(images: Tensor): Tensor;
  /** The training loss of the network's output for `labels`. */
  loss(output: Variable, labels: Tensor): Variable;
  /** The ten class probabilities of each image, from the network's output. */
  probabilities(output: Tensor): Tensor;
}

/** The tutorial's network: pixels in, logits out, cross-entropy, Adam. */
const mlp: ModelSpec = {
  kind: 'mlp',
  label: 'mlp: the tutorial (784-512-512-10)',
  defaults: { lr: 0.01, batchSize: 128, optimizer: 'Adam' },
  create: () => new Net(),
  optimizer: (net, lr) => new Adam(net.parameters(), { lr }),
  input: (images) => images,
  loss: (output, labels) => F.crossEntropy(output, labels),
  probabilities: (output) => output.softmax(1),
};

/** examples/mnist's network: normalised [b, 1, 28, 28] images in, log-probabilities out, NLL, Adadelta. */
const cnn: ModelSpec = {
  kind: 'cnn',
  label: 'cnn: examples/mnist (2 convolutions)',
  defaults: { lr: 1.0, batchSize: 64, optimizer: 'Adadelta' },
  create: () => new ConvNet(),
  optimizer: (net, lr) => new Adadelta(net.parameters(), { lr }),
  input: (images) => images.sub(MNIST_NORMALIZATION.mean).div(MNIST_NORMALIZATION.std).reshape([images.shape[0] ?? 0, 1, 28, 28]),
  loss: (output, labels) => F.nllLoss(output, labels),
  probabilities: (output) => output.exp(),
};

export const MODELS: Readonly<Record<ModelKind, ModelSpec>> = { mlp, cnn };
