#!/usr/bin/python3
"""Checks the torchvision models in examples/models against PyTorch.

For each model (resnet18, mobilenet_v2, squeezenet1_0, vgg16, alexnet, or `all`) this
  1. builds torchvision.models.<name>(weights=None) with a fixed seed, in eval mode, and
     re-randomizes every batch norm (running_mean, weight, bias random; running_var in
     [0.5, 2]) so that folding batch norm into the convolution is really exercised;
  2. writes <dir>/<name>.weights.safetensors (the state_dict, '.' -> '_' in the module
     path: "layer1.0.conv1.weight" -> "layer1_0_conv1.weight"; num_batches_tracked is
     left out) and <dir>/<name>.inputs.safetensors (the .cnn's input, a random image);
  3. runs PyTorch (in float64, on the same float32 weights and input) for the expected
     output, then `cnnc run` under each schedule asked for, timing each run (wall clock,
     JIT compile included);
  4. compares with SPEC's tolerance: per output, with S = max|expected|, every element
     must satisfy |got - expected| <= 1e-4 * (|expected| + 0.1 * S).

It prints one row per (model, schedule): S = max|expected|, max abs error, max relative
error in SPEC's sense (max |got - expected| / (|expected| + 0.1 * S), passing at <= 1e-4),
pass/fail, wall-clock seconds of the `cnnc run` (JIT compile, weight loading and the
run itself) and the CPU seconds (user + system, all threads) it used. It exits 1 if any
run fails (mismatch, cnnc error, timeout), 2 on bad usage.

Needs Debian's python3 with torch and torchvision (apt-get install python3-torchvision);
nothing is downloaded: all weights are random.

  /usr/bin/python3 examples/models/torchvision_check.py all
  /usr/bin/python3 examples/models/torchvision_check.py resnet18 --schedules reference,unfused,fused
  /usr/bin/python3 examples/models/torchvision_check.py vgg16 --keep /tmp/vgg16 --cnnc build/cnnc
"""

import argparse
import json
import os
import re
import resource
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MODELS = ["resnet18", "mobilenet_v2", "squeezenet1_0", "vgg16", "alexnet"]
SCHEDULES = ["reference", "unfused", "fused", "auto"]
TOLERANCE = 1e-4
SEED = 20240611

# ----------------------------------------------------------------------------------------
# safetensors, F32 only


def write_safetensors(path, tensors):
    """tensors: {name: float32 numpy array}. Keys sorted, header padded to 8 bytes."""
    import numpy as np

    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        data = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    import numpy as np

    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} has dtype {info['dtype']}, expected F32")
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(raw[base + begin:base + end], dtype="<f4").reshape(info["shape"])
    return out


# ----------------------------------------------------------------------------------------
# the model and its files


def cnn_interface(path):
    """The .cnn's inputs {name: shape} and its output names, read from its text."""
    inputs, outputs = {}, []
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            m = re.match(r"input\s+(\w+)\s*:\s*f32\s*\[([^\]]*)\]", line)
            if m:
                inputs[m.group(1)] = [int(d) for d in m.group(2).split(",")]
            m = re.match(r"output\s+(.*)", line)
            if m:
                outputs += [o.strip() for o in m.group(1).split(",")]
    return inputs, outputs


def weight_key(state_key):
    """'layer1.0.conv1.weight' -> 'layer1_0_conv1.weight'."""
    module, _, param = state_key.rpartition(".")
    return module.replace(".", "_") + "." + param


def build_model(name):
    import torch
    import torchvision

    torch.manual_seed(SEED)
    model = getattr(torchvision.models, name)(weights=None)
    model.eval()
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.rand(c, generator=g) - 0.5)
                m.running_var.copy_(0.5 + 1.5 * torch.rand(c, generator=g))
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(torch.rand(c, generator=g) - 0.5)
    return model


def prepare(name, cnn_path, workdir):
    """Writes the weights and inputs files; returns ({output: expected float64}, paths)."""
    import copy

    import torch

    inputs, outputs = cnn_interface(cnn_path)
    if len(inputs) != 1 or len(outputs) != 1:
        raise SystemExit(f"{cnn_path}: expected one input and one output")
    (input_name, shape), = inputs.items()

    model = build_model(name)
    weights = {weight_key(k): v.detach().float().numpy()
               for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    g = torch.Generator().manual_seed(SEED + 2)
    image = torch.randn(*shape, generator=g)

    weights_path = os.path.join(workdir, f"{name}.weights.safetensors")
    inputs_path = os.path.join(workdir, f"{name}.inputs.safetensors")
    write_safetensors(weights_path, weights)
    write_safetensors(inputs_path, {input_name: image.numpy()})

    # Expected output: the same float32 weights and input, evaluated in float64.
    model64 = copy.deepcopy(model).double()
    with torch.no_grad():
        expected = model64(image.double()).numpy()
    return {outputs[0]: expected}, weights_path, inputs_path


def compare(got, expected):
    """(max abs error, max SPEC-relative error, ok, message) over every output tensor."""
    import numpy as np

    max_abs = max_rel = 0.0
    problems = []
    for name, e in expected.items():
        if name not in got:
            problems.append(f"output {name} missing")
            continue
        g = got[name].astype(np.float64)
        if g.shape != e.shape:
            problems.append(f"output {name}: shape {list(g.shape)}, expected {list(e.shape)}")
            continue
        if not np.all(np.isfinite(g)):
            problems.append(f"output {name}: non-finite values")
        s = float(np.max(np.abs(e)))
        diff = np.abs(g - e)
        scale = np.abs(e) + 0.1 * s
        rel = diff / np.where(scale > 0, scale, 1.0)
        max_abs = max(max_abs, float(np.nanmax(diff)))
        max_rel = max(max_rel, float(np.nanmax(rel)))
        bad = int(np.sum(~(diff <= TOLERANCE * scale)))
        if bad:
            problems.append(f"output {name}: {bad} of {e.size} elements out of tolerance")
    return max_abs, max_rel, not problems, "; ".join(problems)


def run_cnnc(cnnc, cnn_path, weights_path, inputs_path, out_path, schedule, timeout):
    cmd = [cnnc, "run", cnn_path, "--weights", weights_path, "--inputs", inputs_path,
           "-o", out_path, "--schedule", schedule]
    def cpu():
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    cpu0, start = cpu(), time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - start, float("nan"), f"timed out after {timeout:.0f} s"
    seconds, cpu_seconds = time.monotonic() - start, cpu() - cpu0
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return None, seconds, cpu_seconds, f"exit {proc.returncode}: " + " | ".join(tail)
    return read_safetensors(out_path), seconds, cpu_seconds, ""


# ----------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("models", nargs="+", help=f"model names ({', '.join(MODELS)}) or all")
    ap.add_argument("--schedules", default="fused,unfused",
                    help="comma-separated cnnc schedules (reference, unfused, fused, auto); "
                         "default fused,unfused")
    ap.add_argument("--cnnc", default=os.path.join(REPO, "build", "cnnc"),
                    help="the cnnc binary (default: build/cnnc of this checkout)")
    ap.add_argument("--keep", metavar="DIR",
                    help="write weights, inputs and outputs to DIR and keep them "
                         "(default: a temporary directory, removed at the end)")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds allowed for one cnnc run (default 900)")
    args = ap.parse_args()

    models = MODELS if args.models == ["all"] else args.models
    for m in models:
        if m not in MODELS:
            ap.error(f"unknown model {m!r}; choose from {', '.join(MODELS)} or all")
    schedules = [s for s in args.schedules.split(",") if s]
    for s in schedules:
        if s not in SCHEDULES:
            ap.error(f"unknown schedule {s!r}; choose from {', '.join(SCHEDULES)}")
    if not os.access(args.cnnc, os.X_OK):
        ap.error(f"cnnc not found at {args.cnnc} (build it, or pass --cnnc)")
    try:
        import numpy  # noqa: F401
        import torch  # noqa: F401
        import torchvision  # noqa: F401
    except ImportError as e:
        print(f"error: {e}; run with Debian's /usr/bin/python3 and python3-torchvision",
              file=sys.stderr)
        return 2

    tmp = None
    if args.keep:
        workdir = args.keep
        os.makedirs(workdir, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="torchvision_check.")
        workdir = tmp.name

    rows, failures = [], []
    header = (f"{'model':<14} {'schedule':<10} {'max|expected|':>13} {'max abs err':>12} "
              f"{'max rel err':>12} {'result':>6} {'seconds':>8} {'cpu s':>7}")
    print(header, flush=True)
    print("-" * len(header), flush=True)
    try:
        for name in models:
            cnn_path = os.path.join(HERE, f"{name}.cnn")
            expected, weights_path, inputs_path = prepare(name, cnn_path, workdir)
            scale = max(float(abs(e).max()) for e in expected.values())
            for schedule in schedules:
                out_path = os.path.join(workdir, f"{name}.{schedule}.outputs.safetensors")
                got, seconds, cpu_seconds, error = run_cnnc(args.cnnc, cnn_path, weights_path, inputs_path,
                                               out_path, schedule, args.timeout)
                if got is None:
                    max_abs = max_rel = float("nan")
                    ok, message = False, error
                else:
                    max_abs, max_rel, ok, message = compare(got, expected)
                result = "pass" if ok else "FAIL"
                print(f"{name:<14} {schedule:<10} {scale:>13.3e} {max_abs:>12.3e} {max_rel:>12.3e} "
                      f"{result:>6} {seconds:>8.1f} {cpu_seconds:>7.1f}", flush=True)
                if not ok:
                    failures.append(f"{name} {schedule}: {message}")
                rows.append((name, schedule, max_abs, max_rel, ok, seconds))
    finally:
        if tmp is not None:
            tmp.cleanup()

    print()
    if failures:
        for f in failures:
            print(f"FAIL {f}")
        print(f"{len(rows) - len(failures)} passed, {len(failures)} failed")
        return 1
    print(f"{len(rows)} passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
