#!/usr/bin/python3
"""A torchvision model (random weights, randomized batch-norm statistics; nothing is
downloaded) brought into cnnc either through ONNX (`torch.onnx.export`, then
`cnnc import`) or through tools/torch2cnn.py, then run by `cnnc run` (JIT compile
included) and compared with PyTorch on the same input at SPEC's tolerance.

    /usr/bin/python3 tests/import/test_models.py --cnnc build/cnnc --source onnx --model resnet18
    ... --source torch2cnn --model mobilenet_v2 --schedule fused --size 64
"""

import argparse
import os
import sys
import tempfile
import time

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import importcheck as ic  # noqa: E402
import torch2cnn  # noqa: E402


def convert(args, model, image, stem):
    """Writes stem.cnn and stem.safetensors; returns '' or the error."""
    if args.source == "torch2cnn":
        torch2cnn.export(model, image, stem + ".cnn", stem + ".safetensors")
        return ""
    torch.onnx.export(model, image, stem + ".onnx", opset_version=args.opset)
    code, out, err = ic.run([args.cnnc, "import", stem + ".onnx", "-o", stem + ".cnn"])
    print(out.strip())
    return "" if code == 0 else f"cnnc import exited {code}: {err.strip()}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cnnc", required=True)
    ap.add_argument("--source", choices=["onnx", "torch2cnn"], required=True)
    ap.add_argument("--model", choices=["resnet18", "mobilenet_v2", "squeezenet1_0"], required=True)
    ap.add_argument("--schedule", default="fused")
    ap.add_argument("--size", type=int, default=64, help="input height and width (default 64)")
    ap.add_argument("--opset", type=int, default=13)
    ap.add_argument("--keep", metavar="DIR")
    args = ap.parse_args()

    torch.manual_seed(ic.SEED)
    model = ic.randomize_batch_norms(getattr(torchvision.models, args.model)(weights=None).eval())
    image = torch.randn(1, 3, args.size, args.size, generator=torch.Generator().manual_seed(ic.SEED + 2))
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="import_models.")
    workdir = args.keep or tmp.name
    os.makedirs(workdir, exist_ok=True)
    stem = os.path.join(workdir, f"{args.model}_{args.source}")

    problem = convert(args, model, image, stem)
    if not problem:
        start = time.monotonic()
        got, problem = ic.run_cnn(args.cnnc, stem + ".cnn", stem + ".safetensors", image, workdir,
                                  args.schedule)
        seconds = time.monotonic() - start
        problem = problem or ic.compare(got, ic.expected_output(model, image))
        print(f"cnnc run --schedule {args.schedule}: {seconds:.1f} s (JIT compile included)")
    print(f"{'FAIL' if problem else 'pass'} {args.model} via {args.source}, {args.schedule} "
          f"{problem}")
    return 1 if problem else 0


if __name__ == "__main__":
    sys.exit(main())
