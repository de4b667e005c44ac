#!/usr/bin/python3
"""One-layer networks for scripts/benchmarks.sh: every conv2d of a network on its own.

usage: scripts/benchmarks_layers.py NET.cnn CHECK.txt OUT_DIR

CHECK.txt is `cnnc check NET.cnn`'s output (its layer table gives each operand's
shape). For each `L = conv2d(X, ...)` statement, writes OUT_DIR/NET-L.cnn: an input `x`
of X's shape, the same conv2d, and a relu (the activation every convolution of the
reference networks is fused with), and prints the file names. Issue 5's target on
vgg_head is about its convolutions alone, which a whole-network run cannot separate.
"""

import os
import re
import sys


def shapes_from_check(text):
    """{layer: [dims]} from `cnnc check`'s table."""
    shapes = {}
    for line in text.splitlines():
        m = re.match(r"^(\S+)\s+\S+\s+\[([\d, ]+)\]", line)
        if m:
            shapes[m.group(1)] = [int(d) for d in m.group(2).split(",")]
    return shapes


def main(argv):
    if len(argv) != 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    net_path, check_path, out = argv[1:]
    shapes = shapes_from_check(open(check_path).read())
    net = os.path.splitext(os.path.basename(net_path))[0]
    os.makedirs(out, exist_ok=True)
    for line in open(net_path):
        m = re.match(r"^\s*(\w+)\s*=\s*conv2d\(\s*(\w+)\s*,(.*)\)\s*(#.*)?$", line)
        if not m:
            continue
        layer, operand, args = m.group(1), m.group(2), m.group(3).strip()
        if operand not in shapes:
            print(f"benchmarks_layers: {check_path}: no shape for '{operand}'", file=sys.stderr)
            return 1
        dims = ", ".join(str(d) for d in shapes[operand])
        path = os.path.join(out, f"{net}-{layer}.cnn")
        with open(path, "w") as f:
            f.write(f"# {layer} of {net} alone (scripts/benchmarks_layers.py)\n"
                    f"network {net}_{layer}\n"
                    f"input x: f32[{dims}]\n"
                    f"{layer} = conv2d(x, {args})\n"
                    f"out = relu({layer})\n"
                    "output out\n")
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
