#!/usr/bin/python3
"""A 2-layer LSTM's training step in PyTorch, the work bench/lstm-step.mjs times in Kindling.

Batch 32, 64 steps, input and hidden size 256, seq-first; forward, the mean squared error against a
fixed target, backward and an SGD (lr 0.01) update, on one CPU thread (as Kindling's comparison
runs). Prints one JSON object with the median ms/step after the first 20 steps (timing.mjs's rule).

Usage: /usr/bin/python3 bench/pytorch_lstm_step.py [--iters 30] [--threads 1]
"""

import argparse
import json
import resource
import statistics
import time

import torch

SEQ, BATCH, FEATURES, HIDDEN = 64, 32, 256, 256

parser = argparse.ArgumentParser()
parser.add_argument("--iters", type=int, default=30)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1)

lstm = torch.nn.LSTM(FEATURES, HIDDEN, num_layers=2)
optimizer = torch.optim.SGD(lstm.parameters(), lr=0.01)
x = torch.randn(SEQ, BATCH, FEATURES)
target = torch.randn(SEQ, BATCH, HIDDEN)
step_ms = []
loss = float("nan")
for _ in range(args.iters):
    started = time.perf_counter()
    output, _ = lstm(x)
    mse = torch.nn.functional.mse_loss(output, target)
    optimizer.zero_grad()
    mse.backward()
    optimizer.step()
    loss = mse.item()
    step_ms.append((time.perf_counter() - started) * 1000)

timed = step_ms[20:] if len(step_ms) > 20 else step_ms
print(
    json.dumps(
        {
            "implementation": f"pytorch {torch.__version__} cpu ({args.threads} thread{'s' if args.threads > 1 else ''})",
            "model": f"LSTM({FEATURES}, {HIDDEN}, num_layers=2), seq {SEQ}, batch {BATCH}",
            "iterations": len(step_ms),
            "msPerStep": statistics.median(timed),
            "minMs": min(step_ms),
            "finalLoss": loss,
            "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
    )
)
