#!/usr/bin/python3
"""PyTorch baseline for cnnc: builds a .cnn network with torch.nn and times it.

usage: /usr/bin/python3 bench/pytorch_bench.py NET.cnn [--threads N] [--min-time S]
           [--json FILE] [--tensors DIR] [--write-outputs DIR] [--variants eager,frozen]
           [--cnnc PATH]

The network is built from the .cnn text by a small parser of the language (SPEC 1: one
statement per line, `name = op(args, key=value)`, tuples, `network`, `input`,
`output`), each operator mapped to torch.nn / torch.nn.functional with the semantics
SPEC gives it. Two variants are timed, in eval mode under torch.no_grad():

  pytorch-eager   the nn.Module as written (NCHW, PyTorch's own oneDNN/ATen kernels)
  pytorch-frozen  torch.jit.trace, torch.jit.freeze and torch.jit.optimize_for_inference
                  (which folds batch-norm into convolutions and converts them to oneDNN
                  "mkldnn" layout where PyTorch expects that to pay)

Timing follows `cnnc bench`: warm-up runs, then at least 10 runs and --min-time
seconds (at most 1000 runs); median and minimum wall time of one forward pass.

Weights and inputs: with --tensors DIR (written by `cnnc_onednn_bench --dump-tensors
DIR`), the network runs on exactly the random weights and inputs cnnc bench and the
oneDNN baseline use, and its outputs are checked against DIR/expected.safetensors (the
reference evaluator's) with SPEC's tolerance. Without it, weights come from PyTorch's
own initialisation under torch.manual_seed(0) - a different RNG than cnnc's, so values
are not comparable; timing is what matters then, and only shapes are checked.

With --write-outputs DIR, each variant's outputs are written to
DIR/pytorch-eager.safetensors and DIR/pytorch-frozen.safetensors: `cnnc bench --baseline
pytorch` runs this script (copied next to the cnnc executable as cnnc_pytorch_bench.py)
with --tensors and --write-outputs and compares the outputs with its own schedule's.

Shapes are always checked against `cnnc check` (layer by layer) when the cnnc tool is
found (--cnnc, else build/cnnc beside this script's repository).

Always run with Debian's /usr/bin/python3 (it has python3-torch).
"""

import argparse
import json
import math
import os
import re
import struct
import subprocess
import sys
import time

MIN_RUNS = 10
MAX_RUNS = 1000
WARMUP_RUNS = 3  # the profiling executor specializes a frozen module on its 2nd run


# --- the .cnn language ---------------------------------------------------------------

class CnnError(Exception):
    pass


def split_top_level(text):
    """Splits on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        parts.append(current.strip())
    return parts


def parse_value(text):
    """value ::= INT | FLOAT | 'true' | 'false' | IDENT | '(' value (',' value)* ')'"""
    text = text.strip()
    if text.startswith("(") and text.endswith(")"):
        return tuple(parse_value(part) for part in split_top_level(text[1:-1]))
    if text == "true":
        return True
    if text == "false":
        return False
    if re.fullmatch(r"[+-]?\d+", text):
        return int(text)
    try:
        return float(text)
    except ValueError:
        pass
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", text):
        return text
    raise CnnError(f"cannot read value '{text}'")


def parse_cnn(path):
    """The network as {name, inputs: [(name, shape)], layers: [(name, op, operands, attrs)],
    outputs: [name]}. Assumes a file `cnnc check` accepts; errors are reported by cnnc."""
    net = {"name": None, "inputs": [], "layers": [], "outputs": []}
    defined = set()
    with open(path) as f:
        for number, raw in enumerate(f, 1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = f"{path}:{number}"
            m = re.fullmatch(r"network\s+(\w+)", line)
            if m and "=" not in line:
                net["name"] = m.group(1)
                continue
            m = re.fullmatch(r"input\s+(\w+)\s*:\s*(\w+)\s*\[([^\]]*)\]", line)
            if m:
                shape = [int(d) for d in m.group(3).split(",")]
                net["inputs"].append((m.group(1), shape))
                defined.add(m.group(1))
                continue
            m = re.fullmatch(r"output\s+(.+)", line)
            if m and "=" not in line:
                net["outputs"] += [name.strip() for name in m.group(1).split(",")]
                continue
            m = re.fullmatch(r"(\w+)\s*=\s*(\w+)\s*\((.*)\)", line)
            if not m:
                raise CnnError(f"{where}: cannot parse '{line}'")
            name, op, args = m.group(1), m.group(2), m.group(3)
            operands, attrs = [], {}
            for arg in split_top_level(args):
                km = re.fullmatch(r"(\w+)\s*=\s*(.+)", arg)
                if km:
                    attrs[km.group(1)] = parse_value(km.group(2))
                elif re.fullmatch(r"\w+", arg) and arg in defined:
                    operands.append(arg)
                else:  # pad's padding may be positional
                    attrs.setdefault("padding", parse_value(arg))
            net["layers"].append((name, op, operands, attrs))
            defined.add(name)
    if net["name"] is None:
        raise CnnError(f"{path}: no 'network NAME' statement")
    return net


# --- operators, with SPEC's semantics --------------------------------------------------

def pair(value):
    return tuple(value) if isinstance(value, tuple) else (value, value)


def build_layer(torch, name, op, operands, attrs, shapes):
    """(module or None, function of the operand tensors) for one layer. `shapes` holds the
    output shapes of earlier layers (from a symbolic walk), for channel counts."""
    nn, F = torch.nn, torch.nn.functional
    in_shape = shapes[operands[0]] if operands else None
    if op == "conv2d":
        padding = attrs.get("padding", 0)
        if padding == "valid":
            padding = 0
        mode = attrs.get("padding_mode", "zeros")
        conv = nn.Conv2d(in_shape[1], attrs["out_channels"], pair(attrs["kernel_size"]),
                         stride=pair(attrs.get("stride", 1)),
                         padding=padding if padding == "same" else pair(padding),
                         dilation=pair(attrs.get("dilation", 1)), groups=attrs.get("groups", 1),
                         bias=attrs.get("bias", True), padding_mode=mode)
        return conv, lambda x: conv(x)
    if op == "batch_norm":
        bn = (nn.BatchNorm2d if len(in_shape) == 4 else nn.BatchNorm1d)(
            in_shape[1], eps=attrs.get("eps", 1e-5))
        return bn, lambda x: bn(x)
    if op == "linear":
        linear = nn.Linear(in_shape[1], attrs["out_features"], bias=attrs.get("bias", True))
        return linear, lambda x: linear(x)
    if op == "pad":
        p = attrs["padding"]
        p = (p, p, p, p) if isinstance(p, int) else tuple(p)
        mode = attrs.get("mode", "constant")
        mode = "constant" if mode == "zeros" else mode
        value = float(attrs.get("value", 0.0))
        if mode == "constant":
            return None, lambda x: F.pad(x, p, mode="constant", value=value)
        return None, lambda x: F.pad(x, p, mode=mode)
    if op in ("max_pool2d", "avg_pool2d"):
        kernel = pair(attrs["kernel_size"])
        stride = pair(attrs.get("stride", attrs["kernel_size"]))
        padding = pair(attrs.get("padding", 0))
        ceil = attrs.get("ceil_mode", False)
        if op == "max_pool2d":
            dilation = pair(attrs.get("dilation", 1))
            return None, lambda x: F.max_pool2d(x, kernel, stride, padding, dilation, ceil)
        include = attrs.get("count_include_pad", True)
        divisor = attrs.get("divisor_override")
        return None, lambda x: F.avg_pool2d(x, kernel, stride, padding, ceil, include, divisor)
    if op == "global_avg_pool2d":
        return None, lambda x: F.adaptive_avg_pool2d(x, 1)
    if op == "global_max_pool2d":
        return None, lambda x: F.adaptive_max_pool2d(x, 1)
    simple = {"relu": F.relu, "relu6": F.relu6, "sigmoid": torch.sigmoid, "tanh": torch.tanh,
              "flatten": lambda x: torch.flatten(x, 1)}
    if op in simple:
        return None, simple[op]
    if op == "leaky_relu":
        slope = float(attrs.get("negative_slope", 0.01))
        return None, lambda x: F.leaky_relu(x, slope)
    if op == "add":
        return None, lambda a, b: a + b
    if op == "concat":
        dim = attrs.get("dim", 1)
        return None, lambda *xs: torch.cat(xs, dim)
    if op == "softmax":
        dim = attrs.get("dim", 1)
        return None, lambda x: F.softmax(x, dim)
    raise CnnError(f"layer '{name}': operator '{op}' has no PyTorch mapping in pytorch_bench.py")


def make_module(torch, net):
    """An nn.Module running the network; its weighted layers are in `.layers` by name."""

    class CnnNetwork(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = torch.nn.ModuleDict()
            self.steps = []
            shapes = {name: shape for name, shape in net["inputs"]}
            probe = {name: torch.zeros(shape) for name, shape in net["inputs"]}
            for name, op, operands, attrs in net["layers"]:
                module, fn = build_layer(torch, name, op, operands, attrs, shapes)
                if module is not None:
                    self.layers[name] = module
                self.steps.append((name, fn, operands))
                with torch.no_grad():
                    probe[name] = fn(*[probe[o] for o in operands])
                shapes[name] = list(probe[name].shape)
            self.shapes = shapes

        def forward(self, *inputs):
            env = {name: x for (name, _), x in zip(net["inputs"], inputs)}
            for name, fn, operands in self.steps:
                env[name] = fn(*[env[o] for o in operands])
            return tuple(env[o] for o in net["outputs"])

    return CnnNetwork()


# --- tensors ----------------------------------------------------------------------------

def read_safetensors(torch, path):
    """{name: float32 tensor} from a safetensors file (F32 only, as cnnc writes them)."""
    with open(path, "rb") as f:
        data = f.read()
    (header_size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + header_size])
    base = 8 + header_size
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise CnnError(f"{path}: {name}: expected F32, found {info['dtype']}")
        begin, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=torch.float32)
        tensors[name] = flat.reshape(info["shape"])
    return tensors


def write_safetensors(path, tensors):
    """Writes {name: tensor} as F32 safetensors (keys sorted, header padded to 8 bytes),
    atomically."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().float().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    os.replace(path + ".tmp", path)


def load_weights(torch, module, weights):
    """Copies cnnc's weights (keys `<layer>.<name>`, PyTorch shapes) into the modules."""
    state = {}
    for key, value in module.state_dict().items():
        layer_key = key[len("layers."):]
        if layer_key.endswith("num_batches_tracked"):
            state[key] = value
            continue
        if layer_key not in weights:
            raise CnnError(f"missing weight '{layer_key}'")
        if list(weights[layer_key].shape) != list(value.shape):
            raise CnnError(f"{layer_key}: expected shape {list(value.shape)}, "
                           f"found {list(weights[layer_key].shape)}")
        state[key] = weights[layer_key]
    module.load_state_dict(state)


def compare(expected, got):
    """SPEC's equality: |got - exp| <= 1e-4 * (|exp| + 0.1 * max|exp|), per tensor."""
    for name, exp in expected.items():
        g = got[name]
        if list(g.shape) != list(exp.shape):
            return f"{name}: shape {list(g.shape)}, expected {list(exp.shape)}"
        exp64, g64 = exp.double(), g.double()
        scale = exp64.abs().max().item() if exp64.numel() else 0.0
        bad = (g64 - exp64).abs() > 1e-4 * (exp64.abs() + 0.1 * scale)
        if bool(bad.any()):
            worst = (g64 - exp64).abs().max().item()
            return f"{name}: {int(bad.sum())} elements outside tolerance (worst error {worst:.3g})"
    return None


def check_shapes(net, shapes, cnnc):
    """Compares every layer's shape with `cnnc check`; returns a message or None."""
    if not cnnc or not os.access(cnnc, os.X_OK):
        return "skipped (cnnc not found)"
    result = subprocess.run([cnnc, "check", net["path"]], capture_output=True, text=True)
    if result.returncode != 0:
        raise CnnError(f"cnnc check failed:\n{result.stderr}")
    cnnc_shapes = {}
    for line in result.stdout.splitlines():
        m = re.match(r"(\w+)\s+\w+\s+\[([\d, ]+)\]", line)
        if m:
            cnnc_shapes[m.group(1)] = [int(d) for d in m.group(2).split(",")]
    for name, shape in shapes.items():
        if name in cnnc_shapes and cnnc_shapes[name] != shape:
            raise CnnError(f"layer '{name}': PyTorch shape {shape}, cnnc check says "
                           f"{cnnc_shapes[name]}")
    missing = [name for name in shapes if name not in cnnc_shapes]
    if missing:
        raise CnnError(f"cnnc check lists no shape for {', '.join(missing)}")
    return f"all {len(shapes)} shapes match cnnc check"


def cnnc_flops(net, cnnc):
    """The network's FLOPs from `cnnc check`'s total line (3-4 significant digits)."""
    if not cnnc or not os.access(cnnc, os.X_OK):
        return None
    out = subprocess.run([cnnc, "check", net["path"]], capture_output=True, text=True).stdout
    m = re.search(r"([\d.]+)([KMG]?) FLOPs\s*$", out.strip())
    if not m:
        return None
    return float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]


# --- timing -----------------------------------------------------------------------------

def time_runs(torch, fn, inputs, min_time):
    with torch.no_grad():
        for _ in range(WARMUP_RUNS):
            fn(*inputs)
        runs = []
        start = time.perf_counter()
        while len(runs) < MIN_RUNS or (time.perf_counter() - start < min_time
                                       and len(runs) < MAX_RUNS):
            t0 = time.perf_counter()
            fn(*inputs)
            runs.append((time.perf_counter() - t0) * 1e3)
    return runs


def median(values):
    s = sorted(values)
    half = len(s) // 2
    return s[half] if len(s) % 2 else (s[half - 1] + s[half]) / 2


def frozen_module(torch, module, inputs):
    """freeze + optimize_for_inference, or freeze alone (and a note why) when the
    optimized module fails: PyTorch 1.13's oneDNN conversion rewrites avg_pool2d with
    divisor_override into mkldnn_avg_pool2d, which rejects it."""
    with torch.no_grad():
        traced = torch.jit.trace(module, tuple(inputs), check_trace=False)
        frozen = torch.jit.freeze(traced)
        optimized = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
        try:
            optimized(*inputs)
            return optimized, None
        except RuntimeError as error:
            reason = str(error).strip().splitlines()[-1]
            return frozen, f"optimize_for_inference failed ({reason}); timed freeze alone"


def default_cnnc():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(os.path.dirname(here), "build", "cnnc")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("network", help="the .cnn file")
    parser.add_argument("--threads", type=int, help="intra-op threads (default: all cores)")
    parser.add_argument("--min-time", type=float, default=2.0,
                        help="seconds to keep timing each variant (default 2)")
    parser.add_argument("--json", help="also write the measurements to FILE as JSON")
    parser.add_argument("--tensors", help="directory with weights/inputs/expected.safetensors "
                        "(cnnc_onednn_bench --dump-tensors)")
    parser.add_argument("--write-outputs", metavar="DIR",
                        help="write each variant's outputs to DIR/pytorch-VARIANT.safetensors")
    parser.add_argument("--variants", default="eager,frozen",
                        help="comma-separated: eager, frozen (default both)")
    parser.add_argument("--cnnc", default=default_cnnc(), help="the cnnc tool, for shapes")
    return parser.parse_args(argv)


def prepare(torch, args, net):
    """The module and inputs, with cnnc's weights when --tensors is given; and a check."""
    torch.manual_seed(0)
    module = make_module(torch, net).eval()
    if args.tensors:
        load_weights(torch, module, read_safetensors(torch, os.path.join(args.tensors,
                                                                         "weights.safetensors")))
        given = read_safetensors(torch, os.path.join(args.tensors, "inputs.safetensors"))
        inputs = [given[name] for name, _ in net["inputs"]]
    else:
        inputs = [torch.rand(shape) * 2 - 1 for _, shape in net["inputs"]]
    return module, inputs


def run_outputs(torch, net, fn, inputs):
    """{output name: dense NCHW tensor} of one forward pass."""
    with torch.no_grad():
        outputs = fn(*inputs)
    return {name: t.to_dense() if t.is_mkldnn else t for name, t in zip(net["outputs"], outputs)}


def check_outputs(torch, args, got):
    expected_path = os.path.join(args.tensors or "", "expected.safetensors")
    if not args.tensors:
        return "values not checked (PyTorch's own random weights)"
    if not os.path.exists(expected_path):
        return "values not checked here (no expected.safetensors)"
    problem = compare(read_safetensors(torch, expected_path), got)
    if problem:
        raise CnnError(f"PyTorch disagrees with the reference: {problem}")
    return "outputs agree with the reference evaluator"


def main(argv):
    args = parse_args(argv)
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch  # after OMP_NUM_THREADS, which its OpenMP runtime reads once
    if args.threads:
        torch.set_num_threads(args.threads)
    net = parse_cnn(args.network)
    net["path"] = args.network
    module, inputs = prepare(torch, args, net)
    shape_check = check_shapes(net, module.shapes, args.cnnc)
    flops = cnnc_flops(net, args.cnnc)
    results = []
    for variant in [v for v in args.variants.split(",") if v]:
        note = None
        if variant == "eager":
            fn = module
        elif variant == "frozen":
            fn, note = frozen_module(torch, module, inputs)
        else:
            raise CnnError(f"unknown variant '{variant}' (eager, frozen)")
        got = run_outputs(torch, net, fn, inputs)
        check = check_outputs(torch, args, got)
        if args.write_outputs:
            write_safetensors(os.path.join(args.write_outputs, f"pytorch-{variant}.safetensors"),
                              got)
        print(f"timing pytorch-{variant}...", file=sys.stderr, flush=True)
        runs = time_runs(torch, fn, inputs, args.min_time)
        results.append({"name": f"pytorch-{variant}", "runs": len(runs), "run_ms": runs,
                        "median_ms": median(runs), "min_ms": min(runs),
                        "gflops": flops / (median(runs) * 1e6) if flops else None,
                        "check": check + (f"; {note}" if note else ""), "note": note})
    threads = torch.get_num_threads()
    print(f"network {net['name']}: "
          + (f"{flops / 1e9:.3f} GFLOP per run; " if flops else "")
          + f"PyTorch {torch.__version__}, {threads} thread{'s' if threads != 1 else ''}")
    print(f"{'library':16}{'runs':>6}{'median ms':>11}{'min ms':>11}{'GFLOP/s':>9}")
    for r in results:
        gflops = f"{r['gflops']:.1f}" if r["gflops"] else "-"
        print(f"{r['name']:16}{r['runs']:>6}{r['median_ms']:>11.3f}{r['min_ms']:>11.3f}"
              f"{gflops:>9}")
    print(f"shapes: {shape_check}")
    for r in results:
        print(f"check ({r['name']}): {r['check']}")
    if args.json:
        report = {"format": "cnnc-baseline/1", "library": "pytorch",
                  "library_version": torch.__version__,
                  "settings": {"threads": threads, "min_time_seconds": args.min_time,
                               "weights": "cnnc's (--tensors)" if args.tensors
                               else "torch.manual_seed(0) initialisation"},
                  "network": {"name": net["name"], "flops": flops},
                  "shapes": shape_check, "schedules": results}
        with open(args.json + ".tmp", "w") as f:
            json.dump(report, f, indent=2)
        os.replace(args.json + ".tmp", args.json)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except CnnError as error:
        print(f"pytorch_bench.py: error: {error}", file=sys.stderr)
        sys.exit(1)
