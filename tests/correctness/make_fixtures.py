#!/usr/bin/python3
"""Writes cnnc's correctness fixtures: one tiny network per PyTorch rule of SPEC section 1.

For each case this writes into fixtures/ (or --out DIR):
  <case>.cnn                    the network, `network <case>`
  <case>.weights.safetensors    layer weights, PyTorch names and shapes, F32
  <case>.inputs.safetensors     the network's inputs by name, F32
  <case>.expected.safetensors   every output by tensor name: PyTorch in float64 on the
                                same float32 weights and inputs, stored as F32
and CASES.txt, the sorted case names.

PyTorch is the reference, through torch.nn.functional with exactly the layer's attributes
(check_fixtures.py recomputes everything through nn.Module classes as a cross-check).
Every case draws from its own generator seeded by its name, so the files are
byte-for-byte reproducible and adding a case changes no other.

Run with Debian's /usr/bin/python3 (it has torch):
  /usr/bin/python3 tests/correctness/make_fixtures.py            # rewrite fixtures/
  /usr/bin/python3 tests/correctness/make_fixtures.py --out DIR  # write elsewhere
  /usr/bin/python3 tests/correctness/make_fixtures.py --check    # regenerate into a temp
      dir and compare bytes with fixtures/; exit 77 (skip) when torch is missing
"""

import argparse
import filecmp
import json
import os
import struct
import sys
import tempfile
import warnings
import zlib

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:  # handled in main(): --check skips, a plain run fails
    np = torch = F = None

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "fixtures")
SKIP_RETURN_CODE = 77

# ----------------------------------------------------------------------------------------
# Case description: a network as data, printed as .cnn text and evaluated by PyTorch.


class Lit:
    """A float attribute written verbatim in the .cnn text (e.g. `1e-3`)."""

    def __init__(self, text):
        self.text = text
        self.value = float(text)


class Input:
    def __init__(self, name, shape, lo=-1.0, hi=1.0):
        self.name, self.shape, self.lo, self.hi = name, list(shape), lo, hi


class Layer:
    """`name = op(tensors..., positional..., key=value...)`; attrs keep their order."""

    def __init__(self, name, op, *tensors, pos=(), **attrs):
        self.name, self.op, self.tensors = name, op, list(tensors)
        self.pos, self.attrs = list(pos), dict(attrs)

    def attr(self, key, default=None):
        v = self.attrs.get(key, default)
        return v.value if isinstance(v, Lit) else v


class Case:
    def __init__(self, name, doc, inputs, layers, outputs, bn_var=(0.5, 2.0)):
        self.name, self.doc = name, doc
        self.inputs, self.layers, self.outputs = inputs, layers, outputs
        self.bn_var = bn_var  # range of batch-norm running_var


CASES = []


def case(name, doc, inputs, layers, outputs, **kw):
    assert all(c.name != name for c in CASES), name
    CASES.append(Case(name, doc, inputs, layers, outputs, **kw))


def single(name, doc, shape, op, lo=-1.0, hi=1.0, pos=(), **attrs):
    """A one-layer network: y = op(x, ...)."""
    case(name, doc, [Input("x", shape, lo, hi)], [Layer("y", op, "x", pos=pos, **attrs)], ["y"])


# ----------------------------------------------------------------------------------------
# The cases: one per rule, named for it.

X8 = [1, 3, 8, 8]

# conv2d
single("conv2d_basic", "3x3 convolution, defaults", X8, "conv2d", out_channels=4, kernel_size=3)
single("conv2d_no_bias", "bias=false: no bias tensor in the weights", X8, "conv2d",
       out_channels=4, kernel_size=3, bias=False)
single("conv2d_kernel_tuple", "kernel_size=(kh, kw)", X8, "conv2d", out_channels=4,
       kernel_size=(3, 2))
single("conv2d_pointwise", "1x1 convolution", X8, "conv2d", out_channels=5, kernel_size=1)
single("conv2d_single_channel", "one input and one output channel", [1, 1, 6, 7], "conv2d",
       out_channels=1, kernel_size=3)
single("conv2d_batch2", "batch of two", [2, 3, 7, 7], "conv2d", out_channels=4,
       kernel_size=3, padding=1)
single("conv2d_stride2", "stride 2 on both axes, odd input", [1, 3, 9, 9], "conv2d",
       out_channels=4, kernel_size=3, stride=2)
single("conv2d_stride2_even_input", "stride 2 leaving an unused last column", X8, "conv2d",
       out_channels=4, kernel_size=3, stride=2)
single("conv2d_stride_tuple", "stride=(2, 1)", X8, "conv2d", out_channels=4, kernel_size=3,
       stride=(2, 1))
single("conv2d_padding_int", "padding=1 on all sides", X8, "conv2d", out_channels=4,
       kernel_size=3, padding=1)
single("conv2d_padding_tuple", "padding=(ph, pw)", X8, "conv2d", out_channels=4,
       kernel_size=3, padding=(1, 2))
single("conv2d_padding_exceeds_half_kernel", "conv padding may exceed kernel_size // 2",
       [1, 2, 6, 6], "conv2d", out_channels=3, kernel_size=3, padding=2)
single("conv2d_padding_same_odd_kernel", "padding=same, 3x3: symmetric", X8, "conv2d",
       out_channels=4, kernel_size=3, padding="same")
single("conv2d_padding_same_even_kernel", "padding=same, 4x4: the odd extra pixel at the end",
       X8, "conv2d", out_channels=4, kernel_size=4, padding="same")
single("conv2d_padding_same_dilation2", "padding=same with dilation 2", X8, "conv2d",
       out_channels=4, kernel_size=3, dilation=2, padding="same")
single("conv2d_padding_same_asymmetric_tuple",
       "padding=same, kernel (2, 4) dilation (3, 1): total padding 3 on both axes, 2 at the end",
       [1, 2, 7, 8], "conv2d", out_channels=3, kernel_size=(2, 4), dilation=(3, 1),
       padding="same")
single("conv2d_padding_valid", "padding=valid means none", X8, "conv2d", out_channels=4,
       kernel_size=3, padding="valid")
single("conv2d_dilation2", "dilation 2", [1, 3, 9, 9], "conv2d", out_channels=4,
       kernel_size=3, dilation=2)
single("conv2d_dilation_tuple", "dilation=(2, 1)", [1, 3, 9, 9], "conv2d", out_channels=4,
       kernel_size=3, dilation=(2, 1))
single("conv2d_groups2", "groups 2: weight [6, 2, 3, 3]", [1, 4, 7, 7], "conv2d",
       out_channels=6, kernel_size=3, groups=2)
single("conv2d_depthwise", "depthwise: groups = in = out", [1, 4, 8, 8], "conv2d",
       out_channels=4, kernel_size=3, padding=1, groups=4)
single("conv2d_depthwise_multiplier", "depthwise with multiplier 2: out = 2*in, groups = in",
       [1, 3, 8, 8], "conv2d", out_channels=6, kernel_size=3, padding=1, groups=3)
single("conv2d_all_attributes", "every attribute set, tuples everywhere", [1, 4, 9, 8],
       "conv2d", out_channels=6, kernel_size=(3, 2), stride=(2, 1), padding=(2, 1),
       dilation=(1, 2), groups=2, bias=False)
for _mode in ("reflect", "replicate", "circular"):
    single("conv2d_padding_mode_" + _mode, "padding_mode=%s, padding (1, 2), stride 2" % _mode,
           [1, 3, 9, 10], "conv2d", out_channels=4, kernel_size=3, stride=2, padding=(1, 2),
           padding_mode=_mode)
single("conv2d_padding_mode_reflect_same", "padding=same with reflect: asymmetric reflection",
       X8, "conv2d", out_channels=4, kernel_size=4, padding="same", padding_mode="reflect")
single("conv2d_padding_mode_circular_int", "padding_mode=circular with padding as an int",
       [1, 2, 6, 7], "conv2d", out_channels=3, kernel_size=3, padding=2,
       padding_mode="circular")
single("conv2d_padding_mode_zeros", "padding_mode=zeros spelled out", X8, "conv2d",
       out_channels=4, kernel_size=3, padding=1, padding_mode="zeros")

# pad
X6 = [1, 2, 6, 7]
single("pad_int", "pad(x, 1): all four sides, constant 0", X6, "pad", pos=[1])
single("pad_width_only", "(left, right) pads width only", X6, "pad", pos=[(1, 2)])
single("pad_four_sides_asymmetric", "(left, right, top, bottom), all different", X6, "pad",
       pos=[(0, 1, 2, 3)])
single("pad_keyword_padding", "padding given as a keyword", X6, "pad",
       padding=(2, 1, 0, 1), mode="constant")
single("pad_constant_value", "mode=constant, value=1.5", X6, "pad", pos=[(1, 2, 2, 1)],
       mode="constant", value=1.5)
single("pad_constant_default_value", "mode=constant without value pads 0", X6, "pad",
       pos=[(1, 2, 2, 1)], mode="constant")
single("pad_constant_int_value", "an integer where a float is expected", X6, "pad",
       pos=[(2, 1, 1, 2)], mode="constant", value=-2)
single("pad_zeros", "mode=zeros", X6, "pad", pos=[(1, 2, 2, 1)], mode="zeros")
single("pad_reflect", "mode=reflect (edge not repeated)", X6, "pad", pos=[(1, 2, 3, 1)],
       mode="reflect")
single("pad_reflect_limit", "reflect with pad = size - 1", X6, "pad", pos=[(6, 5, 5, 4)],
       mode="reflect")
single("pad_reflect_width_only", "reflect, (left, right)", X6, "pad", pos=[(2, 3)],
       mode="reflect")
single("pad_replicate", "mode=replicate", X6, "pad", pos=[(2, 0, 1, 3)], mode="replicate")
single("pad_replicate_wide", "replicate further than the input is wide", [1, 2, 5, 5], "pad",
       pos=[(7, 6, 0, 8)], mode="replicate")
single("pad_circular", "mode=circular", X6, "pad", pos=[(1, 2, 3, 1)], mode="circular")
single("pad_circular_limit", "circular with pad = size", [1, 2, 5, 6], "pad",
       pos=[(6, 2, 5, 1)], mode="circular")
case("pad_then_conv", "explicit reflect pad feeding an unpadded conv (fold candidate)",
     [Input("x", X8)],
     [Layer("p", "pad", "x", pos=[1], mode="reflect"),
      Layer("c", "conv2d", "p", out_channels=4, kernel_size=3)], ["c"])
case("pad_then_max_pool", "zero pad then max pool over negative values: padding is 0, not -inf",
     [Input("x", X6, -2.0, -1.0)],
     [Layer("p", "pad", "x", pos=[1]),
      Layer("m", "max_pool2d", "p", kernel_size=2)], ["m"])
case("pad_then_avg_pool", "constant 1.5 pad then avg pool: padded values are averaged in",
     [Input("x", X6)],
     [Layer("p", "pad", "x", pos=[(1, 0, 2, 1)], mode="constant", value=1.5),
      Layer("a", "avg_pool2d", "p", kernel_size=3, stride=2, count_include_pad=False)], ["a"])
case("pad_twice", "replicate pad of a reflect pad",
     [Input("x", X6)],
     [Layer("p1", "pad", "x", pos=[1], mode="reflect"),
      Layer("p2", "pad", "p1", pos=[(2, 0, 0, 2)], mode="replicate"),
      Layer("c", "conv2d", "p2", out_channels=3, kernel_size=3)], ["c"])

# max_pool2d
single("max_pool2d_basic", "kernel 2, stride defaults to kernel_size", X8, "max_pool2d",
       kernel_size=2)
single("max_pool2d_default_stride_drops_remainder", "kernel 3 on 8: stride 3, 2 windows",
       X8, "max_pool2d", kernel_size=3)
single("max_pool2d_stride1", "stride 1, overlapping windows", X8, "max_pool2d",
       kernel_size=3, stride=1)
single("max_pool2d_padding1", "kernel 3, stride 2, padding 1", X8, "max_pool2d",
       kernel_size=3, stride=2, padding=1)
single("max_pool2d_padding_negative_inputs", "padding is -inf: all-negative inputs",
       [1, 2, 7, 7], "max_pool2d", lo=-2.0, hi=-1.0, kernel_size=3, stride=2, padding=1)
single("max_pool2d_dilation2", "dilation 2", [1, 2, 9, 9], "max_pool2d", kernel_size=3,
       stride=1, dilation=2)
single("max_pool2d_dilation_padding", "dilation 2 with padding", [1, 2, 9, 9],
       "max_pool2d", lo=-2.0, hi=-1.0, kernel_size=3, stride=2, padding=1, dilation=2)
single("max_pool2d_ceil_mode", "ceil_mode adds a partial last window", [1, 2, 6, 6],
       "max_pool2d", kernel_size=3, stride=2, ceil_mode=True)
single("max_pool2d_ceil_mode_drops_window_in_padding",
       "in 5, kernel 2, stride 2, padding 1, ceil: the 4th window would start in the right "
       "padding and is dropped", [1, 2, 5, 5], "max_pool2d", kernel_size=2, stride=2,
       padding=1, ceil_mode=True)
single("max_pool2d_ceil_mode_padding", "ceil_mode with padding, negative inputs",
       [1, 2, 6, 7], "max_pool2d", lo=-2.0, hi=-1.0, kernel_size=3, stride=2, padding=1,
       ceil_mode=True)
single("max_pool2d_kernel_tuple", "kernel_size=(3, 2), stride defaults to it", X8,
       "max_pool2d", kernel_size=(3, 2))
single("max_pool2d_tuple_attributes", "kernel, stride, padding, dilation all tuples",
       [1, 2, 9, 8], "max_pool2d", kernel_size=(3, 2), stride=(2, 1), padding=(1, 0),
       dilation=(1, 2))
single("max_pool2d_batch2", "batch of two", [2, 3, 6, 6], "max_pool2d", kernel_size=2)

# avg_pool2d
single("avg_pool2d_basic", "kernel 2, stride defaults to kernel_size", X8, "avg_pool2d",
       kernel_size=2)
single("avg_pool2d_stride_differs_from_kernel", "kernel 3, stride 2: overlapping windows",
       [1, 2, 9, 9], "avg_pool2d", kernel_size=3, stride=2)
single("avg_pool2d_tuples", "kernel (2, 3), stride (1, 2)", X8, "avg_pool2d",
       kernel_size=(2, 3), stride=(1, 2))
single("avg_pool2d_padding_count_include_pad", "padding 1, count_include_pad defaults true",
       X8, "avg_pool2d", kernel_size=3, stride=2, padding=1)
single("avg_pool2d_padding_exclude_pad", "padding 1, count_include_pad=false", X8,
       "avg_pool2d", kernel_size=3, stride=2, padding=1, count_include_pad=False)
single("avg_pool2d_padding_tuple", "padding (1, 0), kernel (3, 2)", X8, "avg_pool2d",
       kernel_size=(3, 2), stride=1, padding=(1, 0))
single("avg_pool2d_ceil_mode_include_pad",
       "ceil_mode, count_include_pad: the last window is clipped to the padded input",
       [1, 2, 6, 6], "avg_pool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True,
       count_include_pad=True)
single("avg_pool2d_ceil_mode_exclude_pad",
       "ceil_mode, count_include_pad=false: windows clipped to the real input",
       [1, 2, 6, 6], "avg_pool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True,
       count_include_pad=False)
single("avg_pool2d_ceil_mode_no_padding", "ceil_mode without padding: a 1-pixel last window",
       [1, 2, 7, 7], "avg_pool2d", kernel_size=2, ceil_mode=True)
single("avg_pool2d_ceil_mode_drops_window_in_padding",
       "in 5, kernel 2, stride 2, padding 1, ceil: last window dropped", [1, 2, 5, 5],
       "avg_pool2d", kernel_size=2, stride=2, padding=1, ceil_mode=True)
single("avg_pool2d_divisor_override", "divisor_override replaces the window size", X8,
       "avg_pool2d", kernel_size=3, stride=2, padding=1, divisor_override=4)
single("avg_pool2d_divisor_override_ceil_exclude_pad",
       "divisor_override also replaces the clipped and count_include_pad=false divisors",
       [1, 2, 6, 6], "avg_pool2d", kernel_size=3, stride=2, padding=1, ceil_mode=True,
       count_include_pad=False, divisor_override=5)

# global pooling
single("global_avg_pool2d", "mean over H and W", [2, 3, 5, 7], "global_avg_pool2d")
single("global_max_pool2d", "max over H and W, negative inputs", [2, 3, 5, 7],
       "global_max_pool2d", lo=-3.0, hi=-1.0)

# batch_norm
single("batch_norm_input", "inference batch-norm applied to an input", [2, 4, 5, 5],
       "batch_norm")
case("batch_norm_eps", "eps=1e-3 with small running_var, so eps matters",
     [Input("x", [1, 4, 5, 6])], [Layer("y", "batch_norm", "x", eps=Lit("1e-3"))], ["y"],
     bn_var=(0.002, 0.02))
case("batch_norm_after_conv", "conv + bias + batch-norm (fold candidate)", [Input("x", X8)],
     [Layer("c", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
      Layer("bn", "batch_norm", "c")], ["bn"])
case("conv_batch_norm_relu", "conv without bias + batch-norm + relu (ResNet style)",
     [Input("x", X8)],
     [Layer("c", "conv2d", "x", out_channels=4, kernel_size=3, padding=1, bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu", "bn")], ["r"])
case("conv_batch_norm_relu6", "conv + batch-norm + relu6", [Input("x", X8, -4.0, 4.0)],
     [Layer("c", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu6", "bn")], ["r"])

# activations, on values spanning -8..8
for _op in ("relu", "relu6", "sigmoid", "tanh"):
    single(_op, _op + " on -8..8", [1, 3, 6, 6], _op, lo=-8.0, hi=8.0)
# tanh is computed from exp (Activations.cpp): its small-value series and exp branches
# around |x| = 1/8, and saturation far out.
single("tanh_near_zero", "tanh on -0.25..0.25: series below |x| = 1/8, exp above",
       [1, 3, 8, 8], "tanh", lo=-0.25, hi=0.25)
single("tanh_saturated", "tanh on -60..60: exp(-2|x|) underflows to 0", [1, 3, 6, 6], "tanh",
       lo=-60.0, hi=60.0)
single("leaky_relu_default", "negative_slope defaults to 0.01", [1, 3, 6, 6], "leaky_relu",
       lo=-8.0, hi=8.0)
single("leaky_relu_slope", "negative_slope=0.2", [1, 3, 6, 6], "leaky_relu", lo=-8.0, hi=8.0,
       negative_slope=0.2)
for _op in ("sigmoid", "tanh", "leaky_relu"):
    case("conv_" + _op, "conv + bias + %s (fusion candidate)" % _op, [Input("x", X8, -3.0, 3.0)],
         [Layer("c", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
          Layer("a", _op, "c")], ["a"])

# add, concat, flatten, linear, softmax
case("add", "element-wise sum of two inputs",
     [Input("a", [1, 3, 6, 6]), Input("b", [1, 3, 6, 6])], [Layer("s", "add", "a", "b")], ["s"])
case("add_same_tensor", "add(x, x)", [Input("x", [1, 3, 6, 6])], [Layer("s", "add", "x", "x")],
     ["s"])
case("concat_dim1_three", "three tensors along channels",
     [Input("a", [1, 2, 5, 5]), Input("b", [1, 3, 5, 5]), Input("c", [1, 1, 5, 5])],
     [Layer("y", "concat", "a", "b", "c", dim=1)], ["y"])
case("concat_default_dim", "dim defaults to 1",
     [Input("a", [1, 2, 5, 6]), Input("b", [1, 3, 5, 6])], [Layer("y", "concat", "a", "b")], ["y"])
case("concat_dim0", "along the batch",
     [Input("a", [1, 2, 5, 6]), Input("b", [2, 2, 5, 6])], [Layer("y", "concat", "a", "b", dim=0)],
     ["y"])
case("concat_dim2", "along height",
     [Input("a", [1, 2, 4, 6]), Input("b", [1, 2, 3, 6])], [Layer("y", "concat", "a", "b", dim=2)],
     ["y"])
case("concat_dim3", "along width",
     [Input("a", [1, 2, 5, 4]), Input("b", [1, 2, 5, 7])], [Layer("y", "concat", "a", "b", dim=3)],
     ["y"])
case("concat_same_tensor", "concat(x, x)", [Input("x", [1, 2, 5, 5])],
     [Layer("y", "concat", "x", "x")], ["y"])
case("concat_2d", "concat of two [N, F] tensors along features",
     [Input("a", [2, 5]), Input("b", [2, 3])], [Layer("y", "concat", "a", "b")], ["y"])
single("flatten", "[N, C, H, W] -> [N, C*H*W]", [2, 3, 4, 5], "flatten")
case("linear", "flatten + linear with bias", [Input("x", [2, 3, 4, 4])],
     [Layer("f", "flatten", "x"), Layer("fc", "linear", "f", out_features=5)], ["fc"])
case("linear_no_bias", "flatten + linear, bias=false", [Input("x", [2, 3, 4, 4])],
     [Layer("f", "flatten", "x"), Layer("fc", "linear", "f", out_features=5, bias=False)],
     ["fc"])
single("linear_2d_input", "linear directly on a 2-D input", [2, 12], "linear", out_features=7)
single("softmax_2d", "softmax over features of [N, F], dim defaults to 1", [2, 10], "softmax",
       lo=-4.0, hi=4.0)
single("softmax_2d_dim0", "softmax over the batch of [N, F]", [2, 10], "softmax", lo=-4.0,
       hi=4.0, dim=0)
single("softmax_4d_dim1", "softmax over channels of [N, C, H, W]", [2, 4, 5, 5], "softmax",
       lo=-4.0, hi=4.0, dim=1)
single("softmax_4d_dim0", "softmax over the batch of [N, C, H, W]", [2, 3, 5, 5], "softmax",
       lo=-4.0, hi=4.0, dim=0)
single("softmax_4d_dim2", "softmax over height", [1, 3, 5, 6], "softmax", lo=-4.0, hi=4.0,
       dim=2)
single("softmax_4d_dim3", "softmax over width", [1, 3, 5, 6], "softmax", lo=-4.0, hi=4.0,
       dim=3)
single("softmax_large_logits", "logits up to 100: exp overflows without the max shift",
       [2, 10], "softmax", lo=-50.0, hi=100.0)

# graph structure
case("two_inputs", "two inputs through their own convolutions, then added",
     [Input("x", [1, 3, 7, 7]), Input("y", [1, 2, 7, 7])],
     [Layer("cx", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
      Layer("cy", "conv2d", "y", out_channels=4, kernel_size=1),
      Layer("s", "add", "cx", "cy")], ["s"])
case("tensor_fanout", "one tensor feeding several layers", [Input("x", [1, 3, 7, 7])],
     [Layer("c", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
      Layer("r", "relu", "c"), Layer("t", "tanh", "c"),
      Layer("m", "max_pool2d", "c", kernel_size=3, stride=1, padding=1),
      Layer("s", "add", "r", "t"), Layer("y", "concat", "s", "m", "c")], ["y"])
case("multiple_outputs", "output a, b: an intermediate and a final tensor",
     [Input("x", [1, 3, 8, 8])],
     [Layer("c", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
      Layer("r", "relu", "c"),
      Layer("p", "max_pool2d", "r", kernel_size=2),
      Layer("g", "global_avg_pool2d", "p")], ["r", "g"])
case("output_names_input", "an output may name an input tensor", [Input("x", [1, 2, 5, 5])],
     [Layer("y", "sigmoid", "x")], ["y", "x"])
case("unreached_layer_warning", "a layer reaching no output is only a warning",
     [Input("x", [1, 2, 6, 6])],
     [Layer("y", "relu", "x"), Layer("unused", "max_pool2d", "x", kernel_size=2)], ["y"])

# small networks
case("residual_block", "conv-bn-relu-conv-bn + identity add + relu", [Input("x", [1, 4, 8, 8])],
     [Layer("conv1", "conv2d", "x", out_channels=4, kernel_size=3, padding=1, bias=False),
      Layer("bn1", "batch_norm", "conv1"), Layer("relu1", "relu", "bn1"),
      Layer("conv2", "conv2d", "relu1", out_channels=4, kernel_size=3, padding=1, bias=False),
      Layer("bn2", "batch_norm", "conv2"), Layer("sum", "add", "bn2", "x"),
      Layer("out", "relu", "sum")], ["out"])
case("residual_block_downsample", "strided residual block with a 1x1 projection shortcut",
     [Input("x", [1, 4, 8, 8])],
     [Layer("conv1", "conv2d", "x", out_channels=6, kernel_size=3, stride=2, padding=1,
            bias=False),
      Layer("bn1", "batch_norm", "conv1"), Layer("relu1", "relu", "bn1"),
      Layer("conv2", "conv2d", "relu1", out_channels=6, kernel_size=3, padding=1, bias=False),
      Layer("bn2", "batch_norm", "conv2"),
      Layer("down", "conv2d", "x", out_channels=6, kernel_size=1, stride=2, bias=False),
      Layer("down_bn", "batch_norm", "down"), Layer("sum", "add", "bn2", "down_bn"),
      Layer("out", "relu", "sum")], ["out"])
case("inception_block", "four branches (1x1, 3x3, 5x5, pool) concatenated",
     [Input("x", [1, 4, 8, 8])],
     [Layer("b1", "conv2d", "x", out_channels=2, kernel_size=1), Layer("b1r", "relu", "b1"),
      Layer("b2a", "conv2d", "x", out_channels=2, kernel_size=1), Layer("b2ar", "relu", "b2a"),
      Layer("b2", "conv2d", "b2ar", out_channels=3, kernel_size=3, padding=1),
      Layer("b2r", "relu", "b2"),
      Layer("b3a", "conv2d", "x", out_channels=1, kernel_size=1), Layer("b3ar", "relu", "b3a"),
      Layer("b3", "conv2d", "b3ar", out_channels=2, kernel_size=5, padding=2),
      Layer("b3r", "relu", "b3"),
      Layer("b4a", "max_pool2d", "x", kernel_size=3, stride=1, padding=1),
      Layer("b4", "conv2d", "b4a", out_channels=2, kernel_size=1), Layer("b4r", "relu", "b4"),
      Layer("out", "concat", "b1r", "b2r", "b3r", "b4r", dim=1)], ["out"])
case("vgg_tiny", "two VGG blocks and a classifier", [Input("image", [1, 3, 12, 12])],
     [Layer("conv1_1", "conv2d", "image", out_channels=4, kernel_size=3, padding=1),
      Layer("relu1_1", "relu", "conv1_1"),
      Layer("conv1_2", "conv2d", "relu1_1", out_channels=4, kernel_size=3, padding=1),
      Layer("relu1_2", "relu", "conv1_2"),
      Layer("pool1", "max_pool2d", "relu1_2", kernel_size=2),
      Layer("conv2_1", "conv2d", "pool1", out_channels=8, kernel_size=3, padding=1),
      Layer("relu2_1", "relu", "conv2_1"),
      Layer("conv2_2", "conv2d", "relu2_1", out_channels=8, kernel_size=3, padding=1),
      Layer("relu2_2", "relu", "conv2_2"),
      Layer("pool2", "max_pool2d", "relu2_2", kernel_size=2),
      Layer("flat", "flatten", "pool2"),
      Layer("fc", "linear", "flat", out_features=5),
      Layer("prob", "softmax", "fc")], ["prob"])
case("resnet_stem", "7x7 stride-2 conv, bn, relu, 3x3 stride-2 max pool",
     [Input("image", [1, 3, 12, 12])],
     [Layer("conv1", "conv2d", "image", out_channels=8, kernel_size=7, stride=2, padding=3,
            bias=False),
      Layer("bn1", "batch_norm", "conv1"), Layer("relu1", "relu", "bn1"),
      Layer("pool1", "max_pool2d", "relu1", kernel_size=3, stride=2, padding=1)], ["pool1"])
case("mobilenetv2_inverted_residual",
     "1x1 expand + bn + relu6, 3x3 depthwise + bn + relu6, 1x1 project + bn, residual add",
     [Input("x", [1, 4, 8, 8], -3.0, 3.0)],
     [Layer("expand", "conv2d", "x", out_channels=8, kernel_size=1, bias=False),
      Layer("expand_bn", "batch_norm", "expand"), Layer("expand_relu", "relu6", "expand_bn"),
      Layer("dw", "conv2d", "expand_relu", out_channels=8, kernel_size=3, padding=1, groups=8,
            bias=False),
      Layer("dw_bn", "batch_norm", "dw"), Layer("dw_relu", "relu6", "dw_bn"),
      Layer("project", "conv2d", "dw_relu", out_channels=4, kernel_size=1, bias=False),
      Layer("project_bn", "batch_norm", "project"),
      Layer("out", "add", "x", "project_bn")], ["out"])
case("squeezenet_fire", "squeeze 1x1, expand 1x1 and 3x3, concat",
     [Input("x", [1, 6, 7, 7])],
     [Layer("squeeze", "conv2d", "x", out_channels=2, kernel_size=1),
      Layer("squeeze_relu", "relu", "squeeze"),
      Layer("expand1x1", "conv2d", "squeeze_relu", out_channels=4, kernel_size=1),
      Layer("expand1x1_relu", "relu", "expand1x1"),
      Layer("expand3x3", "conv2d", "squeeze_relu", out_channels=4, kernel_size=3, padding=1),
      Layer("expand3x3_relu", "relu", "expand3x3"),
      Layer("out", "concat", "expand1x1_relu", "expand3x3_relu", dim=1)], ["out"])
case("classifier_head", "global average pool, flatten, linear, softmax",
     [Input("x", [2, 6, 5, 5])],
     [Layer("gap", "global_avg_pool2d", "x"), Layer("flat", "flatten", "gap"),
      Layer("fc", "linear", "flat", out_features=4), Layer("prob", "softmax", "fc", dim=1)],
     ["prob"])
case("seed_pad_tiny", "reflect/zero pad layers before unpadded convs, then max and avg pool",
     [Input("image", [1, 3, 12, 12])],
     [Layer("p1", "pad", "image", pos=[1], mode="reflect"),
      Layer("c1", "conv2d", "p1", out_channels=4, kernel_size=3), Layer("r1", "relu", "c1"),
      Layer("m1", "max_pool2d", "r1", kernel_size=2),
      Layer("p2", "pad", "m1", pos=[1]),
      Layer("c2", "conv2d", "p2", out_channels=4, kernel_size=3), Layer("r2", "relu", "c2"),
      Layer("a1", "avg_pool2d", "r2", kernel_size=2)], ["a1"])

# regressions: compiler bugs the random network generator found (tests/random), each
# minimized to the smallest network that showed it
single("regress_reflect_period_divides_vector",
       "reflect pad of a width-2 row to width 4: the period (2) divides the vector width",
       [1, 2, 1, 2], "pad", pos=[(1, 1)], mode="reflect")
single("regress_circular_period_divides_vector",
       "circular pad of a width-4 row to width 8: the period (4) divides the vector width",
       [1, 2, 1, 4], "pad", pos=[(2, 2)], mode="circular")
case("regress_strided_window_skips_tail",
     "a stride-2 1x1 pool skips the producer's last column (vector tail read x at -1)",
     [Input("x", [1, 1, 1, 4])],
     [Layer("r", "relu", "x"), Layer("p", "max_pool2d", "r", kernel_size=1, stride=2)], ["p"])
case("regress_conv_strided_window_skips_tail",
     "the same skipped tail when the producer is a convolution (fused computes it per tile)",
     [Input("x", [1, 2, 3, 4])],
     [Layer("c", "conv2d", "x", out_channels=2, kernel_size=1),
      Layer("p", "max_pool2d", "c", kernel_size=1, stride=2)], ["p"])
case("regress_shared_2d_output", "a 12-feature output also read by another output",
     [Input("x", [1, 12])], [Layer("f", "relu", "x"), Layer("s", "relu", "f")], ["f", "s"])
single("regress_grouped_strided_pointwise_conv",
       "1x1 stride-2 grouped conv of an odd-width row (misaligned deinterleaving load)",
       [1, 2, 1, 7], "conv2d", out_channels=2, kernel_size=1, stride=2, groups=2)

# schedule paths chosen by shape (compiler/schedule/StageSchedule.cpp): vectors across
# 16 output channels for narrow rows, and channel blocks outermost for large weights
case("conv2d_channel_vectors", "16 output channels on 7-pixel rows: vectors across channels",
     [Input("x", [1, 5, 6, 7])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("r", "relu", "c")], ["r"])
case("conv2d_channel_vectors_two_chunks",
     "32 channels on 20-pixel rows (two chunks), stride, dilation, reflect, folded bn",
     [Input("x", [1, 3, 9, 41])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, stride=2, padding=2,
            dilation=2, padding_mode="reflect", bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu6", "bn")], ["r"])
case("conv2d_channel_vectors_two_vectors",
     "rows of at most 8 pixels: register blocks of 2 channel vectors (7x7, 64 channels, bn)",
     [Input("x", [1, 8, 7, 7])],
     [Layer("c", "conv2d", "x", out_channels=64, kernel_size=3, padding=1, bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu", "bn")], ["r"])
case("conv2d_channel_vectors_two_vectors_strided",
     "2 channel vectors on 5-pixel rows of a stride-2 convolution, 32 channels, bias",
     [Input("x", [1, 16, 9, 10])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, stride=2, padding=1)], ["c"])
case("conv2d_channel_vectors_padded_block_1x1",
     "narrow rows, 72 channels: the last block of 16 padded with zero weights (guarded)",
     [Input("x", [1, 32, 5, 13])],
     [Layer("c", "conv2d", "x", out_channels=72, kernel_size=1), Layer("r", "relu", "c")], ["r"])
case("conv2d_channel_vectors_padded_block_bn",
     "narrow rows, 66 channels, 3x3, folded bn: the padded block reads the last bias",
     [Input("x", [1, 8, 6, 9])],
     [Layer("c", "conv2d", "x", out_channels=66, kernel_size=3, padding=1, bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu6", "bn")], ["r"])
case("conv2d_channel_vectors_padded_block_under_pool",
     "narrow rows, 68 channels, computed per row of a 2x2 pooling (blocks across x)",
     [Input("x", [1, 8, 12, 10])],
     [Layer("c", "conv2d", "x", out_channels=68, kernel_size=3, padding=1),
      Layer("m", "max_pool2d", "c", kernel_size=2)], ["m"])
# Strides of 3 and more but powers of two read a window input stored decimated, one copy
# per kernel column (ops/Conv2d.cpp, storesDecimatedColumns; Halide 14 crashed on stride-3
# vector loads); stride 4 keeps its strided loads.
case("conv2d_stride3_grouped_1x1",
     "grouped 1x1 of stride (1, 3) on one 13-pixel row (random DAG 400067: SIGSEGV before)",
     [Input("x", [1, 2, 1, 13])],
     [Layer("c", "conv2d", "x", out_channels=4, kernel_size=1, stride=(1, 3), groups=2)], ["c"])
case("conv2d_stride3_dilated_reflect",
     "3x3 of stride 3, dilation 2, padding 2 by reflection, across x",
     [Input("x", [1, 3, 9, 40])],
     [Layer("c", "conv2d", "x", out_channels=8, kernel_size=3, stride=3, padding=2,
            dilation=2, padding_mode="reflect"), Layer("r", "relu", "c")], ["r"])
case("conv2d_stride3_channel_vectors",
     "3x3 of stride 3 on 7-pixel rows, 32 channels: channel vectors, padding taps left out",
     [Input("x", [1, 8, 7, 20])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, stride=3, padding=1)], ["c"])
case("conv2d_stride3_depthwise",
     "depthwise 3x3 of stride 3, padding 1, 8 channels on 25-pixel rows",
     [Input("x", [1, 8, 6, 25])],
     [Layer("c", "conv2d", "x", out_channels=8, kernel_size=3, stride=3, padding=1, groups=8,
            bias=False), Layer("bn", "batch_norm", "c")], ["bn"])
case("conv2d_stride6_wide_kernel",
     "7x7 of stride 6 (wider than the stride), padding 3, 16 channels on 5-pixel rows",
     [Input("x", [1, 4, 12, 30])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=7, stride=6, padding=3)], ["c"])
case("conv2d_stride4_patchify",
     "4x4 of stride 4 (patches) on 160-pixel rows: 40 outputs across x",
     [Input("x", [1, 3, 8, 160])],
     [Layer("c", "conv2d", "x", out_channels=8, kernel_size=4, stride=4)], ["c"])
# Stored alone, narrow rows of one register block leave out the taps that read zero
# padding (ops/Conv2d.cpp, skipsPaddingTaps): asymmetric padding, padding wider than
# the kernel reaches (whole rows and columns of bias alone), stride with dilation, and
# a padded last block of weights with a folded batch-norm.
case("conv2d_padding_taps_skipped_asymmetric",
     "4x4 kernel, padding same (1 before, 2 after), 32 channels on 9-pixel rows",
     [Input("x", [1, 6, 8, 9])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=4, padding="same"),
      Layer("r", "relu", "c")], ["r"])
case("conv2d_padding_taps_skipped_wide_padding",
     "3x3 with padding 3 (the outer rows and columns read padding only), stride 2, dilation 2",
     [Input("x", [1, 5, 11, 13])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, stride=2, padding=3,
            dilation=2)], ["c"])
case("conv2d_padding_taps_skipped_padded_block",
     "3x3 of padding (2, 1) on 6-pixel rows, 66 channels (a padded block), folded bn",
     [Input("x", [1, 8, 5, 6])],
     [Layer("c", "conv2d", "x", out_channels=66, kernel_size=3, padding=(2, 1), bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu6", "bn")], ["r"])
# Wide rows take vectors across output channels only for reductions of at least 80
# multiply-adds per output (lower::kMinChannelVectorReduction); shallower ones, such as
# conv2d_pointwise_after_ceil_pool_54_wide's, take vectors across x.
case("conv2d_channel_vectors_wide_rows",
     "3x3 of 16 channels dilated 2 on 36-pixel rows (depth 144, not Winograd): vectors across channels",
     [Input("x", [1, 16, 6, 36])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=2, dilation=2,
            padding_mode="replicate"),
      Layer("r", "relu", "c")], ["r"])
case("conv2d_channel_vectors_wide_rows_1x1",
     "1x1 of 96 channels on 40-pixel rows (depth 96), folded bn: vectors across channels",
     [Input("x", [1, 96, 3, 40])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=1, bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu6", "bn")], ["r"])
# Depthwise convolutions make their padded input per row and block of channels.
case("conv2d_depthwise_window_per_block",
     "depthwise 3x3, reflect, folded bn, relu6: padded input per block of 8 channels",
     [Input("x", [1, 24, 10, 36])],
     [Layer("d", "conv2d", "x", out_channels=24, kernel_size=3, padding=1, groups=24,
            padding_mode="reflect", bias=False),
      Layer("bn", "batch_norm", "d"), Layer("r", "relu6", "bn")], ["r"])
case("conv2d_depthwise_multiplier_strided",
     "depthwise with 2 outputs per channel, stride 2, replicate: blocks read disjoint inputs",
     [Input("x", [1, 12, 11, 34])],
     [Layer("d", "conv2d", "x", out_channels=24, kernel_size=3, stride=2, padding=1, groups=12,
            padding_mode="replicate")], ["d"])
case("conv2d_depthwise_under_pool",
     "depthwise 3x3 computed per row of a 2x2 pooling: padded input per block",
     [Input("x", [1, 16, 8, 40])],
     [Layer("d", "conv2d", "x", out_channels=16, kernel_size=3, padding=1, groups=16),
      Layer("m", "max_pool2d", "d", kernel_size=2)], ["m"])
case("conv2d_pointwise_after_ceil_pool_54_wide",
     "1x1 conv on the 54-pixel rows of a ceil_mode 3x3 pooling (SqueezeNet's): reads stay inside",
     [Input("x", [1, 16, 9, 109])],
     [Layer("m", "max_pool2d", "x", kernel_size=3, stride=2, ceil_mode=True),
      Layer("c", "conv2d", "m", out_channels=16, kernel_size=1), Layer("r", "relu", "c")], ["r"])
# Convolution hosts (schedule/Fused.cpp joinRegion): rows tall enough that a 3x3
# producer's halo is under a fifth of a chunk's rows, and producers of at least 256 KiB
# (kMinJoinedBytes: 65,536 floats).
case("conv_host_winograd_block",
     "ResNet block, 64 rows: b1 slides under c2 (Winograd pairs, tiles from odd rows, 2 chunks)",
     [Input("x", [1, 16, 64, 64])],
     [Layer("c1", "conv2d", "x", out_channels=16, kernel_size=3, padding=1, bias=False),
      Layer("b1", "batch_norm", "c1"), Layer("r1", "relu", "b1"),
      Layer("c2", "conv2d", "r1", out_channels=16, kernel_size=3, padding=1, bias=False),
      Layer("b2", "batch_norm", "c2"), Layer("a", "add", "b2", "x"),
      Layer("r2", "relu", "a")], ["r2"])
case("conv_host_winograd_odd_height",
     "conv under a Winograd conv host of 65 rows: the last chunk ends in a single row",
     [Input("x", [1, 16, 65, 64])],
     [Layer("c1", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("r1", "relu", "c1"),
      Layer("c2", "conv2d", "r1", out_channels=32, kernel_size=3, padding=1)], ["c2"])
case("conv_host_pointwise_inverted_residual",
     "MobileNet-V2's block, 65 rows: dw per row of the 1x1 project, expand sliding below it",
     [Input("x", [1, 8, 65, 40], -3.0, 3.0)],
     [Layer("e", "conv2d", "x", out_channels=48, kernel_size=1, bias=False),
      Layer("eb", "batch_norm", "e"), Layer("er", "relu6", "eb"),
      Layer("d", "conv2d", "er", out_channels=48, kernel_size=3, padding=1, groups=48,
            bias=False),
      Layer("db", "batch_norm", "d"), Layer("dr", "relu6", "db"),
      Layer("p", "conv2d", "dr", out_channels=8, kernel_size=1, bias=False),
      Layer("pb", "batch_norm", "p"), Layer("a", "add", "pb", "x")], ["a"])
# The depthwise convolution per row of a 1x1 host slides its padded input along the
# host's rows (schedule/Fused.cpp, slideWindowInput): stride 2, dilation 2 (5 rows read,
# 8 stored), reflect padding, and chunks of uneven length.
case("conv_host_pointwise_depthwise_stride2",
     "dw 3x3 of stride 2 per row of a 1x1 host (two new padded rows per row), 33 rows",
     [Input("x", [1, 8, 33, 96])],
     [Layer("e", "conv2d", "x", out_channels=96, kernel_size=1, bias=False),
      Layer("er", "relu6", "e"),
      Layer("d", "conv2d", "er", out_channels=96, kernel_size=3, stride=2, padding=1, groups=96,
            bias=False),
      Layer("dr", "relu6", "d"),
      Layer("p", "conv2d", "dr", out_channels=16, kernel_size=1)], ["p"])
case("conv_host_pointwise_depthwise_dilated_reflect",
     "dw 3x3 dilated 2, reflect padding 2, per row of a 1x1 host (fold 8), 29 rows",
     [Input("x", [1, 8, 29, 40])],
     [Layer("e", "conv2d", "x", out_channels=64, kernel_size=1, bias=False),
      Layer("eb", "batch_norm", "e"), Layer("er", "relu", "eb"),
      Layer("d", "conv2d", "er", out_channels=64, kernel_size=3, padding=2, dilation=2,
            groups=64, padding_mode="reflect"),
      Layer("p", "conv2d", "d", out_channels=8, kernel_size=1, bias=False),
      Layer("pb", "batch_norm", "p"), Layer("a", "add", "pb", "x")], ["a"])
case("conv_host_winograd_two_levels",
     "random DAG 220001: two Winograd convs slide under a Winograd host (c1 keeps its span's fold)",
     [Input("x", [1, 16, 47, 151])],
     [Layer("c1", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="reflect"),
      Layer("c2", "conv2d", "c1", out_channels=16, kernel_size=3, padding=1),
      Layer("c4", "conv2d", "c2", out_channels=32, kernel_size=3, padding=1)], ["c4"])
case("conv_host_direct", "8-channel convs (direct): c1 slides a row per row of c2's chunks",
     [Input("x", [1, 8, 80, 104])],
     [Layer("c1", "conv2d", "x", out_channels=8, kernel_size=3, padding=1),
      Layer("r1", "relu", "c1"),
      Layer("c2", "conv2d", "r1", out_channels=8, kernel_size=3, padding=1)], ["c2"])
case("conv_host_strided", "a 3x3 stride-2 conv hosts a 3x3 conv: five rows per row",
     [Input("x", [1, 8, 160, 52])],
     [Layer("c1", "conv2d", "x", out_channels=8, kernel_size=3, padding=1),
      Layer("r1", "relu", "c1"),
      Layer("c2", "conv2d", "r1", out_channels=8, kernel_size=3, stride=2, padding=1)], ["c2"])
case("conv_host_resnet_stem_region",
     "ResNet's stem and first block in b1_conv2's chunks: pool1 read by b1_conv1 and the add",
     [Input("image", [1, 3, 224, 296])],
     [Layer("conv1", "conv2d", "image", out_channels=16, kernel_size=7, stride=2, padding=3,
            bias=False),
      Layer("bn1", "batch_norm", "conv1"), Layer("relu1", "relu", "bn1"),
      Layer("pool1", "max_pool2d", "relu1", kernel_size=3, stride=2, padding=1),
      Layer("b1_conv1", "conv2d", "pool1", out_channels=16, kernel_size=3, padding=1,
            bias=False),
      Layer("b1_bn1", "batch_norm", "b1_conv1"), Layer("b1_relu1", "relu", "b1_bn1"),
      Layer("b1_conv2", "conv2d", "b1_relu1", out_channels=16, kernel_size=3, padding=1,
            bias=False),
      Layer("b1_bn2", "batch_norm", "b1_conv2"), Layer("b1_add", "add", "b1_bn2", "pool1"),
      Layer("b1_out", "relu", "b1_add")], ["b1_out"])
case("conv_host_two_levels_unclamped",
     "conv -> conv -> conv: two levels slide under the last, their rows read unclamped",
     [Input("x", [1, 8, 96, 96])],
     [Layer("c1", "conv2d", "x", out_channels=8, kernel_size=3, padding=1),
      Layer("r1", "relu", "c1"),
      Layer("c2", "conv2d", "r1", out_channels=8, kernel_size=3, padding=1),
      Layer("c3", "conv2d", "c2", out_channels=8, kernel_size=3, padding=1)], ["c3"])
case("sliding_under_sliding_pool_host",
     "conv -> conv -> 3x3 stride-2 pooling: c2 slides, c1 per chunk (a pooling reads clamped)",
     [Input("x", [1, 4, 32, 12])],
     [Layer("c1", "conv2d", "x", out_channels=4, kernel_size=3, padding=1),
      Layer("r1", "relu", "c1"),
      Layer("c2", "conv2d", "r1", out_channels=4, kernel_size=3, padding=1),
      Layer("m", "max_pool2d", "c2", kernel_size=3, stride=2, padding=1)], ["m"])
case("conv2d_large_weights", "1.07 MB of weights: channel blocks outermost, input padded once",
     [Input("x", [1, 128, 3, 40])],
     [Layer("c", "conv2d", "x", out_channels=232, kernel_size=3, padding=1)], ["c"])

# Winograd's F(2x2, 3x3), which the fused schedule takes for dense 3x3 convolutions of
# stride 1 with >= 16 input channels and >= 16 channels out
# (compiler/ops/Conv2dWinograd.cpp): stored, and per row of a 2x2 pooling; every
# padding mode; rows narrower than a vector, split into column blocks, and shifted
# register blocks of tiles.
case("conv2d_winograd_zeros", "Winograd: zero padding, 10-pixel rows, 16 channels",
     [Input("x", [1, 16, 6, 10])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("r", "relu", "c")], ["r"])
case("conv2d_winograd_odd_valid", "Winograd, odd output (5x7) without padding: half tiles",
     [Input("x", [1, 16, 7, 9])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3)], ["c"])
case("conv2d_winograd_odd_reflect_residual", "Winograd, odd 9x13 output, reflect, residual",
     [Input("x", [1, 16, 9, 13])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="reflect"),
      Layer("s", "add", "c", "x")], ["s"])
case("conv2d_winograd_odd_circular_under_pool", "Winograd, odd 7x11, circular, 2x2 pooling",
     [Input("x", [1, 16, 7, 11])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, padding=1,
            padding_mode="circular"),
      Layer("r", "relu", "c"), Layer("p", "max_pool2d", "r", kernel_size=2)], ["p"])
case("conv2d_winograd_odd_under_pool", "Winograd per row of a 2x2 pooling of an odd 7x11 output",
     [Input("x", [1, 16, 7, 11])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, padding=1),
      Layer("r", "relu", "c"), Layer("p", "avg_pool2d", "r", kernel_size=2)], ["p"])
case("conv2d_winograd_residual_under_ceil_pool",
     "conv + residual under a ceil_mode 2x2 pooling of an odd height (its last row is single)",
     [Input("x", [1, 16, 7, 8])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("s", "add", "c", "x"), Layer("r", "relu", "s"),
      Layer("m", "max_pool2d", "r", kernel_size=2, ceil_mode=True)], ["m"])
case("conv2d_winograd_pad_before_pool", "conv chain, a pad of top 1, then a 2x2 pooling",
     [Input("x", [1, 16, 8, 6])],
     [Layer("c0", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("c1", "conv2d", "c0", out_channels=16, kernel_size=3, padding=1),
      Layer("p", "pad", "c1", pos=((0, 0, 1, 1),)),
      Layer("m", "max_pool2d", "p", kernel_size=2)], ["m"])
case("conv2d_winograd_under_padded_pool",
     "Winograd per row of a 2x2 pooling with padding 1 (tiles from odd rows), another sliding under it",
     [Input("x", [1, 16, 11, 8])],
     [Layer("c1", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("c2", "conv2d", "c1", out_channels=16, kernel_size=3, padding=1),
      Layer("m", "avg_pool2d", "c2", kernel_size=2, padding=1, ceil_mode=True)], ["m"])
case("conv2d_winograd_one_column", "Winograd on 3x1 images: one-pixel rows",
     [Input("x", [1, 16, 3, 1])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1)], ["c"])
case("conv2d_winograd_odd_wide_rows", "Winograd on 75-pixel rows: the last 56-pixel block starts odd",
     [Input("x", [1, 16, 2, 75])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="replicate")], ["c"])
case("conv2d_winograd_one_row", "Winograd on a 1x3 output: half a tile each way",
     [Input("x", [1, 16, 1, 3])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1)], ["c"])
case("conv2d_winograd_two_pixels", "Winograd on 2x2 images: one tile, rows narrower than 4",
     [Input("x", [1, 16, 2, 2])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, padding=1)], ["c"])
case("conv2d_winograd_reflect_bn_batch2", "Winograd: reflect, folded bn, batch 2, 32 channels",
     [Input("x", [2, 16, 8, 6])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, padding=1,
            padding_mode="reflect", bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu", "bn")], ["r"])
case("conv2d_winograd_circular_residual", "Winograd: circular padding, residual add",
     [Input("x", [1, 16, 4, 18])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="circular"),
      Layer("s", "add", "c", "x"), Layer("r", "relu", "s")], ["r"])
case("conv2d_winograd_replicate_valid", "Winograd: replicate padding, then no padding",
     [Input("x", [1, 24, 6, 34])],
     [Layer("c1", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="replicate"),
      Layer("c2", "conv2d", "c1", out_channels=32, kernel_size=3)], ["c2"])
case("conv2d_winograd_under_max_pool", "Winograd per row of a 2x2 pooling, 72-pixel rows",
     [Input("x", [1, 16, 4, 72])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, padding=1),
      Layer("r", "relu", "c"), Layer("p", "max_pool2d", "r", kernel_size=2)], ["p"])
case("conv2d_winograd_pad_layer_avg_pool", "Winograd after a reflect pad layer, under avg pool",
     [Input("x", [1, 16, 6, 20])],
     [Layer("p", "pad", "x", pos=(1,), mode="reflect"),
      Layer("c", "conv2d", "p", out_channels=16, kernel_size=3),
      Layer("r", "relu", "c"), Layer("a", "avg_pool2d", "r", kernel_size=2)], ["a"])
# Winograd sliding per row of a pooling of stride 2 with overlapping windows: each host
# row computes the next pair of rows, a chunk's first row one pair more.
case("conv2d_winograd_sliding_under_3x3_pool",
     "Winograd sliding under a 3x3 stride-2 max pooling with padding 1 (ResNet's), folded bn",
     [Input("x", [1, 16, 34, 12])],
     [Layer("c", "conv2d", "x", out_channels=32, kernel_size=3, padding=1, bias=False),
      Layer("bn", "batch_norm", "c"), Layer("r", "relu", "bn"),
      Layer("m", "max_pool2d", "r", kernel_size=3, stride=2, padding=1)], ["m"])
case("conv2d_winograd_sliding_unpadded_stored_input",
     "Winograd sliding under a 3x3 stride-2 pooling, unpadded, reading a stored output",
     [Input("x", [1, 8, 34, 10])],
     [Layer("c0", "conv2d", "x", out_channels=16, kernel_size=1), Layer("o", "relu", "c0"),
      Layer("c", "conv2d", "o", out_channels=16, kernel_size=3), Layer("r", "relu", "c"),
      Layer("m", "max_pool2d", "r", kernel_size=3, stride=2, padding=1)], ["m", "o"])
case("conv2d_residual_sliding_ceil_pool_direct",
     "direct, not Winograd: conv + residual sliding under a ceil_mode 3x3 stride-2 avg pooling",
     [Input("x", [1, 16, 32, 10])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="reflect"),
      Layer("s", "add", "c", "x"), Layer("r", "relu", "s"),
      Layer("a", "avg_pool2d", "r", kernel_size=3, stride=2, ceil_mode=True)], ["a"])
case("conv2d_winograd_sliding_4x4_pool_batch2",
     "Winograd sliding under a 4x4 stride-2 pooling (5-row footprint aligned), batch 2, 72-pixel rows",
     [Input("x", [2, 16, 32, 72])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("r", "relu", "c"),
      Layer("m", "max_pool2d", "r", kernel_size=4, stride=2, padding=1)], ["m"])
case("conv2d_winograd_not_under_3x3_pool_odd_height",
     "direct, not Winograd: a 3x3 stride-2 pooling of an odd height ends on an even row",
     [Input("x", [1, 16, 33, 8])],
     [Layer("c", "conv2d", "x", out_channels=16, kernel_size=3, padding=1),
      Layer("s", "add", "c", "x"),
      Layer("m", "max_pool2d", "s", kernel_size=3, stride=2, padding=1)], ["m"])
# Winograd sliding under a convolution computed per row of a 2x2 pooling: each pooling
# row moves the rows the reader asks for on by a pair, starting on odd rows through a
# top padding of 1 (tiles offset by a row, seed_pad's c3), on even ones through 2.
case("conv2d_winograd_offset_tiles_under_conv",
     "Winograd, tiles on odd rows: sliding under a reflect pad + conv per row of a 2x2 pooling",
     [Input("x", [1, 16, 64, 9])],
     [Layer("c3", "conv2d", "x", out_channels=32, kernel_size=3, padding=1),
      Layer("r3", "relu", "c3"), Layer("p4", "pad", "r3", pos=(1,), mode="reflect"),
      Layer("c4", "conv2d", "p4", out_channels=32, kernel_size=3), Layer("r4", "relu", "c4"),
      Layer("a", "avg_pool2d", "r4", kernel_size=2)], ["a"])
case("conv2d_winograd_even_tiles_under_5x5_conv",
     "Winograd, tiles on even rows: sliding under a 5x5 conv (padding 2) per row of a 2x2 pooling",
     [Input("x", [2, 16, 30, 12])],
     [Layer("c3", "conv2d", "x", out_channels=16, kernel_size=3, padding=1,
            padding_mode="replicate", bias=False),
      Layer("bn", "batch_norm", "c3"),
      Layer("c4", "conv2d", "bn", out_channels=16, kernel_size=5, padding=2),
      Layer("m", "max_pool2d", "c4", kernel_size=2)], ["m"])

# Output channels that are not a multiple of 16: the last vector overlaps the one
# before it (in the products and the copy-out).
case("conv2d_winograd_40_channels_residual_bn",
     "Winograd, 40 channels (vectors 0-15, 16-31, 24-39), folded bn, residual, odd 9x13",
     [Input("x", [1, 40, 9, 13])],
     [Layer("c", "conv2d", "x", out_channels=40, kernel_size=3, padding=1, bias=False),
      Layer("bn", "batch_norm", "c"), Layer("s", "add", "bn", "x"),
      Layer("r", "relu", "s")], ["r"])
case("conv2d_winograd_24_channels_sliding_pool",
     "Winograd, 24 channels, sliding under a 3x3 stride-2 pooling, 20 channels per row of a 2x2",
     [Input("x", [1, 16, 36, 22])],
     [Layer("c1", "conv2d", "x", out_channels=24, kernel_size=3, padding=1),
      Layer("r1", "relu6", "c1"),
      Layer("m1", "max_pool2d", "r1", kernel_size=3, stride=2, padding=1),
      Layer("c2", "conv2d", "m1", out_channels=20, kernel_size=3, padding=1,
            padding_mode="replicate"),
      Layer("r2", "tanh", "c2"), Layer("m2", "avg_pool2d", "r2", kernel_size=2)], ["m2"])

# ----------------------------------------------------------------------------------------
# .cnn text


def fmt_value(v):
    if isinstance(v, Lit):
        return v.text
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, tuple):
        return "(" + ", ".join(fmt_value(e) for e in v) + ")"
    if isinstance(v, (int, float, str)):
        return str(v)
    raise TypeError(v)


def cnn_text(c):
    lines = ["# %s: %s" % (c.name, c.doc),
             "# Generated by tests/correctness/make_fixtures.py; do not edit.",
             "network " + c.name]
    for i in c.inputs:
        lines.append("input %s: f32[%s]" % (i.name, ", ".join(str(d) for d in i.shape)))
    for l in c.layers:
        args = l.tensors + [fmt_value(p) for p in l.pos]
        args += ["%s=%s" % (k, fmt_value(v)) for k, v in l.attrs.items()]
        lines.append("%s = %s(%s)" % (l.name, l.op, ", ".join(args)))
    lines.append("output " + ", ".join(c.outputs))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------------------
# PyTorch semantics (float64), through torch.nn.functional


def pair(v):
    return tuple(v) if isinstance(v, tuple) else (v, v)


class Weights:
    """Draws a case's weights in layer order: float32 values, used as float64."""

    def __init__(self, rng, bn_var):
        self.rng, self.bn_var, self.f32 = rng, bn_var, {}

    def draw(self, key, shape, lo, hi):
        a = self.rng.uniform(lo, hi, size=shape).astype(np.float32)
        self.f32[key] = a
        return torch.from_numpy(a).double()


def conv_same_pads(k, d):
    """PyTorch's padding='same': total d*(k-1), the odd extra pixel at the end."""
    total = d * (k - 1)
    return total // 2, total - total // 2


def op_conv2d(l, x, w):
    cin, cout, g = x.shape[1], l.attr("out_channels"), l.attr("groups", 1)
    kh, kw = pair(l.attr("kernel_size"))
    stride, dil = pair(l.attr("stride", 1)), pair(l.attr("dilation", 1))
    bound = (cin // g * kh * kw) ** -0.5
    weight = w.draw(l.name + ".weight", (cout, cin // g, kh, kw), -bound, bound)
    bias = w.draw(l.name + ".bias", (cout,), -0.5, 0.5) if l.attr("bias", True) else None
    padding, mode = l.attr("padding", 0), l.attr("padding_mode", "zeros")
    if mode == "zeros":
        if padding not in ("same", "valid"):
            padding = pair(padding)
        return F.conv2d(x, weight, bias, stride, padding, dil, g)
    # nn.Conv2d with a non-zeros padding_mode pads with F.pad first, then convolves unpadded.
    if padding == "same":
        (t, b), (lft, r) = conv_same_pads(kh, dil[0]), conv_same_pads(kw, dil[1])
    elif padding == "valid":
        t = b = lft = r = 0
    else:
        (t, lft) = pair(padding)
        b, r = t, lft
    return F.conv2d(F.pad(x, (lft, r, t, b), mode=mode), weight, bias, stride, 0, dil, g)


PAD_MODES = {"constant": "constant", "zeros": "constant", "reflect": "reflect",
             "replicate": "replicate", "circular": "circular"}


def op_pad(l, x, w):
    p = l.pos[0] if l.pos else l.attr("padding")
    p = (p,) * 4 if isinstance(p, int) else tuple(p) + (0,) * (4 - len(p))
    mode = PAD_MODES[l.attr("mode", "constant")]
    if mode == "constant":
        return F.pad(x, p, mode="constant", value=float(l.attr("value", 0.0)))
    return F.pad(x, p, mode=mode)


def op_max_pool2d(l, x, w):
    k = l.attr("kernel_size")
    return F.max_pool2d(x, kernel_size=k, stride=l.attr("stride", k),
                        padding=l.attr("padding", 0), dilation=l.attr("dilation", 1),
                        ceil_mode=l.attr("ceil_mode", False))


def op_avg_pool2d(l, x, w):
    k = l.attr("kernel_size")
    return F.avg_pool2d(x, kernel_size=k, stride=l.attr("stride", k),
                        padding=l.attr("padding", 0), ceil_mode=l.attr("ceil_mode", False),
                        count_include_pad=l.attr("count_include_pad", True),
                        divisor_override=l.attr("divisor_override"))


def op_batch_norm(l, x, w):
    c, n = x.shape[1], l.name
    weight = w.draw(n + ".weight", (c,), 0.5, 1.5)
    bias = w.draw(n + ".bias", (c,), -0.5, 0.5)
    mean = w.draw(n + ".running_mean", (c,), -0.5, 0.5)
    var = w.draw(n + ".running_var", (c,), *w.bn_var)
    return F.batch_norm(x, mean, var, weight, bias, training=False, eps=l.attr("eps", 1e-5))


def op_linear(l, x, w):
    fin, fout = x.shape[1], l.attr("out_features")
    bound = fin ** -0.5
    weight = w.draw(l.name + ".weight", (fout, fin), -bound, bound)
    bias = w.draw(l.name + ".bias", (fout,), -0.5, 0.5) if l.attr("bias", True) else None
    return F.linear(x, weight, bias)


OPS = {
    "conv2d": lambda l, xs, w: op_conv2d(l, xs[0], w),
    "pad": lambda l, xs, w: op_pad(l, xs[0], w),
    "max_pool2d": lambda l, xs, w: op_max_pool2d(l, xs[0], w),
    "avg_pool2d": lambda l, xs, w: op_avg_pool2d(l, xs[0], w),
    "global_avg_pool2d": lambda l, xs, w: xs[0].mean(dim=(2, 3), keepdim=True),
    "global_max_pool2d": lambda l, xs, w: xs[0].amax(dim=(2, 3), keepdim=True),
    "batch_norm": lambda l, xs, w: op_batch_norm(l, xs[0], w),
    "relu": lambda l, xs, w: F.relu(xs[0]),
    "relu6": lambda l, xs, w: F.relu6(xs[0]),
    "sigmoid": lambda l, xs, w: torch.sigmoid(xs[0]),
    "tanh": lambda l, xs, w: torch.tanh(xs[0]),
    "leaky_relu": lambda l, xs, w: F.leaky_relu(xs[0], l.attr("negative_slope", 0.01)),
    "add": lambda l, xs, w: xs[0] + xs[1],
    "concat": lambda l, xs, w: torch.cat(xs, dim=l.attr("dim", 1)),
    "flatten": lambda l, xs, w: torch.flatten(xs[0], 1),
    "linear": lambda l, xs, w: op_linear(l, xs[0], w),
    "softmax": lambda l, xs, w: F.softmax(xs[0], dim=l.attr("dim", 1)),
}


def evaluate(c):
    """Returns (inputs, weights, expected outputs) of a case as float32 numpy arrays."""
    rng = np.random.default_rng(zlib.crc32(c.name.encode()))
    inputs, env = {}, {}
    for i in c.inputs:
        inputs[i.name] = rng.uniform(i.lo, i.hi, size=i.shape).astype(np.float32)
        env[i.name] = torch.from_numpy(inputs[i.name]).double()
    w = Weights(rng, c.bn_var)
    for l in c.layers:
        env[l.name] = OPS[l.op](l, [env[t] for t in l.tensors], w)
    expected = {o: env[o].numpy().astype(np.float32) for o in c.outputs}
    return inputs, w.f32, expected


# ----------------------------------------------------------------------------------------
# safetensors, written by hand (no python3-safetensors on Debian 12)


def safetensors_bytes(tensors):
    """8-byte little-endian header length, JSON header (keys sorted, padded with spaces to a
    multiple of 8), then the F32 little-endian data in key order."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name], dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


def write_fixtures(out):
    os.makedirs(out, exist_ok=True)
    for c in CASES:
        inputs, weights, expected = evaluate(c)
        base = os.path.join(out, c.name)
        write_file(base + ".cnn", cnn_text(c))
        write_file(base + ".weights.safetensors", safetensors_bytes(weights))
        write_file(base + ".inputs.safetensors", safetensors_bytes(inputs))
        write_file(base + ".expected.safetensors", safetensors_bytes(expected))
    names = sorted(c.name for c in CASES)
    write_file(os.path.join(out, "CASES.txt"), "".join(n + "\n" for n in names))


def compare_dirs(fresh, committed):
    """Prints every difference; returns True when the directories hold identical files."""
    cmp = filecmp.dircmp(fresh, committed)
    problems = ["missing from fixtures/: " + f for f in cmp.left_only]
    problems += ["stale in fixtures/ (no case writes it): " + f for f in cmp.right_only]
    _, mismatch, errors = filecmp.cmpfiles(fresh, committed, cmp.common_files, shallow=False)
    problems += ["differs: " + f for f in mismatch + errors]
    for p in problems:
        print("fixtures_reproducible: " + p)
    return not problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default: fixtures/)")
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temporary directory and compare with --out")
    args = ap.parse_args()
    if torch is None:
        print("make_fixtures: %s has no torch/numpy (use Debian's /usr/bin/python3)"
              % sys.executable, file=sys.stderr)
        return SKIP_RETURN_CODE if args.check else 1
    torch.set_num_threads(1)  # one summation order, whatever the machine
    # padding=same with an even kernel pads a copy first in PyTorch; that is the point.
    warnings.filterwarnings("ignore", message="Using padding='same'")
    if not args.check:
        write_fixtures(args.out)
        print("make_fixtures: wrote %d cases to %s" % (len(CASES), args.out))
        return 0
    with tempfile.TemporaryDirectory(prefix="cnnc-fixtures-") as tmp:
        write_fixtures(tmp)
        if not compare_dirs(tmp, args.out):
            print("fixtures_reproducible: rerun make_fixtures.py and commit", file=sys.stderr)
            return 1
    print("fixtures_reproducible: %d cases identical" % len(CASES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
