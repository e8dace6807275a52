"""The PyTorch MNIST tutorial, the reference that `pnpm bench` compares Kindling with.

Same model, loss, optimizer, batch size and data split as apps/trainer: a 784-512-512-10 ReLU MLP,
cross-entropy, Adam(lr=0.01), batches of 128 reshuffled every epoch from the 55,000 training images
(the first 5,000 are the validation set). Prints one JSON object on stdout; on CUDA it includes
`memory`, the caching allocator's figures after step 10 and at the end (bench/gpu/run.sh reports
them beside the trainer's). Progress marks go to stderr.

With `--model cnn`, the network, loss, optimizer and data of PyTorch's examples/mnist/main.py, as
`kindling-train --model cnn` and bench/cnn-step.mjs: two convolutions, max-pool, dropout, two
linear layers, log-softmax and the negative log-likelihood, Adadelta(lr=1.0), batches of 64 of
the 60,000 normalised training images (mean 0.1307, std 0.3081); no validation set.

Usage: python3 bench/pytorch_mnist.py --data-dir DIR [--model mlp|cnn] [--iters 4000] [--device cpu|cuda] [--seed 0]
"""
import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path: Path) -> np.ndarray:
    raw = path.read_bytes()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.in_to_hl1 = nn.Linear(784, 512)
        self.hl1_to_hl2 = nn.Linear(512, 512)
        self.hl2_to_out = nn.Linear(512, 10)

    def forward(self, x):
        x = F.relu(self.in_to_hl1(x))
        x = F.relu(self.hl1_to_hl2(x))
        return self.hl2_to_out(x)


class ConvNet(nn.Module):
    """examples/mnist/main.py's Net."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = torch.flatten(self.dropout1(F.max_pool2d(x, 2)), 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def accuracy(net, images, labels, device):
    net.eval()
    with torch.no_grad():
        # In batches of 1,000: the cnn's activations for 10,000 images at once take gigabytes.
        predictions = torch.cat([net(chunk.to(device)).argmax(1).cpu() for chunk in images.split(1000)])
    net.train()
    return 100.0 * (predictions == labels).float().mean().item()


def cuda_memory(device):
    """What the caching allocator holds on `device` now: tensors (allocated) and reserved blocks."""
    return {
        "allocatedBytes": torch.cuda.memory_allocated(device),
        "reservedBytes": torch.cuda.memory_reserved(device),
        "peakAllocatedBytes": torch.cuda.max_memory_allocated(device),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--iters", type=int, default=4000)
    parser.add_argument("--model", choices=["mlp", "cnn"], default="mlp")
    parser.add_argument("--batch-size", type=int, help="default 128 (mlp) or 64 (cnn)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    cnn = args.model == "cnn"
    if args.batch_size is None:
        args.batch_size = 64 if cnn else 128

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    train_images = read_idx(args.data_dir / "train-images-idx3-ubyte").reshape(-1, 784)
    train_labels = read_idx(args.data_dir / "train-labels-idx1-ubyte")
    test_images = read_idx(args.data_dir / "t10k-images-idx3-ubyte").reshape(-1, 784)
    test_labels = read_idx(args.data_dir / "t10k-labels-idx1-ubyte")
    if cnn:
        to_float = lambda a: ((torch.from_numpy(a.astype(np.float32) / 255.0) - 0.1307) / 0.3081).reshape(-1, 1, 28, 28)
        first_training_image = 0
    else:
        to_float = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0)
        first_training_image = 5000
        validation_x, validation_y = to_float(train_images[:5000]), torch.from_numpy(train_labels[:5000].astype(np.int64))
    x = to_float(train_images[first_training_image:])
    y = torch.from_numpy(train_labels[first_training_image:].astype(np.int64))
    test_x, test_y = to_float(test_images), torch.from_numpy(test_labels.astype(np.int64))

    device = torch.device(args.device)
    net = (ConvNet() if cnn else Net()).to(device)
    optimizer = torch.optim.Adadelta(net.parameters(), lr=1.0) if cnn else torch.optim.Adam(net.parameters(), lr=0.01)
    criterion = F.nll_loss if cnn else F.cross_entropy
    x_device, y_device = x.to(device), y.to(device)

    order = rng.permutation(len(x))
    position = 0
    step_ms = []
    memory = {}
    print("training", file=sys.stderr, flush=True)
    started = time.perf_counter()
    for step in range(args.iters):
        t0 = time.perf_counter()
        if position + args.batch_size > len(order):
            order = rng.permutation(len(x))
            position = 0
        batch = torch.from_numpy(order[position:position + args.batch_size]).to(device)
        position += args.batch_size
        optimizer.zero_grad()
        loss = criterion(net(x_device[batch]), y_device[batch])
        loss.backward()
        optimizer.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        step_ms.append((time.perf_counter() - t0) * 1000)
        if step == 10:
            if device.type == "cuda":
                memory["step10"] = cuda_memory(device)
            print("step 10", file=sys.stderr, flush=True)
    train_seconds = time.perf_counter() - started
    print(f"trained {args.iters} steps in {train_seconds:.2f} s", file=sys.stderr, flush=True)
    if device.type == "cuda":
        memory["end"] = cuda_memory(device)

    print(json.dumps({
        "backend": f"pytorch-{device.type}",
        "model": args.model,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "iterations": args.iters,
        "batchSize": args.batch_size,
        "trainSeconds": train_seconds,
        "msPerStep": statistics.median(step_ms[20:] or step_ms),
        "finalLoss": loss.item(),
        **({} if cnn else {"validationAccuracy": accuracy(net, validation_x, validation_y, device)}),
        "testAccuracy": accuracy(net, test_x, test_y, device),
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        **({"memory": memory} if device.type == "cuda" else {}),
    }))


if __name__ == "__main__":
    main()
