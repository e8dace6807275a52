import type { Variable } from '@kindling/autograd';
import { functional as F, Linear, Module, type Input } from '@kindling/nn';

/** The tutorial's network: 784 pixels → 512 → 512 → 10 class scores, with ReLU in between. */
export class Net extends Module {
  inToHl1 = new Linear(784, 512);
  hl1ToHl2 = new Linear(512, 512);
  hl2ToOut = new Linear(512, 10);

  forward(x: Input): Variable {
    const hidden1 = F.relu(this.inToHl1.forward(x));
    const hidden2 = F.relu(this.hl1ToHl2.forward(hidden1));
    return this.hl2ToOut.forward(hidden2);
  }
}
