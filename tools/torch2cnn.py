#!/usr/bin/python3
"""torch2cnn: write a torch.nn.Module as a cnnc network (.cnn) and its weights.

The module is traced with torch.fx at an example input; every call becomes one .cnn
layer (docs/language.md), named after its module path (`layer1.0.conv1` ->
`layer1_0_conv1`), so the weights file uses the state_dict's keys with '.' turned into
'_' in the module path (`layer1_0_conv1.weight`). Functional calls are named after the
module they run in (`layer1_0_add`). Anything without an exact .cnn equivalent is an
error naming the traced node; then nothing is written.

As a library:

    import torch, torchvision, torch2cnn
    model = torchvision.models.resnet18(weights=None).eval()
    torch2cnn.export(model, torch.randn(1, 3, 224, 224), "resnet18.cnn", "resnet18.safetensors")

From the command line, for a model built by calling a factory with no arguments:

    /usr/bin/python3 tools/torch2cnn.py torchvision.models.resnet18 --input-shape 1,3,224,224 \\
        -o resnet18.cnn [--weights-out W.safetensors] [--state-dict sd.pt] [--name N]

Needs torch and numpy only; it shares no code with cnnc and does not run it.
"""

import argparse
import importlib
import json
import operator
import os
import re
import struct
import sys
import tempfile

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp


class ExportError(Exception):
    """A module or call that has no exact .cnn equivalent."""


# ----------------------------------------------------------------------------------------
# files


def _write_atomically(path, data):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def safetensors_bytes(tensors):
    """F32 safetensors: keys sorted, header padded with spaces to 8 bytes."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        array = np.ascontiguousarray(tensors[name], dtype="<f4")
        data = array.tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


# ----------------------------------------------------------------------------------------
# tracing


def sanitize(raw):
    """A .cnn identifier: other characters become '_', a leading digit gets an 'n'."""
    name = re.sub(r"[^A-Za-z0-9]+", "_", raw).strip("_")
    return "n" + name if name[:1].isdigit() else name


class _ScopeTracer(torch.fx.Tracer):
    """Records, for each traced node, the module path it was called in."""

    def __init__(self):
        super().__init__()
        self.scope = [""]

    def call_module(self, m, forward, args, kwargs):
        self.scope.append(self.path_of_module(m))
        try:
            return super().call_module(m, forward, args, kwargs)
        finally:
            self.scope.pop()

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["cnn_scope"] = self.scope[-1]
        return node


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _int_or_pair(v):
    a, b = _pair(v)
    return str(a) if a == b else f"({a}, {b})"


def _float(v):
    text = repr(float(v))
    return text if any(c in text for c in ".e") else text + ".0"


def _numpy(t):
    return t.detach().to(torch.float32).cpu().numpy()


class _Exporter:
    def __init__(self, root, graph, name):
        self.root = root
        self.graph = graph
        self.name = name
        self.values = {}     # fx node -> cnn tensor name, or a Python value (sizes)
        self.lines = []
        self.inputs = []
        self.weights = {}
        self.taken = set()
        self.calls = {}      # module path -> calls so far

    # --- naming -------------------------------------------------------------------
    def unique(self, wanted):
        name, n = wanted or "layer", 2
        while name in self.taken:
            name = f"{wanted}_{n}"
            n += 1
        self.taken.add(name)
        return name

    def layer_name(self, node):
        if node.op == "call_module":
            # The first call of a module is named after it; later calls (a shared
            # ReLU) after the fx node, which numbers them.
            count = self.calls.get(node.target, 0)
            self.calls[node.target] = count + 1
            return self.unique(sanitize(node.target) if count == 0 else sanitize(node.name))
        base = re.sub(r"_\d+$", "", node.name)
        scope = node.meta.get("cnn_scope", "")
        return self.unique(sanitize(f"{scope}_{base}" if scope else base))

    # --- values ---------------------------------------------------------------------
    def shape(self, node):
        meta = node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise self.error(node, "has no tensor shape (not a tensor?)")
        return list(meta.shape)

    def tensor(self, node, arg):
        value = self.values.get(arg) if isinstance(arg, torch.fx.Node) else None
        if not isinstance(value, str):
            raise self.error(node, f"argument {arg!r} must be a tensor computed by the network")
        return value

    def python(self, arg):
        """Evaluates an argument made of constants and traced sizes."""
        if isinstance(arg, torch.fx.Node):
            value = self.values.get(arg)
            if isinstance(value, str):
                raise ExportError(f"node '{arg.name}': a tensor is used where a constant is expected")
            return value
        if isinstance(arg, (list, tuple)):
            return type(arg)(self.python(a) for a in arg)
        return arg

    def error(self, node, message):
        what = node.target if node.op != "call_function" else getattr(node.target, "__name__", node.target)
        return ExportError(f"node '{node.name}' ({node.op} {what}): {message}")

    def emit(self, node, op, operands, attrs=(), weights=None):
        name = self.layer_name(node)
        args = list(operands) + [f"{k}={v}" for k, v in attrs]
        self.lines.append(f"{name} = {op}({', '.join(args)})")
        for suffix, value in (weights or {}).items():
            self.weights[f"{name}.{suffix}"] = _numpy(value)
        self.values[node] = name
        return name


# ----------------------------------------------------------------------------------------
# modules


def _conv2d(ex, node, m, x):
    if isinstance(m.padding, str):
        padding = m.padding
    else:
        padding = _int_or_pair(m.padding)
    attrs = [("out_channels", m.out_channels), ("kernel_size", _int_or_pair(m.kernel_size))]
    if _pair(m.stride) != (1, 1):
        attrs.append(("stride", _int_or_pair(m.stride)))
    if padding not in ("0", "valid"):
        attrs.append(("padding", padding))
    if _pair(m.dilation) != (1, 1):
        attrs.append(("dilation", _int_or_pair(m.dilation)))
    if m.groups != 1:
        attrs.append(("groups", m.groups))
    if m.bias is None:
        attrs.append(("bias", "false"))
    if m.padding_mode != "zeros":
        attrs.append(("padding_mode", m.padding_mode))
    weights = {"weight": m.weight}
    if m.bias is not None:
        weights["bias"] = m.bias
    return ex.emit(node, "conv2d", [x], attrs, weights)


def _batch_norm(ex, node, m, x):
    if m.running_mean is None:
        raise ex.error(node, "batch norm without running statistics (track_running_stats=False)")
    c = m.num_features
    weights = {"weight": m.weight if m.affine else torch.ones(c),
               "bias": m.bias if m.affine else torch.zeros(c),
               "running_mean": m.running_mean, "running_var": m.running_var}
    attrs = [] if m.eps == 1e-5 else [("eps", _float(m.eps))]
    return ex.emit(node, "batch_norm", [x], attrs, weights)


def _max_pool(ex, node, m, x):
    if m.return_indices:
        raise ex.error(node, "return_indices=True is not supported")
    attrs = [("kernel_size", _int_or_pair(m.kernel_size))]
    stride = m.stride if m.stride is not None else m.kernel_size
    if _pair(stride) != _pair(m.kernel_size):
        attrs.append(("stride", _int_or_pair(stride)))
    if _pair(m.padding) != (0, 0):
        attrs.append(("padding", _int_or_pair(m.padding)))
    if _pair(m.dilation) != (1, 1):
        attrs.append(("dilation", _int_or_pair(m.dilation)))
    if m.ceil_mode:
        attrs.append(("ceil_mode", "true"))
    return ex.emit(node, "max_pool2d", [x], attrs)


def _avg_pool(ex, node, m, x):
    attrs = [("kernel_size", _int_or_pair(m.kernel_size))]
    stride = m.stride if m.stride is not None else m.kernel_size
    if _pair(stride) != _pair(m.kernel_size):
        attrs.append(("stride", _int_or_pair(stride)))
    if _pair(m.padding) != (0, 0):
        attrs.append(("padding", _int_or_pair(m.padding)))
    if m.ceil_mode:
        attrs.append(("ceil_mode", "true"))
    if not m.count_include_pad:
        attrs.append(("count_include_pad", "false"))
    if m.divisor_override is not None:
        attrs.append(("divisor_override", m.divisor_override))
    return ex.emit(node, "avg_pool2d", [x], attrs)


def _global_pool(ex, node, output_size, x, op):
    if _pair(output_size) != (1, 1):
        raise ex.error(node, f"adaptive pooling to {output_size} is not supported; only to 1x1")
    return ex.emit(node, op, [x])


def _linear(ex, node, m, x):
    attrs = [("out_features", m.out_features)] + ([] if m.bias is not None else [("bias", "false")])
    weights = {"weight": m.weight}
    if m.bias is not None:
        weights["bias"] = m.bias
    return ex.emit(node, "linear", [x], attrs, weights)


def _pad(ex, node, x, pad, mode="constant", value=0.0):
    pad = list(pad)
    if len(pad) not in (2, 4):
        raise ex.error(node, f"padding {pad} pads more than the last two dimensions")
    if any(p < 0 for p in pad):
        raise ex.error(node, f"negative padding {pad} (cropping) is not supported")
    attrs = [("padding", "(" + ", ".join(str(p) for p in pad) + ")")]
    if mode != "constant":
        attrs.append(("mode", mode))
    if value:
        attrs.append(("value", _float(value)))
    return ex.emit(node, "pad", [x], attrs)


def _flatten(ex, node, x, start_dim=1, end_dim=-1):
    """torch.flatten as .cnn's flatten ([N, rest]), or nothing when it changes nothing."""
    shape_in, shape_out = ex.shape(node.args[0]), ex.shape(node)
    if shape_out == shape_in:
        ex.values[node] = x
        return x
    if len(shape_out) == 2 and shape_out[0] == shape_in[0]:
        return ex.emit(node, "flatten", [x])
    raise ex.error(node, f"reshaping {shape_in} to {shape_out} is not a flatten to [N, C*H*W]")


def _softmax(ex, node, x, dim):
    rank = len(ex.shape(node))
    if dim is None or not -rank <= dim < rank:
        raise ex.error(node, f"softmax dim {dim} is not an axis of a rank-{rank} tensor")
    return ex.emit(node, "softmax", [x], [("dim", dim % rank)])


def _hardtanh(ex, node, x, lo, hi):
    if (lo, hi) == (0.0, 6.0):
        return ex.emit(node, "relu6", [x])
    raise ex.error(node, f"hardtanh bounds ({lo}, {hi}) are not supported; only (0, 6) (relu6)")


_PAD_MODULES = {nn.ZeroPad2d: "constant", nn.ConstantPad2d: "constant",
                nn.ReflectionPad2d: "reflect", nn.ReplicationPad2d: "replicate"}


def _module_call(ex, node, m):
    x = ex.tensor(node, node.args[0])
    if isinstance(m, nn.Conv2d):
        return _conv2d(ex, node, m, x)
    if isinstance(m, nn.BatchNorm2d):
        return _batch_norm(ex, node, m, x)
    if isinstance(m, nn.ReLU6):
        return ex.emit(node, "relu6", [x])
    if isinstance(m, nn.Hardtanh):
        return _hardtanh(ex, node, x, m.min_val, m.max_val)
    simple = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}
    for cls, op in simple.items():
        if type(m) is cls:
            return ex.emit(node, op, [x])
    if isinstance(m, nn.LeakyReLU):
        return ex.emit(node, "leaky_relu", [x], [("negative_slope", _float(m.negative_slope))])
    if isinstance(m, nn.MaxPool2d):
        return _max_pool(ex, node, m, x)
    if isinstance(m, nn.AvgPool2d):
        return _avg_pool(ex, node, m, x)
    if isinstance(m, nn.AdaptiveAvgPool2d):
        return _global_pool(ex, node, m.output_size, x, "global_avg_pool2d")
    if isinstance(m, nn.AdaptiveMaxPool2d):
        return _global_pool(ex, node, m.output_size, x, "global_max_pool2d")
    if isinstance(m, nn.Linear):
        return _linear(ex, node, m, x)
    if isinstance(m, nn.Flatten):
        return _flatten(ex, node, x, m.start_dim, m.end_dim)
    if isinstance(m, (nn.Dropout, nn.Identity)):
        ex.values[node] = x
        return x
    if isinstance(m, nn.Softmax):
        return _softmax(ex, node, x, m.dim)
    for cls, mode in _PAD_MODULES.items():
        if isinstance(m, cls):
            value = getattr(m, "value", 0.0)
            return _pad(ex, node, x, m.padding if isinstance(m.padding, tuple) else (m.padding,) * 4,
                        mode, value)
    raise ex.error(node, f"module type {type(m).__name__} is not supported")


# ----------------------------------------------------------------------------------------
# functions and methods


def _arg(node, index, key, default):
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(key, default)


def _join(ex, node):
    target = node.target
    if target in (operator.add, operator.iadd, torch.add):
        if "alpha" in node.kwargs:
            raise ex.error(node, "add with alpha is not supported")
        a, b = (ex.tensor(node, arg) for arg in node.args[:2])
        if ex.shape(node.args[0]) != ex.shape(node.args[1]):
            raise ex.error(node, "add with broadcasting is not supported")
        return ex.emit(node, "add", [a, b])
    tensors = [ex.tensor(node, t) for t in node.args[0]]
    dim = ex.python(_arg(node, 1, "dim", 0))
    rank = len(ex.shape(node))
    return ex.emit(node, "concat", tensors, [("dim", dim % rank)])


def _function_call(ex, node):
    t = node.target
    if t in (operator.add, operator.iadd, torch.add, torch.cat, torch.concat):
        return _join(ex, node)
    if t is getattr and node.args[1] == "shape":
        ex.values[node] = tuple(ex.shape(node.args[0]))
        return None
    if t is operator.getitem and not isinstance(ex.values.get(node.args[0]), str):
        ex.values[node] = ex.python(node.args[0])[ex.python(node.args[1])]
        return None
    x = ex.tensor(node, node.args[0])
    if t in (F.relu, torch.relu):
        return ex.emit(node, "relu", [x])
    if t is F.relu6:
        return ex.emit(node, "relu6", [x])
    if t is F.hardtanh:
        return _hardtanh(ex, node, x, _arg(node, 1, "min_val", -1.0), _arg(node, 2, "max_val", 1.0))
    if t in (torch.sigmoid, F.sigmoid):
        return ex.emit(node, "sigmoid", [x])
    if t in (torch.tanh, F.tanh):
        return ex.emit(node, "tanh", [x])
    if t is F.leaky_relu:
        return ex.emit(node, "leaky_relu", [x], [("negative_slope", _float(_arg(node, 1, "negative_slope", 0.01)))])
    if t is F.adaptive_avg_pool2d:
        return _global_pool(ex, node, ex.python(_arg(node, 1, "output_size", None)), x, "global_avg_pool2d")
    if t is F.adaptive_max_pool2d:
        return _global_pool(ex, node, ex.python(_arg(node, 1, "output_size", None)), x, "global_max_pool2d")
    if t is torch.flatten:
        return _flatten(ex, node, x)
    if t is F.pad:
        return _pad(ex, node, x, ex.python(_arg(node, 1, "pad", None)),
                    _arg(node, 2, "mode", "constant"), _arg(node, 3, "value", 0.0) or 0.0)
    if t in (F.softmax, torch.softmax):
        return _softmax(ex, node, x, ex.python(_arg(node, 1, "dim", None)))
    if t is F.dropout:
        ex.values[node] = x
        return x
    raise ex.error(node, "function is not supported")


def _method_call(ex, node):
    method = node.target
    if method == "size":
        shape = ex.shape(node.args[0])
        dim = ex.python(_arg(node, 1, "dim", None))
        ex.values[node] = tuple(shape) if dim is None else shape[dim]
        return None
    x = ex.tensor(node, node.args[0])
    if method in ("view", "reshape", "flatten"):
        return _flatten(ex, node, x)
    if method in ("relu", "sigmoid", "tanh"):
        return ex.emit(node, method, [x])
    if method == "softmax":
        return _softmax(ex, node, x, ex.python(_arg(node, 1, "dim", None)))
    if method == "contiguous":
        ex.values[node] = x
        return x
    raise ex.error(node, f"method .{method}() is not supported")


# ----------------------------------------------------------------------------------------


def to_cnn(module, example_inputs, name="net"):
    """(.cnn text, {weight name: float32 array}) for `module` at `example_inputs` (a
    tensor or a tuple of tensors). Raises ExportError for anything unsupported."""
    if isinstance(example_inputs, torch.Tensor):
        example_inputs = (example_inputs,)
    module = module.eval()
    tracer = _ScopeTracer()
    graph = tracer.trace(module)
    traced = torch.fx.GraphModule(module, graph)
    with torch.no_grad():
        ShapeProp(traced).propagate(*example_inputs)
    ex = _Exporter(traced, graph, sanitize(name))
    outputs = []
    for node in graph.nodes:
        if node.op == "placeholder":
            shape = ex.shape(node)
            if len(shape) not in (2, 4):
                raise ex.error(node, f"input shape {shape} is not [N, C, H, W] or [N, F]")
            input_name = ex.unique(sanitize(node.name) or "input")
            ex.inputs.append(f"input {input_name}: f32[{', '.join(str(d) for d in shape)}]")
            ex.values[node] = input_name
        elif node.op == "call_module":
            _module_call(ex, node, traced.get_submodule(node.target))
        elif node.op == "call_function":
            _function_call(ex, node)
        elif node.op == "call_method":
            _method_call(ex, node)
        elif node.op == "output":
            results = node.args[0] if isinstance(node.args[0], (tuple, list)) else (node.args[0],)
            outputs = [ex.tensor(node, r) for r in results]
        else:
            raise ex.error(node, "parameters used directly (get_attr) are not supported")
    if len(set(outputs)) != len(outputs):
        raise ExportError("the module returns the same tensor twice")
    text = "\n".join(["# Exported by tools/torch2cnn.py from " + type(module).__name__ + ".",
                      f"network {ex.name}", ""] + ex.inputs + [""] + ex.lines +
                     ["", "output " + ", ".join(outputs)]) + "\n"
    return text, ex.weights


def export(module, example_inputs, cnn_path, weights_path, name=None):
    """Writes `cnn_path` and `weights_path` (safetensors), both or neither."""
    name = name or os.path.splitext(os.path.basename(cnn_path))[0]
    text, weights = to_cnn(module, example_inputs, name)
    _write_atomically(weights_path, safetensors_bytes(weights))
    try:
        _write_atomically(cnn_path, text.encode())
    except BaseException:
        os.unlink(weights_path)
        raise


def _factory(spec):
    module_name, _, attr = spec.replace(":", ".").rpartition(".")
    return getattr(importlib.import_module(module_name), attr)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("factory", help="a callable returning the module, e.g. torchvision.models.resnet18")
    ap.add_argument("--input-shape", required=True, help="the example input's shape, e.g. 1,3,224,224")
    ap.add_argument("-o", "--output", required=True, help="the .cnn file to write")
    ap.add_argument("--weights-out", help="the weights file (default: NET.safetensors beside NET.cnn)")
    ap.add_argument("--state-dict", help="a torch.save'd state_dict to load first")
    ap.add_argument("--name", help="the network's name (default: the .cnn file's name)")
    args = ap.parse_args(argv)
    try:
        shape = [int(d) for d in args.input_shape.split(",")]
    except ValueError:
        ap.error(f"--input-shape {args.input_shape!r} is not a comma-separated list of integers")
    weights_path = args.weights_out or os.path.splitext(args.output)[0] + ".safetensors"
    try:
        module = _factory(args.factory)()
        if args.state_dict:
            module.load_state_dict(torch.load(args.state_dict, map_location="cpu"))
        export(module, torch.randn(*shape), args.output, weights_path, args.name)
    except ExportError as e:
        print(f"torch2cnn: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # building, loading or tracing the module failed
        print(f"torch2cnn: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output} and {weights_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
