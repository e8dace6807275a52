#!/usr/bin/python3
"""The sequence models' training steps in PyTorch, the work bench/transformer-step.mjs and
bench/gpt-step.mjs time in Kindling, on one CPU thread (as Kindling's comparison runs). Prints one
JSON object with the median ms/step after the first 20 steps (timing.mjs's rule).

- transformer: nn.TransformerEncoderLayer(256, 4, 1024, dropout 0, batch_first), batch 32, 128
  tokens; the mean squared error against a fixed target, backward and SGD (lr 0.01).
- gpt: nanoGPT's char-cpu iteration (bench/pytorch_gpt.py's GPT: 4 layers, 4 heads, width 128,
  context 64, no biases, dropout 0) on batches of 12 from tiny Shakespeare, with train.py's AdamW
  (lr 1e-3, betas (0.9, 0.99), weight decay 0.1 on tensors of 2 or more dims) and clipping at 1.0.

Usage: /usr/bin/python3 bench/pytorch_sequence_steps.py --model transformer|gpt [--iters 30] [--threads 1]
"""

import argparse
import json
import pathlib
import resource
import statistics
import sys
import time

import torch

sys.dont_write_bytecode = True
sys.path.insert(0, str(pathlib.Path(__file__).parent))
from pytorch_gpt import GPT, GPTConfig  # noqa: E402

CORPUS = pathlib.Path(__file__).parent.parent / "packages/data-text/data/tinyshakespeare.txt"

parser = argparse.ArgumentParser()
parser.add_argument("--model", choices=["transformer", "gpt"], required=True)
parser.add_argument("--iters", type=int, default=30)
parser.add_argument("--threads", type=int, default=1)
args = parser.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(1337)


def transformer_step():
    layer = torch.nn.TransformerEncoderLayer(256, 4, 1024, dropout=0.0, batch_first=True)
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.01)
    x, target = torch.randn(32, 128, 256), torch.randn(32, 128, 256)

    def step():
        loss = torch.nn.functional.mse_loss(layer(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    return step, "TransformerEncoderLayer(256, 4, 1024), batch 32, 128 tokens", None


def gpt_step():
    text = CORPUS.read_text(encoding="utf-8")
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text[: int(len(text) * 0.9)]], dtype=torch.long)
    model = GPT(GPTConfig(block_size=64, vocab_size=len(chars), n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=False))
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.1}, {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.99),
    )

    def step():
        ix = torch.randint(len(data) - 64, (12,))
        x = torch.stack([data[i : i + 64] for i in ix])
        y = torch.stack([data[i + 1 : i + 65] for i in ix])
        _, loss = model(x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    return step, "GPT(n_layer 4, n_head 4, n_embd 128, block_size 64), batch 12", 12 * 64


step, description, tokens = transformer_step() if args.model == "transformer" else gpt_step()
step_ms = []
loss = float("nan")
for _ in range(args.iters):
    started = time.perf_counter()
    loss = step()
    step_ms.append((time.perf_counter() - started) * 1000)

timed = step_ms[20:] if len(step_ms) > 20 else step_ms
ms = statistics.median(timed)
result = {
    "implementation": f"pytorch {torch.__version__} cpu ({args.threads} thread{'s' if args.threads > 1 else ''})",
    "model": description,
    "iterations": len(step_ms),
    "msPerStep": ms,
    "minMs": min(step_ms),
    "finalLoss": loss,
    "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}
if tokens:
    result["tokensPerSecond"] = tokens * 1000 / ms
print(json.dumps(result))
