"""Trains digits.cnn's network in PyTorch on scikit-learn's bundled 8x8 digits and
writes what the example commits:

  digits.safetensors    the trained weights (keys = the .cnn layer names)
  test_set.safetensors  the held-out digits: images [N, 1, 8, 8], labels [N] and
                        PyTorch's predictions [N] (as f32), for the C++ program to match

Run with Debian's interpreter: /usr/bin/python3 train.py  (python3-torch, python3-sklearn).
Deterministic: fixed seeds, one thread.
"""
import json
import struct

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split


class Digits(torch.nn.Module):
    """The network of digits.cnn, layer for layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.fc = torch.nn.Linear(16 * 2 * 2, 10)

    def forward(self, image):
        pool1 = torch.nn.functional.max_pool2d(torch.relu(self.conv1(image)), 2)
        pool2 = torch.nn.functional.max_pool2d(torch.relu(self.conv2(pool1)), 2)
        return self.fc(torch.flatten(pool2, 1))


def write_safetensors(path, tensors):
    """safetensors without the package: header length, JSON header, raw F32 data."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    train_x, test_x, train_y, test_y = train_test_split(
        images, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    model = Digits()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    x, y = torch.from_numpy(train_x), torch.from_numpy(train_y).long()
    for epoch in range(40):
        order = torch.randperm(len(x))
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[batch]), y[batch])
            loss.backward()
            optimizer.step()
    model.eval()
    with torch.no_grad():
        predictions = model(torch.from_numpy(test_x)).argmax(dim=1).numpy()
    accuracy = float((predictions == test_y).mean())
    print(f"PyTorch: {int((predictions == test_y).sum())}/{len(test_y)} held-out digits "
          f"correct ({100 * accuracy:.2f}%), loss {loss.item():.4f}")
    write_safetensors("digits.safetensors",
                      {name: value.numpy() for name, value in model.state_dict().items()})
    write_safetensors("test_set.safetensors",
                      {"images": test_x, "labels": test_y.astype(np.float32),
                       "torch_predictions": predictions.astype(np.float32)})


if __name__ == "__main__":
    main()
