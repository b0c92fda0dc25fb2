#!/usr/bin/env python3
"""Convert a PRIME-style checkpoint into a primesim workload file (.pwl).

    import_pytorch.py ARCH.yaml CHECKPOINT -o model.pwl [options]

CHECKPOINT is a PyTorch file (.pt/.pth, needs torch) or a NumPy .npz holding
the same tensor names. Per prunable layer NAME it has `NAME.weight` (conv:
out x in x k x k, linear: out x in, PyTorch layout) and `NAME.scores` (same
shape, edge-popup scores) or instead `NAME.mask` (0/1, the kept pairs). A
state dict may sit under "state_dict", "model_state_dict", "model" or "net";
a "module." prefix (DataParallel) is dropped.

ARCH (YAML or JSON) describes what the checkpoint does not; the keys are in
workloads/tools/README.md and example_arch_nmnist.yaml.

Mask: per layer the top-k of |score| is kept, k = keep_fraction of the
pairs, exactly as PRIME's GetSubnet: the j = int((1 - k) * n) smallest |s|
are pruned. Ties are broken by position: of equal |s| the lower flat index
(PyTorch layout) is pruned first.

Weights become differential pairs. With u = uS_per_unit, the checkpoint
weight w is w * u uS of G+ - G-, and weight_per_uS = scale / u, so the chip's
weight weight_per_uS * (G+ - G-) equals PRIME's w_eff = scale * w * m:

    kept:    G+ = g_off + max(w u, 0),  G- = g_off + max(-w u, 0)
    pruned:  G+ = G- = g_off   (the RESET state; the weight is exactly 0)

g_off defaults to 0.5 uS, the device model's reset_mean_uS. Conductances are
stored as float32; with g_off > 0 a kept weight is exact to about 2^-24 of
(g_off + |w u|).

The file layout (a primesim container of kind PWL_) is specified in
workloads/FORMAT.md; this script writes it byte for byte as the C writer
does, compressing with python3-zstandard if present, else the zstd command.
Exit codes: 0 ok, 2 bad input, 1 other failures.
"""

import argparse
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

TOOL = "import_pytorch.py"
KIND = b"PWL_"
CONTAINER_VERSION = 1
CONTENT_VERSION = 1
METHODS = ("memristor_pruning", "software_pruning", "weight_tuning", "random_unpruned",
           "imported")
STRING_CAPS = {"method": 32, "dataset": 128, "recipe": 64, "trainer": 64}
KINDS = {"conv2d": 0, "avgpool2d": 1, "linear": 2}
NEURONS = {"none": 0, "lif": 1, "integrator": 2}
SPLITS = {"count": 0, "duration": 1}


class InputError(Exception):
    """Bad input: exit code 2. Key paths are built as "FILE:.key.sub"; the
    message reads "FILE: key.sub"."""

    def __init__(self, message):
        super().__init__(message.replace(":.", ": "))


# ----------------------------------------------------------------- reading


def load_structured(path):
    with open(path, "r", encoding="utf-8") as f:
        text = f.read()
    if path.endswith(".json"):
        try:
            return json.loads(text), text
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: {e}")
    try:
        import yaml
    except ImportError:
        try:
            return json.loads(text), text  # JSON is YAML too
        except json.JSONDecodeError:
            raise InputError(f"{path}: PyYAML is not installed (Debian: python3-yaml); "
                             "give the architecture as .json instead")
    try:
        return yaml.safe_load(text), text
    except yaml.YAMLError as e:
        raise InputError(f"{path}: {e}")


def load_checkpoint(path):
    """Name -> numpy array (float64 for weights and scores)."""
    import numpy as np
    if path.endswith(".npz"):
        try:
            with np.load(path, allow_pickle=False) as z:
                return {k: np.asarray(z[k]) for k in z.files}
        except (OSError, ValueError) as e:
            raise InputError(f"{path}: not a readable .npz: {e}")
    try:
        import torch
    except ImportError:
        raise InputError(f"{path}: reading a PyTorch checkpoint needs torch (Debian: "
                         "python3-torch); or save the tensors as .npz")
    try:
        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # torch < 1.13 has no weights_only
            obj = torch.load(path, map_location="cpu")
    except Exception as e:  # torch raises many kinds
        raise InputError(f"{path}: not a readable PyTorch checkpoint: {e}")
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "model", "net"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict):
        raise InputError(f"{path}: expected a state dict (name -> tensor)")
    out = {}
    for k, v in obj.items():
        if k.startswith("module."):
            k = k[len("module."):]
        if hasattr(v, "detach"):
            out[k] = v.detach().cpu().double().numpy()
        elif isinstance(v, (int, float)):
            out[k] = np.asarray(float(v))
    return out


# ------------------------------------------------------------ architecture


def get(d, key, default, where, kind=None):
    if not isinstance(d, dict):
        raise InputError(f"{where}: expected a mapping")
    v = d.get(key, default)
    if v is None and default is None:
        raise InputError(f"{where}.{key}: required")
    if kind is int and (isinstance(v, bool) or not isinstance(v, int)):
        raise InputError(f"{where}.{key}: expected an integer, got {v!r}")
    if kind is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise InputError(f"{where}.{key}: expected a finite number, got {v!r}")
        v = float(v)
    if kind is bool and not isinstance(v, bool):
        raise InputError(f"{where}.{key}: expected true or false, got {v!r}")
    if kind is str and not isinstance(v, str):
        raise InputError(f"{where}.{key}: expected a string, got {v!r}")
    return v


KNOWN_TOP = {"name", "timesteps", "input", "lif", "weights", "keep_fraction", "frames",
             "early_stop", "provenance", "layers"}
KNOWN_LAYER = {"kind", "name", "out_channels", "out_features", "kernel", "stride", "padding",
               "neuron", "keep_fraction", "scale", "prune"}


def unknown_keys(d, known, where):
    extra = sorted(set(d) - known)
    if extra:
        raise InputError(f"{where}: unknown key(s) {', '.join(extra)}")


def conv_extent(n, k, s, p):
    if k < 1 or s < 1 or p < 0 or n + 2 * p < k:
        return 0
    return (n + 2 * p - k) // s + 1


def plan_layers(arch, where):
    """Layer dicts with every shape field resolved."""
    inp = get(arch, "input", None, where)
    c = get(inp, "channels", None, f"{where}.input", int)
    h = get(inp, "height", None, f"{where}.input", int)
    w = get(inp, "width", None, f"{where}.input", int)
    specs = get(arch, "layers", None, where)
    if not isinstance(specs, list) or not specs:
        raise InputError(f"{where}.layers: expected a non-empty list")
    layers = []
    for i, spec in enumerate(specs):
        lw = f"{where}.layers[{i}]"
        if not isinstance(spec, dict):
            raise InputError(f"{lw}: expected a mapping")
        unknown_keys(spec, KNOWN_LAYER, lw)
        kind = get(spec, "kind", None, lw, str)
        if kind not in KINDS:
            raise InputError(f"{lw}.kind: '{kind}' is not one of {', '.join(KINDS)}")
        L = {"kind": kind, "in": (c, h, w), "kernel": 0, "stride": 0, "padding": 0,
             "rows": 0, "cols": 0, "name": None, "neuron": "none", "where": lw}
        if kind in ("conv2d", "avgpool2d"):
            k = get(spec, "kernel", None, lw, int)
            s = get(spec, "stride", k if kind == "avgpool2d" else 1, lw, int)
            p = get(spec, "padding", 0, lw, int)
            oh, ow = conv_extent(h, k, s, p), conv_extent(w, k, s, p)
            if oh < 1 or ow < 1:
                raise InputError(f"{lw}: kernel {k}, stride {s}, padding {p} leave no output "
                                 f"from a {h}x{w} input")
            oc = get(spec, "out_channels", c, lw, int) if kind == "conv2d" else c
            if kind == "avgpool2d" and p != 0:
                raise InputError(f"{lw}: average pooling has no padding")
            L.update(kernel=k, stride=s, padding=p, out=(oc, oh, ow))
            if kind == "conv2d":
                L.update(rows=c * k * k, cols=oc)
        else:
            oc = get(spec, "out_features", None, lw, int)
            L.update(out=(oc, 1, 1), rows=c * h * w, cols=oc)
        if kind != "avgpool2d":
            L["name"] = get(spec, "name", None, lw, str)
            L["neuron"] = get(spec, "neuron", "lif", lw, str)
            if L["neuron"] not in ("lif", "integrator"):
                raise InputError(f"{lw}.neuron: '{L['neuron']}' is not lif or integrator")
            L["keep_fraction"] = spec.get("keep_fraction")
            L["scale"] = spec.get("scale")
            L["prune"] = get(spec, "prune", True, lw, bool)
        elif "neuron" in spec and spec["neuron"] != "none":
            raise InputError(f"{lw}.neuron: pooling layers have no neuron")
        if min(L["out"]) < 1:
            raise InputError(f"{lw}: output shape {L['out']} is not positive")
        layers.append(L)
        c, h, w = L["out"]
    for L in layers[:-1]:
        if L["neuron"] == "integrator":
            raise InputError(f"{L['where']}.neuron: only the last layer integrates")
    if layers[-1]["neuron"] != "integrator":
        raise InputError(f"{layers[-1]['where']}.neuron: the last layer must be an integrator")
    return layers


# ---------------------------------------------------------------- convert


def top_k_mask(scores, keep_fraction):
    """PRIME's GetSubnet on |scores|, ties pruned in index order."""
    import numpy as np
    flat = np.abs(scores.reshape(-1))
    order = np.argsort(flat, kind="stable")
    j = int((1.0 - keep_fraction) * flat.size)
    mask = np.ones(flat.size, dtype=np.uint8)
    mask[order[:j]] = 0
    return mask.reshape(scores.shape)


def to_crossbar(t, L):
    """PyTorch layout -> rows x cols (rows: unrolled input, cols: outputs)."""
    return t.reshape(L["cols"], L["rows"]).T


def convert(arch, ck, args, where):
    import numpy as np
    unknown_keys(arch, KNOWN_TOP, where)
    layers = plan_layers(arch, where)
    weights = get(arch, "weights", {}, where)
    scale = args.weight_scale
    if scale is None and isinstance(weights, dict) and "scale" in weights:
        scale = get(weights, "scale", None, f"{where}.weights", float)
    if scale is None and "weight_scale" in ck:
        scale = float(np.asarray(ck["weight_scale"]).reshape(-1)[0])
    u = get(weights, "uS_per_unit", 1.0, f"{where}.weights", float)
    g_off = args.g_off_uS if args.g_off_uS is not None else \
        get(weights, "g_off_uS", 0.5, f"{where}.weights", float)
    g_max = math.inf
    if weights.get("g_max_uS") is not None:
        g_max = get(weights, "g_max_uS", None, f"{where}.weights", float)
    if u <= 0 or g_off < 0:
        raise InputError(f"{where}.weights: uS_per_unit must be > 0 and g_off_uS >= 0")
    k_default = args.keep_fraction if args.keep_fraction is not None else \
        get(arch, "keep_fraction", 0.5, where, float)

    for L in layers:
        if L["kind"] == "avgpool2d":
            continue
        name, lw = L["name"], L["where"]
        s = L["scale"] if L["scale"] is not None else scale
        if s is None:
            raise InputError(f"{lw}: no weight scale: give weights.scale, --weight-scale, a "
                             "layer 'scale' or a checkpoint scalar 'weight_scale'")
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or s == 0:
            raise InputError(f"{lw}.scale: {s!r} must be a finite non-zero number")
        key = f"{name}.weight"
        if key not in ck:
            raise InputError(f"{args.checkpoint}: no tensor '{key}' for {lw}")
        wt = np.asarray(ck[key], dtype=np.float64)
        c = L["in"][0]
        want = (L["cols"], c, L["kernel"], L["kernel"]) if L["kind"] == "conv2d" \
            else (L["cols"], L["rows"])
        if wt.shape != want:
            raise InputError(f"{args.checkpoint}: '{key}' has shape {tuple(wt.shape)}, "
                             f"{lw} ({L['kind']}) needs {want}")
        if not np.all(np.isfinite(wt)):
            raise InputError(f"{args.checkpoint}: '{key}' holds a non-finite value")
        if not L["prune"]:
            mask = None
        elif f"{name}.mask" in ck:
            mask = np.asarray(ck[f"{name}.mask"])
            if mask.shape != want or not np.all((mask == 0) | (mask == 1)):
                raise InputError(f"{args.checkpoint}: '{name}.mask' must be 0/1 of shape {want}")
            mask = mask.astype(np.uint8)
        elif f"{name}.scores" in ck:
            sc = np.asarray(ck[f"{name}.scores"], dtype=np.float64)
            if sc.shape != want:
                raise InputError(f"{args.checkpoint}: '{name}.scores' has shape "
                                 f"{tuple(sc.shape)}, {lw} needs {want}")
            if np.any(np.isnan(sc)):
                raise InputError(f"{args.checkpoint}: '{name}.scores' holds NaN")
            k = L["keep_fraction"] if L["keep_fraction"] is not None else k_default
            if isinstance(k, bool) or not isinstance(k, (int, float)) or not 0 <= k <= 1:
                raise InputError(f"{lw}.keep_fraction: {k!r} must be in [0, 1]")
            mask = top_k_mask(sc, float(k))
        else:
            raise InputError(f"{args.checkpoint}: no '{name}.scores' or '{name}.mask' for {lw} "
                             "(set prune: false to keep every pair)")
        w_uS = to_crossbar(wt, L) * u
        m = np.ones_like(w_uS, dtype=np.uint8) if mask is None else to_crossbar(mask, L)
        gp = np.where(m == 1, g_off + np.maximum(w_uS, 0.0), g_off)
        gn = np.where(m == 1, g_off + np.maximum(-w_uS, 0.0), g_off)
        top = max(float(gp.max()), float(gn.max()))
        if top > g_max:
            raise InputError(f"{lw}: a kept pair needs {top:.4g} uS, above weights.g_max_uS "
                             f"{g_max:g}; lower uS_per_unit")
        L["g_pos"] = np.ascontiguousarray(gp, dtype="<f4")
        L["g_neg"] = np.ascontiguousarray(gn, dtype="<f4")
        L["keep"] = None if mask is None else np.ascontiguousarray(m, dtype=np.uint8)
        L["weight_per_uS"] = float(s) / u
    return layers


# ----------------------------------------------------------------- writing


def put_str(s, field):
    b = s.encode("utf-8")
    if len(b) >= STRING_CAPS[field] or b"\0" in b:
        raise InputError(f"provenance.{field}: '{s}' must be under {STRING_CAPS[field]} bytes "
                         "without NUL")
    return struct.pack("<I", len(b)) + b


def sections_of(arch, layers, recipe_text, where):
    T = get(arch, "timesteps", None, where, int)
    inp = arch["input"]
    max_level = get(inp, "max_level", 15, f"{where}.input", int)
    lif = get(arch, "lif", {}, where)
    leak = get(lif, "leak", 0.2, f"{where}.lif", float)
    v_th = get(lif, "v_th", 0.2, f"{where}.lif", float)
    slope = get(lif, "negative_slope", 0.1, f"{where}.lif", float)
    es = get(arch, "early_stop", {}, where)
    alpha = get(es, "alpha", 2.0, f"{where}.early_stop", float)
    theta = get(es, "theta", 0.8, f"{where}.early_stop", float)
    fr = get(arch, "frames", {}, where)
    fw = f"{where}.frames"
    bins = get(fr, "bins", T, fw, int)
    split = get(fr, "split_by", "count", fw, str)
    if split not in SPLITS:
        raise InputError(f"{fw}.split_by: '{split}' is not count or duration")
    binarise = get(fr, "binarise", False, fw, bool)
    fso = get(fr, "first_saccade_only", False, fw, bool)
    fso_ms = get(fr, "first_saccade_ms", 100.0, fw, float)
    pv = get(arch, "provenance", {}, where)
    pw = f"{where}.provenance"
    method = get(pv, "method", "imported", pw, str)
    if method not in METHODS:
        raise InputError(f"{pw}.method: '{method}' is not one of {', '.join(METHODS)}")
    acc = pv.get("test_accuracy")
    acc = math.nan if acc is None else get(pv, "test_accuracy", None, pw, float)
    if not (math.isnan(acc) or 0 <= acc <= 1):
        raise InputError(f"{pw}.test_accuracy: {acc} is not in [0, 1]")
    if T < 1 or bins != T:
        raise InputError(f"{where}: timesteps {T} must be >= 1 and equal frames.bins {bins}")
    if not 1 <= max_level <= 65535:
        raise InputError(f"{where}.input.max_level: {max_level} is not in [1, 65535]")
    if alpha <= 0 or not 0 <= theta <= 1:
        raise InputError(f"{where}.early_stop: alpha must be > 0 and theta in [0, 1]")
    if fso_ms <= 0:
        raise InputError(f"{fw}.first_saccade_ms: must be > 0")

    c, h, w = layers[0]["in"]
    secs = [
        ("meta", struct.pack("<II5q5d", len(layers), 0, T, c, h, w, max_level, leak, v_th, slope,
                             alpha, theta)),
        ("frames", struct.pack("<qBBB5xd", bins, SPLITS[split], binarise, fso, fso_ms)),
        ("info", put_str(method, "method")
         + put_str(get(pv, "dataset", "", pw, str), "dataset")
         + put_str(get(pv, "recipe", "", pw, str), "recipe")
         + put_str(get(pv, "trainer", TOOL, pw, str), "trainer")
         + struct.pack("<4qd", get(pv, "seed", 0, pw, int), get(pv, "epochs", 0, pw, int),
                       get(pv, "train_samples", 0, pw, int), get(pv, "test_samples", 0, pw, int),
                       acc)),
    ]
    records = b""
    for L in layers:
        has_keep = 1 if L.get("keep") is not None else 0
        records += struct.pack("<BBB5x11qd", KINDS[L["kind"]], NEURONS[L["neuron"]], has_keep,
                               *L["in"], *L["out"], L["kernel"], L["stride"], L["padding"],
                               L["rows"], L["cols"], L.get("weight_per_uS", 0.0))
    secs.append(("layers", records))
    for i, L in enumerate(layers):
        if L["kind"] == "avgpool2d":
            continue
        secs.append((f"g_pos.{i}", L["g_pos"].tobytes()))
        secs.append((f"g_neg.{i}", L["g_neg"].tobytes()))
        if L["keep"] is not None:
            secs.append((f"keep.{i}", L["keep"].tobytes()))
    if recipe_text is not None:
        if "\0" in recipe_text:
            raise InputError("the recipe text contains a NUL byte")
        secs.append(("recipe", recipe_text.encode("utf-8")))
    return secs


def payload_of(secs):
    """The section table, then each section at a multiple of 8."""
    table, body = b"", b""
    offset = 48 * len(secs)
    for name, data in secs:
        pad = (-offset) % 8
        offset += pad
        table += name.encode("ascii").ljust(32, b"\0") + struct.pack("<QQ", offset, len(data))
        offset += len(data)
    for name, data in secs:
        body += b"\0" * ((-(48 * len(secs) + len(body))) % 8) + data
    return table + body


def zstd_compress(data, level):
    """One zstd frame with content size and content checksum."""
    try:
        import zstandard
        return zstandard.ZstdCompressor(level=level, write_checksum=True,
                                        write_content_size=True).compress(data)
    except ImportError:
        pass
    exe = shutil.which("zstd")
    if not exe:
        raise RuntimeError("no zstd compressor: install python3-zstandard or the zstd command "
                           "(Debian: zstd)")
    with tempfile.TemporaryDirectory() as d:
        src, dst = os.path.join(d, "payload"), os.path.join(d, "payload.zst")
        with open(src, "wb") as f:
            f.write(data)
        # A file input lets zstd record the content size; --check adds the checksum.
        subprocess.run([exe, "-q", f"-{level}", "--check", "-f", "-o", dst, src], check=True)
        with open(dst, "rb") as f:
            return f.read()


def container_bytes(secs, level):
    payload = payload_of(secs)
    frame = zstd_compress(payload, level)
    head = b"PSIM" + KIND + struct.pack("<HHIQQIII", CONTAINER_VERSION, CONTENT_VERSION, 0,
                                        len(payload), len(frame), len(secs),
                                        zlib.crc32(frame) & 0xFFFFFFFF, 0)
    assert len(head) == 44
    return head + struct.pack("<I", zlib.crc32(head) & 0xFFFFFFFF) + frame


def write_atomic(path, data):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".import_pytorch.", dir=d)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp's 0600 is for secrets, not models
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Convert a PRIME-style checkpoint (weights + edge-popup scores) and an "
                    "architecture description into a primesim workload file (.pwl).")
    ap.add_argument("arch", help="architecture description (.yaml or .json)")
    ap.add_argument("checkpoint", help="PyTorch checkpoint (.pt/.pth) or NumPy .npz")
    ap.add_argument("-o", "--output", required=True, help="workload file to write")
    ap.add_argument("--weight-scale", type=float, help="overrides weights.scale")
    ap.add_argument("--keep-fraction", type=float, help="overrides keep_fraction (default 0.5)")
    ap.add_argument("--g-off-uS", type=float, help="overrides weights.g_off_uS (default 0.5)")
    ap.add_argument("--recipe", help="text file stored as the workload's recipe section "
                                     "(default: the architecture file itself)")
    ap.add_argument("--level", type=int, default=19, help="zstd level (default 19)")
    args = ap.parse_args(argv)
    try:
        try:
            import numpy  # noqa: F401
        except ImportError:
            raise InputError("numpy is required (Debian: python3-numpy)")
        arch, arch_text = load_structured(args.arch)
        if not isinstance(arch, dict):
            raise InputError(f"{args.arch}: expected a mapping at the top")
        recipe_text = arch_text
        if args.recipe:
            with open(args.recipe, "r", encoding="utf-8") as f:
                recipe_text = f.read()
        ck = load_checkpoint(args.checkpoint)
        layers = convert(arch, ck, args, args.arch + ":")
        secs = sections_of(arch, layers, recipe_text, args.arch + ":")
        write_atomic(args.output, container_bytes(secs, args.level))
    except InputError as e:
        print(f"{TOOL}: {e}", file=sys.stderr)
        return 2
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        print(f"{TOOL}: {e}", file=sys.stderr)
        return 1
    kept = sum(int(L["keep"].sum()) if L.get("keep") is not None else L["rows"] * L["cols"]
               for L in layers if L["kind"] != "avgpool2d")
    total = sum(L["rows"] * L["cols"] for L in layers if L["kind"] != "avgpool2d")
    print(f"{args.output}: {len(layers)} layers, {kept} of {total} pairs kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
