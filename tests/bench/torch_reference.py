#!/usr/bin/env python3
"""Reference for bench_engine: a dense batched PyTorch forward of PRIME's
classification network (conv 2->12 k5 p1, LIF, avgpool 2, conv 12->64 k5,
LIF, avgpool 2, fc 2304->10, integrator; T = 10), as a user would write it.

    torch_reference.py [--samples N] [--batch B] [--threads K] [--density D]

Weights are random with half of them zeroed (a pruned network costs a dense
forward the same); inputs are random event-count frames where a fraction D
of the pixels fire (levels 1..15). Prints one line: `torch samples/s X`.
Needs torch (Debian: python3-torch; run with /usr/bin/python3)."""

import argparse
import time

import torch


def lif(u, s, x, leak=0.2, v_th=0.2, slope=0.1):
    u = torch.nn.functional.leaky_relu(leak * u * (1 - s) + x, slope)
    return u, (u > v_th).float()


def forward(x, w1, w2, w3):
    # x: T x B x 2 x 34 x 34
    T, B = x.shape[0], x.shape[1]
    u1 = torch.zeros(B, 12, 32, 32)
    s1 = torch.zeros_like(u1)
    u2 = torch.zeros(B, 64, 12, 12)
    s2 = torch.zeros_like(u2)
    out = torch.zeros(B, 10)
    for t in range(T):
        u1, s1 = lif(u1, s1, torch.nn.functional.conv2d(x[t], w1, padding=1))
        p1 = torch.nn.functional.avg_pool2d(s1, 2)
        u2, s2 = lif(u2, s2, torch.nn.functional.conv2d(p1, w2))
        p2 = torch.nn.functional.avg_pool2d(s2, 2)
        out = torch.nn.functional.leaky_relu(out + p2.flatten(1) @ w3.t(), 0.1)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--density", type=float, default=0.1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    g = torch.Generator().manual_seed(1)

    def pruned(*shape):
        w = torch.randn(*shape, generator=g) * 0.3
        return w * (torch.rand(*shape, generator=g) < 0.5)

    w1, w2, w3 = pruned(12, 2, 5, 5), pruned(64, 12, 5, 5), pruned(10, 2304)
    x = (torch.rand(10, a.batch, 2, 34, 34, generator=g) < a.density) * \
        torch.randint(1, 16, (10, a.batch, 2, 34, 34), generator=g)
    x = x.float()
    with torch.no_grad():
        forward(x, w1, w2, w3)  # warm-up
        n, t0 = 0, time.perf_counter()
        while n < a.samples:
            forward(x, w1, w2, w3)
            n += a.batch
        dt = time.perf_counter() - t0
    print(f"torch samples/s {n / dt:.1f}")


if __name__ == "__main__":
    main()
