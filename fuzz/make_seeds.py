"""Seed inputs the repository does not hold as files, for scripts/fuzz.sh:

  weights/  a valid weights file and a valid input (safetensors and .npy) for the
            network of fuzz/targets/FuzzWeights.cpp, so that fuzzing starts from a
            binding that succeeds (also committed in fuzz/seeds/weights/, which the
            regression test replays);
  safetensors/  .npy files of several shapes and format versions (readNpy);
  onnx/     small models exported with torch.onnx.export (skipped without torch),
            covering every operator family the importer converts.

Usage: /usr/bin/python3 fuzz/make_seeds.py CORPUS_ROOT
"""
import io
import json
import os
import struct
import sys

import numpy as np


def safetensors_bytes(tensors):
    header, offset, blobs = {}, 0, []
    for name, array in sorted(tensors.items()):
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def npy_bytes(array, version=(1, 0)):
    out = io.BytesIO()
    np.lib.format.write_array(out, np.asarray(array, dtype="<f4"), version=version)
    return out.getvalue()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def weights_seeds(root):
    rng = np.random.default_rng(0)
    shapes = {"conv.weight": (4, 2, 3, 3), "conv.bias": (4,), "bn.weight": (4,),
              "bn.bias": (4,), "bn.running_mean": (4,), "bn.running_var": (4,),
              "fc.weight": (3, 4), "fc.bias": (3,)}
    weights = {k: rng.standard_normal(s).astype(np.float32) for k, s in shapes.items()}
    os.makedirs(os.path.join(root, "weights"), exist_ok=True)
    write(os.path.join(root, "weights", "valid_weights.safetensors"), safetensors_bytes(weights))
    image = rng.standard_normal((1, 2, 5, 5)).astype(np.float32)
    write(os.path.join(root, "weights", "valid_input.safetensors"),
          safetensors_bytes({"image": image}))
    write(os.path.join(root, "weights", "valid_input.npy"), npy_bytes(image))


def npy_seeds(root):
    os.makedirs(os.path.join(root, "safetensors"), exist_ok=True)
    arrays = {"scalar": np.float32(1.5), "vector": np.arange(5), "image": np.zeros((1, 3, 2, 2)),
              "empty": np.zeros((0, 3))}
    for name, array in arrays.items():
        for version in [(1, 0), (2, 0), (3, 0)]:
            write(os.path.join(root, "safetensors", f"{name}_v{version[0]}.npy"),
                  npy_bytes(array, version))


def onnx_seeds(root):
    try:
        import torch
        import torch.nn as nn
    except ImportError:
        print("make_seeds: no torch, no ONNX seeds", file=sys.stderr)
        return
    os.makedirs(os.path.join(root, "onnx"), exist_ok=True)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect")
            self.bn1 = nn.BatchNorm2d(4)
            self.conv2 = nn.Conv2d(4, 4, 3, padding=1, groups=2, bias=False)
            self.pool = nn.MaxPool2d(2, ceil_mode=True)
            self.avg = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)
            self.fc = nn.Linear(8, 5)

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            y = y + torch.sigmoid(self.conv2(y))
            y = torch.cat([self.pool(y), self.avg(y)], dim=1)
            y = nn.functional.pad(y, (1, 1, 1, 1), mode="constant", value=0.5)
            y = nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
            return torch.softmax(nn.functional.leaky_relu(self.fc(y), 0.2), dim=1)

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 2, stride=2)
            self.fc = nn.Linear(8, 3)

        def forward(self, x):
            y = torch.tanh(self.conv(x))
            return self.fc(torch.flatten(torch.clamp(y, 0, 6), 1))

    models = {"block": (Block(), (1, 3, 8, 8)), "small": (Small(), (1, 1, 4, 4))}
    for name, (model, shape) in models.items():
        model.eval()
        for opset in (11, 13, 17):
            path = os.path.join(root, "onnx", f"{name}_opset{opset}.onnx")
            torch.onnx.export(model, torch.zeros(shape), path, opset_version=opset,
                              input_names=["x"], output_names=["y"])


def main():
    root = sys.argv[1]
    weights_seeds(root)
    npy_seeds(root)
    onnx_seeds(root)


if __name__ == "__main__":
    main()
