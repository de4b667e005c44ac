#!/usr/bin/python3
"""ResNet-18 from PyTorch to cnnc and back, on this machine, in one script:

  1. builds torchvision.models.resnet18(weights=None) (random weights, randomized
     batch-norm statistics; nothing is downloaded) and exports it to ONNX;
  2. `cnnc import`s it into resnet18.cnn + resnet18.safetensors;
  3. `cnnc compile`s it ahead of time (fused schedule) into a static library;
  4. `cnnc run`s it on a random image and checks the output against PyTorch's
     (SPEC's tolerance, 1e-4 relative);
  5. times one forward pass with `cnnc bench` (fused) and PyTorch (eager, and
     TorchScript-frozen) at the same thread count, and prints the ratio.

    /usr/bin/python3 examples/resnet18/resnet18.py [--size 224] [--threads 2] [--min-time 3]
        [--cnnc build/cnnc] [--keep DIR]

Needs Debian's python3-torch and python3-torchvision, and a built cnnc.
"""

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "import"))
import importcheck as ic  # noqa: E402  (safetensors I/O and SPEC's comparison)


def step(title):
    print(f"\n== {title}", flush=True)


def cnnc(args, *words):
    """Runs cnnc, echoing the command and its output; exits on failure."""
    cmd = [args.cnnc, *words]
    print("$ cnnc " + " ".join(words), flush=True)
    start = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.stdout.strip():
        print(proc.stdout.rstrip())
    if proc.returncode != 0:
        sys.exit(f"cnnc exited {proc.returncode}")
    return time.monotonic() - start


def time_pytorch(model, image, min_time):
    """Median and minimum milliseconds of one forward pass, timed like `cnnc bench`:
    warm-up, then at least 10 runs and min_time seconds."""
    with torch.no_grad():
        for _ in range(3):
            model(image)
        times, start = [], time.monotonic()
        while len(times) < 10 or (time.monotonic() - start < min_time and len(times) < 1000):
            t0 = time.perf_counter()
            model(image)
            times.append((time.perf_counter() - t0) * 1e3)
    return float(np.median(times)), float(min(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=224, help="input height and width (default 224)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for both (default: all cores)")
    ap.add_argument("--min-time", type=float, default=3.0, help="seconds to time each (default 3)")
    ap.add_argument("--cnnc", default=os.path.join(REPO, "build", "cnnc"))
    ap.add_argument("--keep", metavar="DIR", help="keep the files in DIR")
    args = ap.parse_args()
    if not os.access(args.cnnc, os.X_OK):
        ap.error(f"cnnc not found at {args.cnnc} (build it, or pass --cnnc)")
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")  # see bench/compare.sh
    torch.set_num_threads(args.threads)
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="resnet18.")
    work = args.keep or tmp.name
    os.makedirs(work, exist_ok=True)
    path = lambda name: os.path.join(work, name)  # noqa: E731

    step("1. PyTorch model, exported to ONNX")
    torch.manual_seed(ic.SEED)
    model = ic.randomize_batch_norms(torchvision.models.resnet18(weights=None).eval())
    image = torch.randn(1, 3, args.size, args.size, generator=torch.Generator().manual_seed(1))
    torch.onnx.export(model, image, path("resnet18.onnx"), opset_version=13)
    print(f"wrote {path('resnet18.onnx')} ({os.path.getsize(path('resnet18.onnx')) / 1e6:.1f} MB)")

    step("2. import")
    cnnc(args, "import", path("resnet18.onnx"), "-o", path("resnet18.cnn"))

    step("3. compile ahead of time (fused)")
    seconds = cnnc(args, "compile", path("resnet18.cnn"), "-o", path("lib"), "--schedule", "fused")
    print(f"compiled in {seconds:.1f} s: {', '.join(sorted(os.listdir(path('lib'))))}")

    step("4. run once and compare with PyTorch")
    ic.write_safetensors(path("inputs.safetensors"), {"input_1": image.numpy()})
    cnnc(args, "run", path("resnet18.cnn"), "--weights", path("resnet18.safetensors"),
         "--inputs", path("inputs.safetensors"), "-o", path("outputs.safetensors"), "--schedule", "fused")
    got = ic.read_safetensors(path("outputs.safetensors"))["fc"]
    with torch.no_grad():
        expected = copy.deepcopy(model).double()(image.double()).numpy()
    problem = ic.compare(got, expected)
    print("outputs match PyTorch (1e-4 relative)" if not problem else f"MISMATCH: {problem}")
    if problem:
        return 1

    step(f"5. benchmark, {args.threads} threads")
    cnnc(args, "bench", path("resnet18.cnn"), "--schedules", "fused", "--threads", str(args.threads),
         "--min-time", str(args.min_time), "--json", path("bench.json"))
    with open(path("bench.json")) as f:
        fused = next(s for s in json.load(f)["schedules"] if s["name"] == "fused")
    eager = time_pytorch(model, image, args.min_time)
    with torch.no_grad():
        frozen_model = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(model, image)))
    frozen = time_pytorch(frozen_model, image, args.min_time)

    rows = [("cnnc fused", fused["median_ms"], fused["min_ms"]),
            ("pytorch eager", *eager), ("pytorch frozen", *frozen)]
    print(f"\nresnet18, 1x3x{args.size}x{args.size}, {args.threads} threads, torch {torch.__version__}")
    print(f"{'':16}{'median ms':>10}{'min ms':>10}")
    for name, median, low in rows:
        print(f"{name:16}{median:>10.2f}{low:>10.2f}")
    print(f"\nPyTorch eager / cnnc fused: {eager[0] / fused['median_ms']:.2f}x (medians; > 1 means cnnc is faster)")
    print(f"PyTorch frozen / cnnc fused: {frozen[0] / fused['median_ms']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
