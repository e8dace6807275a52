#!/usr/bin/python3
"""The peak memory of examples/mnist's cnn in PyTorch, as bench/memory-peaks.mjs measures Kindling's.

One training step at batch 64 (forward, nll loss, backward, Adadelta) or one evaluation forward at
batch 1000 under torch.no_grad(), in a fresh process, on one thread: the peak resident set
(ru_maxrss) minus the resident set once the model, its optimizer and the batch exist. Prints one
JSON object.

    /usr/bin/python3 bench/pytorch_memory.py --what train|eval
"""

import argparse
import json
import resource
import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the repository

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from pytorch_mnist import ConvNet  # noqa: E402


def current_rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


parser = argparse.ArgumentParser()
parser.add_argument("--what", choices=["train", "eval"], default="train")
args = parser.parse_args()
torch.set_num_threads(1)
torch.manual_seed(0)
net = ConvNet()
optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0)
batch_size = 64 if args.what == "train" else 1000
images = torch.randn(batch_size, 1, 28, 28)
labels = torch.randint(0, 10, (batch_size,))
if args.what == "eval":
    net.eval()

before = current_rss_bytes()
if args.what == "train":
    loss = F.nll_loss(net(images), labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    loss.item()
else:
    with torch.no_grad():
        net(images)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"torch": torch.__version__, "what": args.what, "batchSize": batch_size, "peakRssAboveBaselineMB": (peak - before) / 2**20}))
