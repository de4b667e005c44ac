"""Shared pieces of the import tests: safetensors I/O, PyTorch models with randomized
batch-norm statistics, running `cnnc`, and SPEC's tolerance (section 1)."""

import json
import os
import struct
import subprocess

import numpy as np
import torch

TOLERANCE = 1e-4
SEED = 20240611


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(tensors[name])),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{path}: {name} is {info['dtype']}"
        begin, end = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + begin:8 + n + end], dtype="<f4").reshape(info["shape"])
    return out


def randomize_batch_norms(model, seed=SEED + 1):
    """Random running statistics and affine parameters, so that batch norm (or its
    folding into the convolution by the exporter) is really exercised."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.rand(c, generator=g) - 0.5)
                m.running_var.copy_(0.5 + 1.5 * torch.rand(c, generator=g))
                m.weight.copy_(0.5 + torch.rand(c, generator=g))
                m.bias.copy_(torch.rand(c, generator=g) - 0.5)
    return model


def expected_output(model, image):
    """PyTorch's output in float64 on the same float32 weights and input."""
    import copy
    with torch.no_grad():
        return copy.deepcopy(model).double()(image.double()).numpy()


def compare(got, expected):
    """'' when `got` matches `expected` within SPEC's tolerance, else the reason."""
    got = np.asarray(got, dtype=np.float64)
    if got.shape != expected.shape:
        return f"shape {list(got.shape)}, expected {list(expected.shape)}"
    s = float(np.max(np.abs(expected)))
    scale = np.abs(expected) + 0.1 * s
    bad = ~(np.abs(got - expected) <= TOLERANCE * scale)
    if np.any(bad):
        worst = float(np.max(np.abs(got - expected) / np.where(scale > 0, scale, 1)))
        return f"{int(bad.sum())} of {got.size} elements out of tolerance (worst relative {worst:.2e})"
    return ""


def run(args, timeout=900):
    """Runs a command; returns (exit code, stdout, stderr)."""
    proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def cnn_interface(path):
    """({input name: shape}, [output names]) read from a .cnn file."""
    import re
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


def run_cnn(cnnc, cnn_path, weights_path, image, workdir, schedule):
    """Runs the network on `image` (its single input); returns (output array, error)."""
    inputs, outputs = cnn_interface(cnn_path)
    if len(inputs) != 1 or len(outputs) != 1:
        return None, f"{cnn_path}: expected one input and one output"
    stem = os.path.join(workdir, os.path.basename(cnn_path)[:-4])
    write_safetensors(stem + ".inputs.safetensors", {next(iter(inputs)): image.numpy()})
    code, out, err = run([cnnc, "run", cnn_path, "--weights", weights_path,
                          "--inputs", stem + ".inputs.safetensors",
                          "-o", stem + f".{schedule}.out.safetensors", "--schedule", schedule])
    if code != 0:
        return None, f"cnnc run exited {code}: {err.strip()}"
    return read_safetensors(stem + f".{schedule}.out.safetensors")[outputs[0]], ""
