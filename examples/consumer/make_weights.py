"""Writes tiny.safetensors: seeded random weights for tiny.cnn (run once; the file is
committed). Needs only numpy: safetensors is an 8-byte header length, a JSON header
and the raw little-endian data."""
import json
import struct
import sys

import numpy as np

SHAPES = {
    "conv1.weight": (8, 3, 3, 3), "conv1.bias": (8,),
    "conv2.weight": (8, 8, 3, 3), "conv2.bias": (8,),
    "fc.weight": (4, 8), "fc.bias": (4,),
}


def write_safetensors(path, tensors):
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


if __name__ == "__main__":
    rng = np.random.default_rng(6)
    weights = {name: rng.normal(0, 0.5, shape).astype(np.float32) for name, shape in SHAPES.items()}
    write_safetensors(sys.argv[1] if len(sys.argv) > 1 else "tiny.safetensors", weights)
