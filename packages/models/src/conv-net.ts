import type { Variable } from '@kindling/autograd';
import { Conv2d, Dropout, functional as F, Linear, Module, type Input } from '@kindling/nn';

/**
 * PyTorch's `examples/mnist/main.py` network: two 3×3 convolutions (32 and 64 channels), a 2×2
 * max-pool, then 9216 → 128 → 10, with dropout, ending in log-probabilities. The attribute names
 * are main.py's, so the state dict's keys (`conv1.weight`, ..., `fc2.bias`) are PyTorch's.
 */
export class ConvNet extends Module {
  conv1 = new Conv2d(1, 32, 3, { stride: 1 });
  conv2 = new Conv2d(32, 64, 3, { stride: 1 });
  dropout1 = new Dropout(0.25);
  dropout2 = new Dropout(0.5);
  fc1 = new Linear(9216, 128);
  fc2 = new Linear(128, 10);

  /** [N, 1, 28, 28] images to [N, 10] log-probabilities. */
  forward(x: Input): Variable {
    const features = F.relu(this.conv2.forward(F.relu(this.conv1.forward(x))));
    const pooled = this.dropout1.forward(F.maxPool2d(features, 2)).flatten(1);
    const hidden = this.dropout2.forward(F.relu(this.fc1.forward(pooled)));
    return F.logSoftmax(this.fc2.forward(hidden), 1);
  }
}
