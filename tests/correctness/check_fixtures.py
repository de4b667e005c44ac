#!/usr/bin/python3
"""Cross-checks the committed fixtures by a different route than make_fixtures.py.

make_fixtures.py evaluates its own case table through torch.nn.functional in float64.
This script instead parses the .cnn files cnnc will read, reads the safetensors files
with its own reader, builds the network from nn.Module classes (nn.Conv2d with
padding_mode, nn.MaxPool2d, nn.AvgPool2d, nn.BatchNorm2d in eval mode, nn.Linear, ...)
loaded from the weights file, runs it in float32 and compares with the expected file at
SPEC's tolerance. Pad and pooling layers are also recomputed by naive loops written from
SPEC's text (window clipping, divisors, the ceil_mode rule), in float64.
It also checks the files themselves: header layout, sorted keys, exactly the inputs,
weights and outputs the network declares, CASES.txt.

Not a ctest; run it after changing make_fixtures.py:
  /usr/bin/python3 tests/correctness/check_fixtures.py [FIXTURE_DIR]
"""

import json
import os
import re
import struct
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))

# ----------------------------------------------------------------------------------------
# safetensors reader (independent of make_fixtures' writer)


def read_safetensors(path):
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    assert n % 8 == 0, "%s: header length %d not a multiple of 8" % (path, n)
    text = blob[8:8 + n].decode("ascii")
    header = json.loads(text)
    assert text.rstrip(" ") == text.rstrip(), path
    assert list(header) == sorted(header), "%s: keys not sorted" % path
    out, end = {}, 0
    for name, info in header.items():
        assert info["dtype"] == "F32", (path, name)
        b, e = info["data_offsets"]
        assert b == end, "%s: %s does not follow the previous tensor" % (path, name)
        count = int(np.prod(info["shape"], dtype=np.int64))
        assert e - b == 4 * count, (path, name)
        arr = np.frombuffer(blob[8 + n + b:8 + n + e], dtype="<f4").reshape(info["shape"])
        out[name] = arr.copy()
        end = e
    assert 8 + n + end == len(blob), "%s: trailing bytes" % path
    return out


# ----------------------------------------------------------------------------------------
# .cnn parser (just enough for the fixtures)

TOKEN = re.compile(r"\s*(?:(-?\d+\.\d*(?:[eE][-+]?\d+)?|-?\d+[eE][-+]?\d+)|(-?\d+)|"
                   r"([A-Za-z_][A-Za-z0-9_]*)|(.))")


def tokenize(text):
    toks, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = TOKEN.match(text, pos)
        f, i, ident, punct = m.groups()
        toks.append(float(f) if f else int(i) if i else ("id", ident) if ident else punct)
        pos = m.end()
    return toks


def parse_value(toks, k):
    t = toks[k]
    if t == "(":
        vals, k = [], k + 1
        while True:
            v, k = parse_value(toks, k)
            vals.append(v)
            if toks[k] == ")":
                return tuple(vals), k + 1
            assert toks[k] == ",", toks
            k += 1
    if isinstance(t, tuple):
        return {"true": True, "false": False}.get(t[1], t[1]), k + 1
    return t, k + 1


class Stmt:
    def __init__(self, name, op, tensors, pos, attrs):
        self.name, self.op, self.tensors, self.pos, self.attrs = name, op, tensors, pos, attrs


def parse_cnn(path):
    net = {"inputs": [], "layers": [], "outputs": []}
    for line in open(path):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        toks = tokenize(line)
        head = toks[0][1]
        if head == "network":
            net["name"] = toks[1][1]
        elif head == "input":
            net["inputs"].append((toks[1][1], [t for t in toks[5:-1] if isinstance(t, int)]))
        elif head == "output":
            net["outputs"] = [t[1] for t in toks[1:] if isinstance(t, tuple)]
        else:
            net["layers"].append(parse_layer(toks))
    return net


def parse_layer(toks):
    name, op = toks[0][1], toks[2][1]
    assert toks[1] == "=" and toks[3] == "(" and toks[-1] == ")", toks
    tensors, pos, attrs, k = [], [], {}, 4
    while k < len(toks) - 1:
        if isinstance(toks[k], tuple) and toks[k + 1] == "=":
            attrs[toks[k][1]], k = parse_value(toks, k + 2)
        elif isinstance(toks[k], tuple) and not attrs and not pos:
            tensors.append(toks[k][1])
            k += 1
        else:
            v, k = parse_value(toks, k)
            pos.append(v)
        assert toks[k] in (",", ")"), toks
        k += 1
    return Stmt(name, op, tensors, pos, attrs)


# ----------------------------------------------------------------------------------------
# Naive float64 loops from SPEC's text


def window_extent(size, k, s, pb, pe, d, ceil):
    span = size + pb + pe - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= size + pb:  # the last window may not start in the right pad
        out -= 1
    return out


def pad_source(i, size, mode):
    """Index of the input element that padded position i (relative to the input) copies."""
    if 0 <= i < size:
        return i
    if mode in ("constant", "zeros"):
        return None
    if mode == "reflect":
        return -i if i < 0 else 2 * (size - 1) - i
    if mode == "replicate":
        return min(max(i, 0), size - 1)
    return i % size  # circular


def naive_pad(x, p, mode, value):
    l, r, t, b = p
    n, c, h, w = x.shape
    out = np.full((n, c, h + t + b, w + l + r), float(value))
    for i in range(h + t + b):
        si = pad_source(i - t, h, mode)
        for j in range(w + l + r):
            sj = pad_source(j - l, w, mode)
            if si is not None and sj is not None:
                out[:, :, i, j] = x[:, :, si, sj]
    return out


def naive_pool(x, kind, k, s, p, d, ceil, include_pad=True, divisor=None):
    n, c, h, w = x.shape
    oh = window_extent(h, k[0], s[0], p[0], p[0], d[0], ceil)
    ow = window_extent(w, k[1], s[1], p[1], p[1], d[1], ceil)
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
            if kind == "max":
                rows = [h0 + a * d[0] for a in range(k[0]) if 0 <= h0 + a * d[0] < h]
                cols = [w0 + b * d[1] for b in range(k[1]) if 0 <= w0 + b * d[1] < w]
                out[:, :, i, j] = x[:, :, rows][:, :, :, cols].max(axis=(2, 3))
                continue
            # avg: window clipped to the padded input, then to the real input
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            padded_count = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            real_count = (h1 - h0) * (w1 - w0)
            div = divisor or (padded_count if include_pad else real_count)
            out[:, :, i, j] = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3)) / div
    return out


def pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


# ----------------------------------------------------------------------------------------
# nn.Module route


class Net:
    def __init__(self, weights):
        self.weights, self.used = weights, set()

    def load(self, module, prefix):
        """Loads module's parameters and buffers from the weights file, shapes checked."""
        for key, value in module.state_dict().items():
            if key == "num_batches_tracked":
                continue
            name = prefix + "." + key
            assert name in self.weights, "missing weight " + name
            w = torch.from_numpy(self.weights[name])
            assert tuple(w.shape) == tuple(value.shape), (name, w.shape, value.shape)
            value.copy_(w)
            self.used.add(name)
        return module.eval()


def pad4(p):
    return (p,) * 4 if isinstance(p, int) else tuple(p) + (0,) * (4 - len(p))


def module_pad(x, st):
    p = pad4(st.pos[0] if st.pos else st.attrs["padding"])
    mode, value = st.attrs.get("mode", "constant"), st.attrs.get("value", 0.0)
    naive = naive_pad(x.double().numpy(), p, mode, value)
    if mode == "circular":  # nn.CircularPad2d only exists from torch 2.1
        return torch.from_numpy(naive).float(), naive
    mod = {"constant": lambda: nn.ConstantPad2d(p, float(value)), "zeros": lambda: nn.ZeroPad2d(p),
           "reflect": lambda: nn.ReflectionPad2d(p),
           "replicate": lambda: nn.ReplicationPad2d(p)}[mode]()
    return mod(x), naive


def module_pool(x, st):
    a = st.attrs
    k = a["kernel_size"]
    s, p, ceil = a.get("stride", k), a.get("padding", 0), a.get("ceil_mode", False)
    x64 = x.double().numpy()
    if st.op == "max_pool2d":
        d = a.get("dilation", 1)
        mod = nn.MaxPool2d(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
        naive = naive_pool(x64, "max", pair(k), pair(s), pair(p), pair(d), ceil)
    else:
        inc, div = a.get("count_include_pad", True), a.get("divisor_override")
        mod = nn.AvgPool2d(kernel_size=k, stride=s, padding=p, ceil_mode=ceil,
                           count_include_pad=inc, divisor_override=div)
        naive = naive_pool(x64, "avg", pair(k), pair(s), pair(p), (1, 1), ceil, inc, div)
    return mod(x), naive


def run_layer(net, st, xs):
    """Returns (float32 result through nn modules, optional naive float64 result)."""
    a, x = st.attrs, xs[0]
    if st.op == "conv2d":
        mod = nn.Conv2d(x.shape[1], a["out_channels"], a["kernel_size"],
                        stride=a.get("stride", 1), padding=a.get("padding", 0),
                        dilation=a.get("dilation", 1), groups=a.get("groups", 1),
                        bias=a.get("bias", True), padding_mode=a.get("padding_mode", "zeros"))
        return net.load(mod, st.name)(x), None
    if st.op == "pad":
        return module_pad(x, st)
    if st.op in ("max_pool2d", "avg_pool2d"):
        return module_pool(x, st)
    if st.op == "batch_norm":
        return net.load(nn.BatchNorm2d(x.shape[1], eps=a.get("eps", 1e-5)), st.name)(x), None
    if st.op == "linear":
        mod = nn.Linear(x.shape[1], a["out_features"], bias=a.get("bias", True))
        return net.load(mod, st.name)(x), None
    if st.op == "add":
        return xs[0] + xs[1], None
    if st.op == "concat":
        return torch.cat(xs, dim=a.get("dim", 1)), None
    simple = {"global_avg_pool2d": lambda: nn.AdaptiveAvgPool2d(1),
              "global_max_pool2d": lambda: nn.AdaptiveMaxPool2d(1),
              "relu": nn.ReLU, "relu6": nn.ReLU6, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh,
              "leaky_relu": lambda: nn.LeakyReLU(a.get("negative_slope", 0.01)),
              "flatten": nn.Flatten, "softmax": lambda: nn.Softmax(dim=a.get("dim", 1))}
    return simple[st.op]()(x), None


# ----------------------------------------------------------------------------------------


def within_tolerance(got, expected):
    """SPEC: |got - expected| <= 1e-4 * (|expected| + 0.1 * max|expected|)."""
    got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
    if got.shape != expected.shape:
        return False, "shape %s != %s" % (got.shape, expected.shape)
    s = np.abs(expected).max() if expected.size else 0.0
    bad = np.abs(got - expected) > 1e-4 * (np.abs(expected) + 0.1 * s)
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        return False, "%d elements off, first at %s: %r vs %r" % (bad.sum(), i, got[i],
                                                                   expected[i])
    return True, ""


def check_case(fixtures, name):
    base = os.path.join(fixtures, name)
    net_src = parse_cnn(base + ".cnn")
    assert net_src["name"] == name, "network name %s" % net_src["name"]
    inputs = read_safetensors(base + ".inputs.safetensors")
    weights = read_safetensors(base + ".weights.safetensors")
    expected = read_safetensors(base + ".expected.safetensors")
    assert sorted(inputs) == sorted(n for n, _ in net_src["inputs"]), "inputs file keys"
    for n, shape in net_src["inputs"]:
        assert list(inputs[n].shape) == shape, (n, inputs[n].shape, shape)
    assert sorted(expected) == sorted(net_src["outputs"]), "expected file keys"
    net, env, problems = Net(weights), {}, []
    env = {n: torch.from_numpy(inputs[n]) for n, _ in net_src["inputs"]}
    naive = {}
    with torch.no_grad():
        for st in net_src["layers"]:
            env[st.name], naive[st.name] = run_layer(net, st, [env[t] for t in st.tensors])
            # The naive loops get the module route's float32 input; they check the layer.
            if naive[st.name] is not None:
                ok, why = within_tolerance(naive[st.name], env[st.name].numpy())
                if not ok:
                    problems.append("%s: naive %s disagrees with nn: %s" % (name, st.name, why))
    assert net.used == set(weights), "unused weights %s" % sorted(set(weights) - net.used)
    for out in net_src["outputs"]:
        ok, why = within_tolerance(env[out].numpy(), expected[out])
        if not ok:
            problems.append("%s: output %s: %s" % (name, out, why))
    return problems


def main():
    fixtures = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "fixtures")
    torch.manual_seed(0)
    names = open(os.path.join(fixtures, "CASES.txt")).read().split()
    assert names == sorted(names) and len(set(names)) == len(names), "CASES.txt"
    files = sorted(os.listdir(fixtures))
    suffixes = (".cnn", ".weights.safetensors", ".inputs.safetensors", ".expected.safetensors")
    assert files == sorted(["CASES.txt"] + [n + s for n in names for s in suffixes]), \
        "fixture files do not match CASES.txt"
    problems = []
    for name in names:
        try:
            problems += check_case(fixtures, name)
        except AssertionError as e:
            problems.append("%s: %s" % (name, e))
    for p in problems:
        print("FAIL " + p)
    print("check_fixtures: %d cases, %d problems" % (len(names), len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
