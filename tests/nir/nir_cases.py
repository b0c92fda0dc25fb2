#!/usr/bin/env python3
"""NIR files for tests/test_nir.cpp, written with h5py in the layout of
neuromorphs/NIR's serialization (independent of primesim's exporter), and
the NIR dynamics run directly on them (forward Euler in float64, the ODEs of
the NIR node definitions) for the expected spikes and outputs.

    nir_cases.py DIR

writes DIR/<case>.nir, DIR/<case>.frames (u16, T x inputs), DIR/<case>.spikes
(u8, per timestep the spikes of each spiking node in graph order),
DIR/<case>.out (f64, T x outputs) and DIR/bad.tsv (file, expected text of
the refusal) with the malformed files it lists."""

import os
import sys

import h5py
import numpy as np

DT = 1e-3


def write_nir(path, nodes, edges, metadata=None):
    s = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.create_dataset("version", data="1.0", dtype=s)
        g = f.create_group("node")
        g.create_dataset("type", data="NIRGraph", dtype=s)
        ng = g.create_group("nodes")
        for name, params in nodes.items():
            n = ng.create_group(name)
            for k, v in params.items():
                if isinstance(v, str):
                    n.create_dataset(k, data=v, dtype=s)
                else:
                    n.create_dataset(k, data=np.asarray(v))
        g.create_dataset("edges", data=np.array(edges, dtype=object), dtype=s)
        if metadata:
            m = g.create_group("metadata")
            for k, v in metadata.items():
                m.create_dataset(k, data=v)


def chain(names):
    return [(names[i], names[i + 1]) for i in range(len(names) - 1)]


# ------------------------------------------------------------ NIR dynamics


def conv2d(x, w, b, stride, pad):
    c, h, wd = x.shape
    o, _, k, _ = w.shape
    xp = np.zeros((c, h + 2 * pad, wd + 2 * pad))
    xp[:, pad:pad + h, pad:pad + wd] = x
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    y = np.zeros((o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + k, j * stride:j * stride + k]
            y[:, i, j] = np.tensordot(w, patch, axes=([1, 2, 3], [0, 1, 2])) + b
    return y


def pool(x, k, s, mean):
    c, h, w = x.shape
    oh, ow = (h - k) // s + 1, (w - k) // s + 1
    y = np.zeros((c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, i, j] = x[:, i * s:i * s + k, j * s:j * s + k].sum(axis=(1, 2))
    return y / (k * k) if mean else y


def run_nir(nodes, order, frames, in_shape):
    """frames: T x inputs. Returns (spikes per step: list of arrays, outputs T x n, margin)."""
    state = {}
    spikes, outs = [], []
    margin = np.inf
    for x in frames:
        v = x.astype(np.float64).reshape(in_shape)
        step_spikes = []
        for name in order:
            n = nodes[name]
            t = n["type"]
            p = {k: np.asarray(val, dtype=np.float64) for k, val in n.items() if k != "type"}
            if t in ("Input", "Output"):
                continue
            if t == "Conv2d":
                v = conv2d(v, p["weight"], p["bias"], int(p["stride"].reshape(-1)[0]),
                           int(p["padding"].reshape(-1)[0]))
            elif t == "Affine":
                v = p["weight"] @ v.reshape(-1) + p["bias"]
            elif t == "Linear":
                v = p["weight"] @ v.reshape(-1)
            elif t == "Flatten":
                v = v.reshape(-1)
            elif t in ("SumPool2d", "AvgPool2d"):
                v = pool(v, int(p["kernel_size"].reshape(-1)[0]), int(p["stride"].reshape(-1)[0]),
                         t == "AvgPool2d")
            elif t in ("LIF", "IF", "CubaLIF"):
                u = state.get(name, np.zeros(v.shape))
                if t == "LIF":
                    u = u + DT / p["tau"].reshape(v.shape) * (p["v_leak"].reshape(v.shape) - u
                                                             + p["r"].reshape(v.shape) * v)
                elif t == "IF":
                    u = u + DT * p["r"].reshape(v.shape) * v
                else:
                    syn = state.get(name + ".syn", np.zeros(v.shape))
                    syn = syn + DT / p["tau_syn"].reshape(v.shape) * (-syn + p["w_in"].reshape(v.shape) * v)
                    state[name + ".syn"] = syn
                    u = u + DT / p["tau_mem"].reshape(v.shape) * (p["v_leak"].reshape(v.shape) - u
                                                                 + p["r"].reshape(v.shape) * syn)
                thr = p["v_threshold"].reshape(v.shape)
                margin = min(margin, float(np.min(np.abs(u - thr) / thr)))
                z = u > thr
                u = np.where(z, p["v_reset"].reshape(v.shape), u)
                state[name] = u
                v = z.astype(np.float64)
                step_spikes.append(z.reshape(-1).astype(np.uint8))
            elif t == "I":
                u = state.get(name, np.zeros(v.shape)) + DT * p["r"].reshape(v.shape) * v
                state[name] = u
                v = u
            elif t == "LI":
                u = state.get(name, np.zeros(v.shape))
                u = u + DT / p["tau"].reshape(v.shape) * (p["v_leak"].reshape(v.shape) - u
                                                         + p["r"].reshape(v.shape) * v)
                state[name] = u
                v = u
            else:
                raise ValueError(t)
        spikes.append(np.concatenate(step_spikes) if step_spikes else np.zeros(0, np.uint8))
        outs.append(v.reshape(-1).copy())
    return spikes, np.array(outs), margin


def save_case(d, name, nodes, order, frames, in_shape, metadata=None):
    write_nir(os.path.join(d, name + ".nir"), nodes, chain(order), metadata)
    spikes, outs, margin = run_nir(nodes, order, frames, in_shape)
    assert margin > 1e-3, f"{name}: a membrane within {margin} of its threshold"
    frames.astype("<u2").tofile(os.path.join(d, name + ".frames"))
    np.concatenate(spikes).astype(np.uint8).tofile(os.path.join(d, name + ".spikes"))
    outs.astype("<f8").tofile(os.path.join(d, name + ".out"))
    return sum(int(s.sum()) for s in spikes)


def full(shape, v):
    return np.full(shape, v, dtype=np.float32)


def f32(a):
    return np.asarray(a, dtype=np.float32)


# ----------------------------------------------------------------- cases


def hand(d):
    """The network worked by hand in tests/test_nir.cpp."""
    nodes = {
        "input": {"type": "Input", "shape": np.array([2])},
        "fc1": {"type": "Affine", "weight": f32([[1, 0.5], [-0.5, 1]]), "bias": f32([0.25, 0.25])},
        "lif1": {"type": "LIF", "tau": full(2, 2e-3), "r": full(2, 1), "v_leak": full(2, 0),
                 "v_threshold": full(2, 0.5), "v_reset": full(2, 0)},
        "fc2": {"type": "Linear", "weight": f32([[1, -1], [0, 1]])},
        "readout": {"type": "I", "r": full(2, 1000)},
        "output": {"type": "Output", "shape": np.array([2])},
    }
    order = ["input", "fc1", "lif1", "fc2", "readout", "output"]
    frames = np.array([[1, 0], [0, 1], [1, 1], [0, 0]], dtype=np.uint16)
    save_case(d, "hand", nodes, order, frames, (2,), {"dt": DT})
    return nodes, order


def conv_nodes(rng, cuba):
    c1 = f32(rng.normal(0, 0.6, (3, 2, 3, 3)))
    c1[rng.random(c1.shape) < 0.3] = 0.0  # pruned pairs
    lin1 = f32(rng.normal(0, 0.5, (6, 3 * 3 * 3)))
    lin2 = f32(rng.normal(0, 0.5, (4, 6)))
    nodes = {
        "in": {"type": "Input", "shape": np.array([2, 6, 6])},
        "conv": {"type": "Conv2d", "weight": c1, "bias": f32(rng.normal(0, 0.1, 3)),
                 "stride": np.array([1, 1]), "padding": np.array([1, 1]),
                 "dilation": np.array([1, 1]), "groups": 1, "input_shape": np.array([6, 6])},
        "pool": {"type": "AvgPool2d" if cuba else "SumPool2d", "kernel_size": np.array([2, 2]),
                 "stride": np.array([2, 2]), "padding": np.array([0, 0])},
        "flat": {"type": "Flatten", "start_dim": 0, "end_dim": -1, "input_type": np.array([3, 3, 3])},
        "fc": {"type": "Affine", "weight": lin1, "bias": f32(rng.normal(0, 0.1, 6))},
        "ifn": {"type": "IF", "r": full(6, 400.0), "v_threshold": full(6, 0.8), "v_reset": full(6, 0)},
        "head": {"type": "Linear", "weight": lin2},
        "acc": {"type": "I", "r": full(4, 1000)},
        "out": {"type": "Output", "shape": np.array([4])},
    }
    if cuba:
        nodes["neuron"] = {"type": "CubaLIF", "tau_syn": full((3, 6, 6), DT),
                           "tau_mem": full((3, 6, 6), 4e-3), "r": full((3, 6, 6), 2.0),
                           "v_leak": full((3, 6, 6), 0.05), "v_threshold": full((3, 6, 6), 0.3),
                           "v_reset": full((3, 6, 6), 0), "w_in": full((3, 6, 6), 1.5)}
        nodes["ifn"]["type"] = "LIF"  # one leak per network: the second layer leaks alike
        nodes["ifn"].update({"tau": full(6, 4e-3), "v_leak": full(6, 0.0)})
        nodes["ifn"]["r"] = full(6, 3.0)
    else:
        nodes["neuron"] = {"type": "LIF", "tau": full((3, 6, 6), 5e-3), "r": full((3, 6, 6), 2.5),
                           "v_leak": full((3, 6, 6), 0.1), "v_threshold": full((3, 6, 6), 0.5),
                           "v_reset": full((3, 6, 6), 0)}
        nodes["ifn"]["type"] = "LIF"
        nodes["ifn"].update({"tau": full(6, 5e-3), "v_leak": full(6, 0.0)})
        nodes["ifn"]["r"] = full(6, 4.0)
    order = ["in", "conv", "neuron", "pool", "flat", "fc", "ifn", "head", "acc", "out"]
    return nodes, order


def li_case(d):
    """A fully connected network with a leaky readout LI (with v_leak)."""
    rng = np.random.default_rng(7)
    for _ in range(200):
        nodes = {
            "input": {"type": "Input", "shape": np.array([6])},
            "fc1": {"type": "Affine", "weight": f32(rng.normal(0, 0.8, (5, 6))),
                    "bias": f32(rng.normal(0, 0.1, 5))},
            "lif1": {"type": "LIF", "tau": full(5, 3e-3), "r": full(5, 2.0), "v_leak": full(5, 0),
                     "v_threshold": full(5, 0.6), "v_reset": full(5, 0)},
            "fc2": {"type": "Linear", "weight": f32(rng.normal(0, 1.0, (3, 5)))},
            "readout": {"type": "LI", "tau": full(3, 5e-3), "r": full(3, 1.5),
                        "v_leak": full(3, 0.2)},
            "output": {"type": "Output", "shape": np.array([3])},
        }
        order = ["input", "fc1", "lif1", "fc2", "readout", "output"]
        frames = rng.integers(0, 3, (10, 6)).astype(np.uint16)
        spikes, _, margin = run_nir(nodes, order, frames, (6,))
        if margin > 1e-3 and sum(int(x.sum()) for x in spikes) > 12:
            save_case(d, "li", nodes, order, frames, (6,), {"dt": DT})
            return
    raise RuntimeError("li: no draw gives clear margins")


def conv_case(d, name, cuba, seed):
    for s in range(seed, seed + 200):
        rng = np.random.default_rng(s)
        nodes, order = conv_nodes(rng, cuba)
        frames = (rng.random((8, 2 * 6 * 6)) < 0.35).astype(np.uint16) * rng.integers(1, 4, (8, 72)).astype(np.uint16)
        _, outs, margin = run_nir(nodes, order, frames, (2, 6, 6))
        spikes, _, _ = run_nir(nodes, order, frames, (2, 6, 6))
        if margin > 1e-3 and sum(int(x.sum()) for x in spikes) > 10:
            save_case(d, name, nodes, order, frames, (2, 6, 6))
            return nodes, order
    raise RuntimeError(f"{name}: no seed gives clear margins")


def bad_cases(d, hand_nodes, hand_order):
    rows = []

    def bad(fname, expect, nodes=None, edges=None, metadata={"dt": DT}):
        nodes = nodes if nodes is not None else hand_nodes
        edges = edges if edges is not None else chain(hand_order)
        write_nir(os.path.join(d, fname), nodes, edges, metadata)
        rows.append((fname, expect))

    def variant(**changes):
        n = {k: dict(v) for k, v in hand_nodes.items()}
        for node, upd in changes.items():
            for k, v in upd.items():
                if v is None:
                    del n[node][k]
                else:
                    n[node][k] = v
        return n

    bad("missing_threshold.nir", "node 'lif1' (LIF): dataset 'v_threshold' is missing",
        variant(lif1={"v_threshold": None}))
    bad("missing_weight.nir", "node 'fc2' (Linear): dataset 'weight' is missing",
        variant(fc2={"weight": None}))
    bad("wrong_shape.nir", "node 'fc1' (Affine): weight must be out x 2",
        variant(fc1={"weight": f32(np.ones((2, 3)))}))
    bad("wrong_bias.nir", "node 'fc1' (Affine): bias has 3 values",
        variant(fc1={"bias": f32([0, 0, 0])}))
    bad("wrong_neurons.nir", "node 'lif1' (LIF): tau has 3 values, the layer has 2 neurons",
        variant(lif1={"tau": full(3, 2e-3)}))
    bad("unknown_type.nir", "node 'lif1' (Delay): unknown or unsupported node type",
        variant(lif1={"type": "Delay", "delay": full(2, 1)}))
    bad("cyclic.nir", "the graph is cyclic",
        edges=chain(hand_order) + [("lif1", "fc1")])
    bad("per_neuron_tau.nir", "node 'lif1' (LIF): tau differs between neurons",
        variant(lif1={"tau": f32([2e-3, 3e-3])}))
    bad("v_reset.nir", "node 'lif1' (LIF): v_reset 0.1", variant(lif1={"v_reset": full(2, 0.1)}))
    bad("readout_tau.nir", "node 'readout' (LI): tau 0.0005 is not above dt",
        variant(readout={"type": "LI", "tau": full(2, 5e-4), "r": full(2, 1), "v_leak": full(2, 0)}))
    bad("no_dt.nir", "no time step", metadata=None)
    bad("dangling_edge.nir", "names no node 'ghost'", edges=chain(hand_order) + [("fc2", "ghost")])
    bad("branch.nir", "node 'fc1' (Affine): 1 inputs and 2 outputs",
        edges=chain(hand_order) + [("fc1", "readout")])
    bad("spiking_readout.nir", "node 'output' (Output): the network must end",
        nodes=variant(readout={"type": "LIF", "tau": full(2, 2e-3), "r": full(2, 1),
                               "v_leak": full(2, 0), "v_threshold": full(2, 1)}))
    n = variant()
    del n["lif1"]
    bad("no_neuron.nir", "node 'fc2' (Linear): follows weight node 'fc1' with no neuron",
        nodes=n, edges=chain([x for x in hand_order if x != "lif1"]))
    with open(os.path.join(d, "not_hdf5.nir"), "w") as f:
        f.write("not a NIR file\n")
    rows.append(("not_hdf5.nir", "not an HDF5 file"))
    with open(os.path.join(d, "bad.tsv"), "w") as f:
        for r in rows:
            f.write(f"{r[0]}\t{r[1]}\n")


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    hand_nodes, hand_order = hand(d)
    conv_case(d, "conv", False, 1)
    conv_case(d, "cuba", True, 100)
    li_case(d)
    bad_cases(d, hand_nodes, hand_order)


if __name__ == "__main__":
    main()
