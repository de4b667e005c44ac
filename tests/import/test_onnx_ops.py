#!/usr/bin/python3
"""`cnnc import` operator by operator: tiny PyTorch modules, exported to ONNX by
torch.onnx.export at several opsets, imported, run by `cnnc run` and compared with
PyTorch at SPEC's tolerance. The reference evaluator runs every case (no JIT compile,
so the whole table takes seconds); the cases whose conversion shapes the fused schedule
(explicit pads before convolutions and pools) also run under `fused`. Also checked:
the .cnn each case imports to (operators and attributes, so a conversion cannot
silently degrade to something else that happens to match), that importing is
deterministic, that the written .cnn passes `cnnc check`, and that a resnet18 exported
with its batch norms kept imports to the state_dict's own names and values.

    /usr/bin/python3 tests/import/test_onnx_ops.py --cnnc build/cnnc [--keep DIR] [-k NAME]
"""

import argparse
import os
import re
import sys
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import importcheck as ic  # noqa: E402

EVAL = torch.onnx.TrainingMode.EVAL          # the exporter folds batch norm into conv
PRESERVE = torch.onnx.TrainingMode.PRESERVE  # keeps BatchNormalization nodes


class Seq(nn.Module):
    """nn.Sequential with a functional tail, so cases can mix modules and functions."""

    def __init__(self, *mods, fn=None):
        super().__init__()
        self.body = nn.Sequential(*mods)
        self.fn = fn

    def forward(self, x):
        x = self.body(x)
        return self.fn(x) if self.fn else x


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv(x)) + x


class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv2d(4, 3, 1)
        self.b = nn.Conv2d(4, 5, 3, padding=1)

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x)], 1)


class ViewHead(nn.Module):
    """The x.view(x.size(0), -1) flatten: Shape/Gather/Unsqueeze/Concat/Reshape."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4 * 3 * 3, 6)

    def forward(self, x):
        return self.fc(x.view(x.size(0), -1))


class MatMulHead(nn.Module):
    def __init__(self, bias=True):
        super().__init__()
        self.w = nn.Parameter(torch.randn(4 * 9, 5) * 0.2)
        self.b = nn.Parameter(torch.randn(5)) if bias else None

    def forward(self, x):
        y = torch.flatten(x, 1) @ self.w
        return y + self.b if self.b is not None else y


def conv(**kw):
    args = dict(in_channels=4, out_channels=6, kernel_size=3)
    args.update(kw)
    return nn.Conv2d(**args)


# name, module, opsets, training mode, expected .cnn statements (regexes, in order),
# also under fused
CASES = [
    ("conv", conv(), [11, 13, 17], EVAL, [r"conv2d\(input, out_channels=6, kernel_size=3\)"], False),
    ("conv_stride_pad_dilation", conv(stride=2, padding=2, dilation=2), [13], EVAL,
     [r"conv2d\(.*stride=2, padding=2, dilation=2\)"], False),
    ("conv_rect_groups_nobias", conv(out_channels=8, kernel_size=(3, 1), padding=(1, 0), groups=2, bias=False),
     [13], EVAL, [r"kernel_size=\(3, 1\), padding=\(1, 0\), groups=2, bias=false"], False),
    ("conv_reflect", conv(padding=1, padding_mode="reflect"), [11, 17], EVAL,
     [r"pad\(input, padding=\(1, 1, 1, 1\), mode=reflect\)", r"conv2d"], True),
    ("pad_constant_value", Seq(fn=lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)), [11, 13], EVAL,
     [r"pad\(input, padding=\(1, 2, 0, 1\), value=0.5\)"], False),
    ("pad_replicate_conv", Seq(nn.ReplicationPad2d((2, 0, 1, 1)), conv()), [13], EVAL,
     [r"pad\(input, padding=\(2, 0, 1, 1\), mode=replicate\)", r"conv2d"], True),
    ("pad_zero_conv", Seq(nn.ZeroPad2d((0, 1, 0, 1)), conv(stride=2)), [13], EVAL,
     [r"pad\(input, padding=\(0, 1, 0, 1\)\)", r"conv2d"], True),
    ("max_pool", nn.MaxPool2d(3, 2, 1), [11, 13, 17], EVAL,
     [r"max_pool2d\(input, kernel_size=3, stride=2, padding=1\)"], False),
    ("max_pool_ceil_dilation", nn.MaxPool2d(2, 2, 1, dilation=2, ceil_mode=True), [13], EVAL,
     [r"max_pool2d\(input, kernel_size=2, padding=1, dilation=2, ceil_mode=true\)"], True),
    # PyTorch exports count_include_pad=True padding as an explicit zero Pad.
    ("avg_pool_include_pad", nn.AvgPool2d(3, 2, 1), [13], EVAL,
     [r"pad\(input, padding=\(1, 1, 1, 1\)\)", r"avg_pool2d\(pad, kernel_size=3, stride=2\)"], True),
    ("avg_pool_exclude_pad_ceil", nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     [11, 17], EVAL, [r"avg_pool2d\(.*ceil_mode=true, count_include_pad=false\)"], True),
    ("avg_pool_plain", nn.AvgPool2d(2), [13], EVAL, [r"avg_pool2d\(input, kernel_size=2\)"], False),
    ("global_avg_pool", Seq(nn.AdaptiveAvgPool2d(1)), [13], EVAL, [r"global_avg_pool2d\(input\)"], False),
    # PyTorch exports AdaptiveMaxPool2d(1) as a MaxPool over the whole image.
    ("adaptive_max_pool", Seq(nn.AdaptiveMaxPool2d((1, 1))), [13], EVAL,
     [r"max_pool2d\(input, kernel_size=9\)"], False),
    ("batch_norm", Seq(conv(bias=False), nn.BatchNorm2d(6, eps=1e-3)), [11, 15], PRESERVE,
     [r"conv2d\(.*bias=false\)", r"batch_norm\(.*eps=0.001\)"], False),
    ("batch_norm_folded", Seq(conv(bias=False), nn.BatchNorm2d(6)), [13], EVAL, [r"conv2d\(.*\)$"], False),
    ("relu6_clip", Seq(nn.ReLU6()), [11, 13], EVAL, [r"relu6\(input\)"], False),
    ("clip_to_relu", Seq(fn=lambda x: torch.clamp(x, min=0)), [13], EVAL, [r"relu\(input\)"], False),
    ("leaky_relu", Seq(nn.LeakyReLU(0.2)), [13], EVAL, [r"leaky_relu\(input, negative_slope=0.2\)"], False),
    ("sigmoid_tanh", Seq(nn.Sigmoid(), nn.Tanh()), [13], EVAL, [r"sigmoid\(input\)", r"tanh\("], False),
    ("residual_add", Residual(), [13], EVAL, [r"conv2d", r"relu", r"add\("], False),
    ("concat", Branches(), [11, 13], EVAL, [r"conv2d", r"conv2d", r"concat\(.*dim=1\)"], False),
    ("flatten_linear", Seq(nn.Flatten(), nn.Linear(4 * 9, 5)), [11, 13], EVAL,
     [r"flatten\(input\)", r"linear\(.*out_features=5\)"], False),
    ("view_linear_nobias", ViewHead(), [11, 13, 17], EVAL, [r"flatten\(input\)", r"linear"], False),
    ("reshape_const", Seq(fn=lambda x: x.reshape(1, -1)), [13], EVAL, [r"flatten\(input\)"], False),
    ("matmul_add", MatMulHead(), [13], EVAL, [r"flatten", r"linear\(flatten, out_features=5\)"], False),
    ("matmul_nobias", MatMulHead(bias=False), [13], EVAL,
     [r"flatten", r"linear\(.*out_features=5, bias=false\)"], False),
    ("softmax", Seq(nn.Flatten(), nn.Linear(36, 7), nn.Softmax(dim=1)), [11, 13], EVAL,
     [r"flatten", r"linear", r"softmax\(.*dim=1\)"], False),
    ("softmax_channels", Seq(nn.Softmax(dim=1)), [13], EVAL, [r"softmax\(input, dim=1\)"], False),
    ("dropout_identity", Seq(nn.Dropout(0.3), nn.Identity(), nn.ReLU()), [12, 13], PRESERVE,
     [r"relu\(input\)"], False),
]


def run_case(cnnc, workdir, name, module, opset, training, patterns, schedules):
    """'' when the case passes, else what went wrong."""
    torch.manual_seed(ic.SEED)
    module = ic.randomize_batch_norms(module.eval())
    torch.manual_seed(ic.SEED)
    for p in module.parameters():
        if p.dim() > 1:
            nn.init.uniform_(p, -0.3, 0.3)
    shape = (1, 4, 3, 3) if name.startswith(("view", "matmul", "flatten", "softmax")) else (1, 4, 9, 9)
    image = torch.randn(*shape, generator=torch.Generator().manual_seed(ic.SEED + 2))
    stem = os.path.join(workdir, f"{name}_op{opset}")
    torch.onnx.export(module, image, stem + ".onnx", opset_version=opset, training=training,
                      input_names=["input"], output_names=["result"])
    code, _, err = ic.run([cnnc, "import", stem + ".onnx", "-o", stem + ".cnn"])
    if code != 0:
        return f"import exited {code}: {err.strip()}"
    with open(stem + ".cnn") as f:
        text = f.read()
    layers = [l.split("#")[0].strip() for l in text.splitlines() if re.match(r"\w+ = ", l)]
    if len(layers) != len(patterns):
        return f"expected {len(patterns)} layers, imported {len(layers)}: {layers}"
    for pattern, layer in zip(patterns, layers):
        if not re.search(pattern, layer):
            return f"layer {layer!r} does not match {pattern!r}"
    code, _, _ = ic.run([cnnc, "import", stem + ".onnx", "-o", stem + ".again.cnn", "--name", name + "_op" + str(opset)])
    with open(stem + ".again.cnn") as f:
        if code != 0 or f.read() != text:
            return "importing again gives a different .cnn"
    code, _, err = ic.run([cnnc, "check", stem + ".cnn"])
    if code != 0:
        return f"cnnc check of the imported .cnn failed: {err.strip()}"
    expected = ic.expected_output(module, image)
    for schedule in schedules:
        got, error = ic.run_cnn(cnnc, stem + ".cnn", stem + ".safetensors", image, workdir, schedule)
        problem = error or ic.compare(got, expected)
        if problem:
            return f"{schedule}: {problem}"
    return ""


def check_state_dict_names(cnnc, workdir):
    """A resnet18 exported with batch norms kept: weights named and valued as its
    state_dict (module path '.' -> '_'), nothing missing, nothing extra."""
    import torchvision
    torch.manual_seed(ic.SEED)
    model = ic.randomize_batch_norms(torchvision.models.resnet18(weights=None).eval())
    path = os.path.join(workdir, "resnet18_preserve")
    torch.onnx.export(model, torch.randn(1, 3, 32, 32), path + ".onnx", opset_version=13,
                      training=PRESERVE, do_constant_folding=False)
    code, _, err = ic.run([cnnc, "import", path + ".onnx", "-o", path + ".cnn"])
    if code != 0:
        return f"import exited {code}: {err.strip()}"
    got = ic.read_safetensors(path + ".safetensors")
    want = {}
    for key, value in model.state_dict().items():
        if not key.endswith("num_batches_tracked"):
            module, _, param = key.rpartition(".")
            want[module.replace(".", "_") + "." + param] = value.numpy()
    if set(got) != set(want):
        return f"names differ: only imported {sorted(set(got) - set(want))[:5]}, " \
               f"only in state_dict {sorted(set(want) - set(got))[:5]}"
    for key in want:
        if not (got[key] == want[key]).all():
            return f"{key} differs from the state_dict"
    return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cnnc", required=True)
    ap.add_argument("--keep", metavar="DIR")
    ap.add_argument("-k", dest="only", help="run only cases whose name contains this")
    args = ap.parse_args()
    tmp = None if args.keep else tempfile.TemporaryDirectory(prefix="onnx_ops.")
    workdir = args.keep or tmp.name
    os.makedirs(workdir, exist_ok=True)
    failures = 0
    for name, module, opsets, training, patterns, fused in CASES:
        if args.only and args.only not in name:
            continue
        for opset in opsets:
            schedules = ["reference"] + (["fused"] if fused else [])
            problem = run_case(args.cnnc, workdir, name, module, opset, training, patterns, schedules)
            print(f"{'FAIL' if problem else 'pass'} {name} opset {opset} ({', '.join(schedules)}) {problem}",
                  flush=True)
            failures += bool(problem)
    if not args.only or args.only in "state_dict_names":
        problem = check_state_dict_names(args.cnnc, workdir)
        print(f"{'FAIL' if problem else 'pass'} state_dict_names {problem}", flush=True)
        failures += bool(problem)
    print(f"{failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
