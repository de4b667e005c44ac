#!/usr/bin/python3
"""tools/torch2cnn.py on small modules: what it writes for each kind of layer (checked
by running the result under `cnnc run --schedule reference` against PyTorch), and
that what it cannot export exactly is an error naming the traced node, with no file
written. The torchvision models are in test_models.py.

    /usr/bin/python3 tests/import/test_torch2cnn.py --cnnc build/cnnc
"""

import argparse
import os
import re
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
import importcheck as ic  # noqa: E402
import torch2cnn  # noqa: E402


class Everything(nn.Module):
    """One of each layer torch2cnn writes, functional forms included."""

    def __init__(self):
        super().__init__()
        self.pad = nn.ReflectionPad2d(1)
        self.conv = nn.Conv2d(3, 8, 3, padding_mode="circular", padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8, eps=1e-3)
        self.act = nn.ReLU6()
        self.pool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
        self.branch = nn.Conv2d(8, 8, 1, groups=2)
        self.avg = nn.AvgPool2d(3, 1, 1, count_include_pad=False)
        self.leaky = nn.LeakyReLU(0.1)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.act(self.bn(self.conv(self.pad(x))))
        x = self.pool(x)
        y = self.leaky(self.avg(torch.sigmoid(self.branch(x))))
        x = torch.cat([x + y, torch.tanh(y)], dim=1)
        x = torch.flatten(self.gap(F.relu(x)), 1)
        return F.softmax(self.fc(x), dim=1)


EXPECTED_OPS = ["pad", "conv2d", "batch_norm", "relu6", "max_pool2d", "conv2d", "sigmoid",
                "avg_pool2d", "leaky_relu", "add", "tanh", "concat", "relu", "global_avg_pool2d",
                "flatten", "linear", "softmax"]


class Crop(nn.Module):
    def forward(self, x):
        return x[:, :, 1:, 1:]


class Broadcast(nn.Module):
    def forward(self, x):
        return x + x.mean(dim=1, keepdim=True)


ERRORS = [
    ("unsupported_module", nn.Sequential(nn.Conv2d(3, 3, 1), nn.Upsample(scale_factor=2)),
     r"node '_1' \(call_module 1\): module type Upsample is not supported"),
    ("crop", Crop(), r"node 'getitem' \(call_function getitem\): function is not supported"),
    ("broadcast_add", Broadcast(), r"node 'mean' \(call_method mean\): method \.mean\(\) is not supported"),
    ("adaptive_to_2x2", nn.AdaptiveAvgPool2d(2), r"adaptive pooling to 2 is not supported"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cnnc", required=True)
    args = ap.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="torch2cnn.") as workdir:
        torch.manual_seed(ic.SEED)
        model = ic.randomize_batch_norms(Everything().eval())
        image = torch.randn(1, 3, 12, 12, generator=torch.Generator().manual_seed(ic.SEED + 2))
        stem = os.path.join(workdir, "everything")
        torch2cnn.export(model, image, stem + ".cnn", stem + ".safetensors")
        with open(stem + ".cnn") as f:
            ops = re.findall(r"^\w+ = (\w+)\(", f.read(), re.M)
        problem = "" if ops == EXPECTED_OPS else f"ops {ops}, expected {EXPECTED_OPS}"
        if not problem:
            got, problem = ic.run_cnn(args.cnnc, stem + ".cnn", stem + ".safetensors", image,
                                      workdir, "reference")
            problem = problem or ic.compare(got, ic.expected_output(model, image))
        print(f"{'FAIL' if problem else 'pass'} every layer kind {problem}")
        failures += bool(problem)

        for name, module, pattern in ERRORS:
            out = os.path.join(workdir, name)
            try:
                torch2cnn.export(module.eval(), torch.randn(1, 3, 8, 8), out + ".cnn", out + ".safetensors")
                problem = "exported without an error"
            except torch2cnn.ExportError as e:
                problem = "" if re.search(pattern, str(e)) else f"message {str(e)!r} !~ {pattern!r}"
            if os.path.exists(out + ".cnn") or os.path.exists(out + ".safetensors"):
                problem = problem or "a file was written"
            print(f"{'FAIL' if problem else 'pass'} error {name} {problem}")
            failures += bool(problem)
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
