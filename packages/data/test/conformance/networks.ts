import type { Variable } from '@kindling/autograd';
import { Conv2d, Dropout, functional as F, Linear, Module, type Input } from '@kindling/nn';

/* The networks the whole-loop suites (training-loop.ts, captured-step.ts) train. */

/** The PyTorch MNIST tutorial's network (784 → 512 → 512 → 10, ReLU), or the same shape narrower. */
export class TutorialNet extends Module {
  constructor(
    readonly inputs = 784,
    hidden = 512,
  ) {
    super();
    this.inToHl1 = new Linear(inputs, hidden);
    this.hl1ToHl2 = new Linear(hidden, hidden);
    this.hl2ToOut = new Linear(hidden, 10);
  }
  inToHl1: Linear;
  hl1ToHl2: Linear;
  hl2ToOut: Linear;

  forward(x: Input): Variable {
    const hidden1 = F.relu(this.inToHl1.forward(x));
    const hidden2 = F.relu(this.hl1ToHl2.forward(hidden1));
    return this.hl2ToOut.forward(hidden2);
  }
}

/**
 * PyTorch's examples/mnist network: two convolutions, max-pooling, dropout and two linear layers,
 * on 28×28 images with 32 and 64 channels, or the same layers narrower on 12×12 images.
 */
export class ConvNet extends Module {
  constructor(readonly side = 28, channels = 32) {
    super();
    this.conv1 = new Conv2d(1, channels, 3);
    this.conv2 = new Conv2d(channels, 2 * channels, 3);
    this.fc1 = new Linear(2 * channels * ((side - 4) / 2) ** 2, 128);
  }
  conv1: Conv2d;
  conv2: Conv2d;
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1: Linear;
  fc2 = new Linear(128, 10);

  forward(x: Input): Variable {
    const features = F.relu(this.conv2.forward(F.relu(this.conv1.forward(x))));
    const pooled = this.dropout1.forward(F.maxPool2d(features, 2)).flatten(1);
    const hidden = this.dropout2.forward(F.relu(this.fc1.forward(pooled)));
    return F.logSoftmax(this.fc2.forward(hidden), 1);
  }
}
