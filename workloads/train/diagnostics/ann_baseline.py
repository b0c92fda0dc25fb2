#!/usr/bin/env python3
"""A non-spiking baseline for the trainer's accuracy: PRIME's classification
network as an ordinary CNN (ReLU instead of LIF, no time, no biases, same
layer shapes: conv 1->12 k5 pad 1, avg-pool 2, conv 12->64 k5, avg-pool 2,
fc 2304->10), trained with the weights free on the *static* MNIST digits
(each 28x28 image centred in 34x34, intensity / 255) of the same 8,000 /
2,000 split the converted data comes from. Same optimiser as the authors'
recipe: Adam with L2 weight decay, cosine schedule over the epochs, batch 128.

It bounds what the spiking network can reach on this split with this recipe:
no events, no spikes, no pruning. Needs numpy and torch (not in CI).

    python3 workloads/train/diagnostics/ann_baseline.py [--epochs 14] [--lr 1e-3]
        [--weight-decay 5e-4] [--seed 0] [--data ~/.cache/primesim/mnist] [--large]

--large swaps in a much larger conventional CNN (conv 1->32 k5 pad 2, ReLU,
max-pool 2, conv 32->64 k5 pad 2, ReLU, max-pool 2, fc 4096->256, ReLU,
dropout 0.3, fc 256->10, with biases): what the split supports beyond
PRIME's network.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with open(path, "rb") as f:
        b = f.read()
    if b[0] != 0 or b[1] != 0 or b[2] != 8:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    data = np.frombuffer(b[4 + 4 * nd:], np.uint8)
    if data.size != int(np.prod(dims)):
        raise SystemExit(f"{path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=os.path.expanduser("~/.cache/primesim/mnist"))
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=5e-4)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--large", action="store_true")
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(1)

    def load(prefix):
        x = read_idx(os.path.join(a.data, f"{prefix}-images-idx3-ubyte"))
        y = read_idx(os.path.join(a.data, f"{prefix}-labels-idx1-ubyte"))
        x = np.pad(x, ((0, 0), (3, 3), (3, 3)))[:, None] / 255.0
        return torch.tensor(x, dtype=torch.float32), torch.tensor(y.astype(np.int64))

    xtr, ytr = load("train")
    xte, yte = load("t10k")
    if a.large:
        net = nn.Sequential(
            nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(256, 10))
    else:
        net = nn.Sequential(
            nn.Conv2d(1, 12, 5, padding=1, bias=False), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(12, 64, 5, bias=False), nn.ReLU(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(2304, 10, bias=False))
    opt = torch.optim.Adam(net.parameters(), a.lr, weight_decay=a.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, a.epochs)
    n = len(ytr)
    for epoch in range(a.epochs):
        net.train()
        perm = torch.randperm(n)
        for b in range(0, n, a.batch_size):
            i = perm[b:b + a.batch_size]
            loss = F.cross_entropy(net(xtr[i]), ytr[i])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        net.eval()
        with torch.no_grad():
            train_acc = (net(xtr).argmax(1) == ytr).float().mean().item()
            test_acc = (net(xte).argmax(1) == yte).float().mean().item()
        print(f"epoch {epoch + 1} train {train_acc:.4f} test {test_acc:.4f}", flush=True)


if __name__ == "__main__":
    main()
