#!/usr/bin/env python3
"""Write a random PRIME-style checkpoint for an architecture description:
per prunable layer NAME.weight ~ N(0, std^2) (PRIME: std 6.352, in uS) and
NAME.scores ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PRIME initialises them
before training. For trying and testing import_pytorch.py without a trained
model.

    make_example_checkpoint.py ARCH -o ck.npz [--seed 1] [--std 6.352]
    make_example_checkpoint.py ARCH -o ck.pt    (needs torch; a state dict)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import import_pytorch as ip  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("arch")
    ap.add_argument("-o", "--output", required=True, help=".npz or .pt")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--std", type=float, default=6.352)
    args = ap.parse_args(argv)
    import numpy as np
    try:
        arch, _ = ip.load_structured(args.arch)
        layers = ip.plan_layers(arch, args.arch + ":")
    except ip.InputError as e:
        print(f"make_example_checkpoint.py: {e}", file=sys.stderr)
        return 2
    rng = np.random.default_rng(args.seed)
    tensors = {}
    for L in layers:
        if L["kind"] == "avgpool2d":
            continue
        c = L["in"][0]
        shape = (L["cols"], c, L["kernel"], L["kernel"]) if L["kind"] == "conv2d" \
            else (L["cols"], L["rows"])
        bound = 1.0 / np.sqrt(L["rows"])
        tensors[L["name"] + ".weight"] = rng.normal(0.0, args.std, shape).astype(np.float32)
        tensors[L["name"] + ".scores"] = rng.uniform(-bound, bound, shape).astype(np.float32)
    if args.output.endswith(".npz"):
        np.savez(args.output, **tensors)
    else:
        import torch
        torch.save({k: torch.from_numpy(v) for k, v in tensors.items()}, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
