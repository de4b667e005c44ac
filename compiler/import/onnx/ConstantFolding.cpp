// Operators evaluated on constants at import time. PyTorch's exporter computes pads
// (F.pad: ConstantOfShape, Concat, Reshape, Slice, Transpose, Cast) and view shapes
// (x.view(x.size(0), -1): Shape, Gather, Unsqueeze, Concat) with them; since every
// shape is static, they all fold. Applied to a computed tensor they are errors (only
// Shape reads one, for its shape).
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

#include <functional>
#include <limits>

namespace cnnc::onnximport {

namespace {

std::vector<int64_t> stridesOf(const std::vector<int64_t> &dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (size_t d = dims.size(); d-- > 1;)
    strides[d - 1] = strides[d] * dims[d];
  return strides;
}

/// The most elements a folded constant may have. The exporter folds pads and view
/// shapes (a handful of integers); without a bound, a chain of Concats doubling a
/// constant, or a ConstantOfShape of [1e9], would take the importer's memory and time.
constexpr int64_t kMaxFoldedElements = int64_t(1) << 20;

/// False, after reporting it, when a folded result of `dims` would be too large (or
/// negative, or beyond int64).
bool checkFoldable(ConvertContext &ctx, const onnx::NodeProto &node,
                   const std::vector<int64_t> &dims) {
  int64_t total = 1;
  for (int64_t d : dims) {
    if (d < 0 || (d > 0 && total > kMaxFoldedElements / d))
      return ctx.fail(node, "shape " + formatDims(dims) +
                                " is negative or too large to fold (at most " +
                                std::to_string(kMaxFoldedElements) + " elements)");
    total *= d;
  }
  return true;
}

/// Source indices of a gather: `sourceOf(outputMultiIndex)` for every output element.
/// The caller has checked `outDims` with checkFoldable.
std::vector<int64_t> mapIndices(const std::vector<int64_t> &outDims,
                                const std::function<int64_t(const std::vector<int64_t> &)> &sourceOf) {
  int64_t total = 1;
  for (int64_t d : outDims)
    total *= d;
  std::vector<int64_t> index(outDims.size(), 0), result;
  result.reserve(static_cast<size_t>(total));
  for (int64_t n = 0; n < total; ++n) {
    result.push_back(sourceOf(index));
    for (size_t d = outDims.size(); d-- > 0;) {
      if (++index[d] < outDims[d])
        break;
      index[d] = 0;
    }
  }
  return result;
}

int64_t dot(const std::vector<int64_t> &index, const std::vector<int64_t> &strides) {
  int64_t offset = 0;
  for (size_t d = 0; d < index.size(); ++d)
    offset += index[d] * strides[d];
  return offset;
}

/// Integer values of constant input `i`, reported when absent or not integral.
std::optional<std::vector<int64_t>> intsInput(ConvertContext &ctx, const onnx::NodeProto &node,
                                              int i, const std::string &what) {
  const Constant *c = ctx.constantInput(node, i, what);
  if (!c)
    return std::nullopt;
  std::optional<std::vector<int64_t>> values = integerValues(*c);
  if (!values)
    ctx.fail(node, what + " must be integers");
  return values;
}

/// The axes of Unsqueeze/Squeeze: an attribute before opset 13, an input from then on.
std::optional<std::vector<int64_t>> axesOf(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (ctx.opset() < 13)
    return ctx.attrInts(node, "axes", {});
  if (!ConvertContext::hasInput(node, 1))
    return std::vector<int64_t>{};
  return intsInput(ctx, node, 1, "axes");
}

std::optional<Constant> constantAttribute(ConvertContext &ctx, const onnx::NodeProto &node) {
  for (const onnx::AttributeProto &attr : node.attribute()) {
    const std::string &n = attr.name();
    if (n == "value") {
      std::string error;
      std::optional<Constant> c = decodeTensor(attr.t(), error);
      if (!c)
        ctx.fail(node, error);
      return c;
    }
    if (n == "value_float")
      return Constant::ofFloats({}, {attr.f()});
    if (n == "value_floats")
      return Constant::ofFloats({attr.floats_size()}, {attr.floats().begin(), attr.floats().end()});
    if (n == "value_int")
      return Constant::ofInts({}, {attr.i()});
    if (n == "value_ints")
      return Constant::ofInts({attr.ints_size()}, {attr.ints().begin(), attr.ints().end()});
    ctx.fail(node, "attribute '" + n + "' is not supported");
    return std::nullopt;
  }
  ctx.fail(node, "no value attribute");
  return std::nullopt;
}

/// ONNX Slice bounds on one axis, clamped as the operator defines them.
void clampSlice(int64_t size, int64_t step, int64_t &start, int64_t &end) {
  if (size == 0) { // nothing to take, whatever the step (and no [0, -1] range to clamp to)
    start = end = 0;
    return;
  }
  if (start < 0)
    start += size;
  if (end < 0)
    end += size;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, size);
    end = std::clamp<int64_t>(end, 0, size);
  } else {
    start = std::clamp<int64_t>(start, 0, size - 1);
    end = std::clamp<int64_t>(end, -1, size - 1);
  }
}

/// Elements a clamped slice takes: from `start` towards `end` (exclusive) by `step`.
/// Both bounds lie in [-1, size], so only the step can be extreme: no overflow.
int64_t sliceCount(int64_t start, int64_t end, int64_t step) {
  if (step > 0)
    return end > start ? (end - start - 1) / step + 1 : 0;
  // -step overflows for INT64_MIN; any step beyond the range takes one element.
  int64_t magnitude = step == std::numeric_limits<int64_t>::min()
                          ? std::numeric_limits<int64_t>::max()
                          : -step;
  return start > end ? (start - end - 1) / magnitude + 1 : 0;
}

} // namespace

bool convertConstant(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 0, 0))
    return false;
  std::optional<Constant> c = constantAttribute(ctx, node);
  if (!c)
    return false;
  ctx.defineConstant(node.output(0), std::move(*c));
  return true;
}

bool convertShape(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"start", "end"}))
    return false;
  const Value *v = ctx.input(node, 0);
  if (!v)
    return false;
  std::vector<int64_t> dims =
      v->kind == Value::Kind::Constant ? v->constant.dims : ctx.shapeOf(v->tensor);
  int64_t rank = static_cast<int64_t>(dims.size());
  int64_t start = ctx.attrInt(node, "start", 0), end = ctx.attrInt(node, "end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  std::vector<int64_t> values(dims.begin() + start, dims.begin() + std::max(start, end));
  ctx.defineConstant(node.output(0), Constant::ofInts({static_cast<int64_t>(values.size())}, values));
  return true;
}

bool convertGather(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 2) || !ctx.checkAttributes(node, {"axis"}))
    return false;
  const Constant *data = ctx.constantInput(node, 0, "the data");
  const Constant *indicesConstant = ctx.constantInput(node, 1, "the indices");
  if (!data || !indicesConstant)
    return false;
  std::optional<std::vector<int64_t>> indices = integerValues(*indicesConstant);
  std::optional<int64_t> axis = normalizeAxis(ctx, node, ctx.attrInt(node, "axis", 0), data->dims.size());
  if (!indices || !axis)
    return false;
  size_t a = static_cast<size_t>(*axis);
  int64_t extent = data->dims[a];
  for (int64_t &i : *indices) {
    if (i < -extent || i >= extent)
      return ctx.fail(node, "index " + std::to_string(i) + " is out of range for size " +
                                std::to_string(extent));
    i = i < 0 ? i + extent : i;
  }
  std::vector<int64_t> outDims(data->dims.begin(), data->dims.begin() + *axis);
  outDims.insert(outDims.end(), indicesConstant->dims.begin(), indicesConstant->dims.end());
  outDims.insert(outDims.end(), data->dims.begin() + *axis + 1, data->dims.end());
  if (!checkFoldable(ctx, node, outDims))
    return false;
  std::vector<int64_t> strides = stridesOf(data->dims);
  size_t indexRank = indicesConstant->dims.size();
  std::vector<int64_t> indexStrides = stridesOf(indicesConstant->dims);
  std::vector<int64_t> source = mapIndices(outDims, [&](const std::vector<int64_t> &o) {
    std::vector<int64_t> idx(o.begin(), o.begin() + *axis);
    std::vector<int64_t> which(o.begin() + *axis, o.begin() + *axis + static_cast<int64_t>(indexRank));
    idx.push_back((*indices)[static_cast<size_t>(dot(which, indexStrides))]);
    idx.insert(idx.end(), o.begin() + *axis + static_cast<int64_t>(indexRank), o.end());
    return dot(idx, strides);
  });
  ctx.defineConstant(node.output(0), gatherElements(*data, outDims, source));
  return true;
}

bool convertUnsqueeze(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 2) || !ctx.checkAttributes(node, {"axes"}))
    return false;
  const Constant *data = ctx.constantInput(node, 0, "the data");
  std::optional<std::vector<int64_t>> axes = axesOf(ctx, node);
  if (!data || !axes)
    return false;
  size_t rank = data->dims.size() + axes->size();
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    std::optional<int64_t> a = normalizeAxis(ctx, node, axis, rank);
    if (!a)
      return false;
    inserted[static_cast<size_t>(*a)] = true;
  }
  std::vector<int64_t> dims;
  size_t next = 0;
  for (size_t d = 0; d < rank; ++d)
    dims.push_back(inserted[d] ? 1 : data->dims[next++]);
  return foldReshape(ctx, node, *data, dims);
}

bool convertSqueeze(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 2) || !ctx.checkAttributes(node, {"axes"}))
    return false;
  const Constant *data = ctx.constantInput(node, 0, "the data");
  std::optional<std::vector<int64_t>> axes = axesOf(ctx, node);
  if (!data || !axes)
    return false;
  std::vector<bool> removed(data->dims.size(), axes->empty());
  for (int64_t axis : *axes) {
    std::optional<int64_t> a = normalizeAxis(ctx, node, axis, data->dims.size());
    if (!a)
      return false;
    removed[static_cast<size_t>(*a)] = true;
  }
  std::vector<int64_t> dims;
  for (size_t d = 0; d < data->dims.size(); ++d)
    if (!removed[d] || data->dims[d] != 1)
      dims.push_back(data->dims[d]);
  return foldReshape(ctx, node, *data, dims);
}

bool convertCast(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"to", "saturate"}))
    return false;
  const Constant *data = ctx.constantInput(node, 0, "the data");
  if (!data)
    return false;
  int64_t to = ctx.attrInt(node, "to", 0);
  bool toFloat = to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE;
  bool toInt = to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32 ||
               to == onnx::TensorProto::BOOL;
  if (!toFloat && !toInt)
    return ctx.fail(node, "cast to " + elementTypeName(static_cast<int32_t>(to)) + " is not supported");
  Constant out;
  out.dims = data->dims;
  out.type = toFloat ? ConstantType::Float : ConstantType::Int64;
  for (size_t i = 0; i < data->size(); ++i) {
    double v = data->at(i);
    if (toFloat)
      out.floats.push_back(static_cast<float>(v));
    else
      out.ints.push_back(to == onnx::TensorProto::BOOL ? (v != 0.0) : static_cast<int64_t>(v));
  }
  ctx.defineConstant(node.output(0), std::move(out));
  return true;
}

bool convertSlice(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 3, 5) || !ctx.checkAttributes(node, {}))
    return false;
  const Constant *data = ctx.constantInput(node, 0, "the data");
  std::optional<std::vector<int64_t>> starts = intsInput(ctx, node, 1, "starts");
  std::optional<std::vector<int64_t>> ends = intsInput(ctx, node, 2, "ends");
  if (!data || !starts || !ends)
    return false;
  size_t rank = data->dims.size();
  std::vector<int64_t> axes(starts->size()), steps(starts->size(), 1);
  for (size_t i = 0; i < axes.size(); ++i)
    axes[i] = static_cast<int64_t>(i);
  if (ConvertContext::hasInput(node, 3)) {
    std::optional<std::vector<int64_t>> given = intsInput(ctx, node, 3, "axes");
    if (!given)
      return false;
    axes = *given;
  }
  if (ConvertContext::hasInput(node, 4)) {
    std::optional<std::vector<int64_t>> given = intsInput(ctx, node, 4, "steps");
    if (!given)
      return false;
    steps = *given;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() || steps.size() != starts->size())
    return ctx.fail(node, "starts, ends, axes and steps differ in length");
  std::vector<int64_t> begin(rank, 0), step(rank, 1), outDims = data->dims;
  for (size_t i = 0; i < axes.size(); ++i) {
    std::optional<int64_t> a = normalizeAxis(ctx, node, axes[i], rank);
    if (!a)
      return false;
    if (steps[i] == 0)
      return ctx.fail(node, "step 0 is not allowed");
    size_t d = static_cast<size_t>(*a);
    int64_t s = (*starts)[i], e = (*ends)[i];
    clampSlice(data->dims[d], steps[i], s, e);
    begin[d] = s;
    step[d] = steps[i];
    outDims[d] = sliceCount(s, e, steps[i]);
  }
  if (!checkFoldable(ctx, node, outDims))
    return false;
  std::vector<int64_t> strides = stridesOf(data->dims);
  std::vector<int64_t> source = mapIndices(outDims, [&](const std::vector<int64_t> &o) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset += (begin[d] + o[d] * step[d]) * strides[d];
    return offset;
  });
  ctx.defineConstant(node.output(0), gatherElements(*data, outDims, source));
  return true;
}

bool convertTranspose(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"perm"}))
    return false;
  const Constant *data = ctx.constantInput(node, 0, "the data");
  if (!data)
    return false;
  size_t rank = data->dims.size();
  std::vector<int64_t> perm;
  for (size_t d = rank; d-- > 0;)
    perm.push_back(static_cast<int64_t>(d));
  perm = ctx.attrInts(node, "perm", perm);
  std::vector<bool> seen(rank, false);
  // The length first: an empty perm would pass the loop below for any rank.
  if (perm.size() != rank)
    return ctx.fail(node, "perm " + formatDims(perm) + " is not a permutation of the axes");
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)])
      return ctx.fail(node, "perm " + formatDims(perm) + " is not a permutation of the axes");
    seen[static_cast<size_t>(p)] = true;
  }
  std::vector<int64_t> outDims, strides = stridesOf(data->dims);
  for (int64_t p : perm)
    outDims.push_back(data->dims[static_cast<size_t>(p)]);
  if (!checkFoldable(ctx, node, outDims))
    return false;
  std::vector<int64_t> source = mapIndices(outDims, [&](const std::vector<int64_t> &o) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset += o[d] * strides[static_cast<size_t>(perm[d])];
    return offset;
  });
  ctx.defineConstant(node.output(0), gatherElements(*data, outDims, source));
  return true;
}

bool convertConstantOfShape(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"value"}))
    return false;
  std::optional<std::vector<int64_t>> dims = intsInput(ctx, node, 0, "the shape");
  if (!dims)
    return false;
  Constant fill = Constant::ofFloats({1}, {0.0f});
  if (const onnx::AttributeProto *value = ctx.attribute(node, "value")) {
    std::string error;
    std::optional<Constant> c = decodeTensor(value->t(), error);
    if (!c || c->size() != 1)
      return ctx.fail(node, c ? "value must hold one element" : error);
    fill = *c;
  }
  if (!checkFoldable(ctx, node, *dims))
    return false;
  int64_t total = 1;
  for (int64_t d : *dims)
    total *= d;
  ctx.defineConstant(node.output(0),
                     gatherElements(fill, *dims, std::vector<int64_t>(static_cast<size_t>(total), 0)));
  return true;
}

bool foldReshape(ConvertContext &ctx, const onnx::NodeProto &node, const Constant &data,
                 std::vector<int64_t> dims) {
  Constant out = data;
  out.dims = std::move(dims);
  if (out.numel() != static_cast<int64_t>(out.size()))
    return ctx.fail(node, "cannot reshape " + formatDims(data.dims) + " to " + formatDims(out.dims));
  ctx.defineConstant(node.output(0), std::move(out));
  return true;
}

bool foldConcat(ConvertContext &ctx, const onnx::NodeProto &node) {
  const Constant &first = ctx.find(node.input(0))->constant;
  std::optional<int64_t> axis =
      normalizeAxis(ctx, node, ctx.attrInt(node, "axis", 0), first.dims.size());
  if (!axis)
    return false;
  size_t a = static_cast<size_t>(*axis);
  // Concatenation along `axis` = for each outer index, the inputs' blocks in turn.
  int64_t outer = 1;
  for (size_t d = 0; d < a; ++d)
    outer *= first.dims[d];
  Constant out = first;
  out.floats.clear();
  out.ints.clear();
  out.dims[a] = 0;
  std::vector<const Constant *> parts;
  for (int i = 0; i < node.input_size(); ++i) {
    const Constant &c = ctx.find(node.input(i))->constant;
    bool same = c.type == first.type && c.dims.size() == first.dims.size();
    for (size_t d = 0; same && d < c.dims.size(); ++d)
      same = d == a || c.dims[d] == first.dims[d];
    if (!same)
      return ctx.fail(node, "constant inputs " + formatDims(first.dims) + " and " +
                                formatDims(c.dims) + " cannot be concatenated on axis " +
                                std::to_string(a));
    if (c.dims[a] > std::numeric_limits<int64_t>::max() - out.dims[a])
      return ctx.fail(node, "the concatenated size overflows int64");
    out.dims[a] += c.dims[a];
    parts.push_back(&c);
  }
  if (!checkFoldable(ctx, node, out.dims))
    return false;
  for (int64_t o = 0; o < outer; ++o)
    for (const Constant *c : parts) {
      int64_t block = outer == 0 ? 0 : static_cast<int64_t>(c->size()) / outer;
      auto from = static_cast<size_t>(o * block), to = static_cast<size_t>((o + 1) * block);
      if (c->type == ConstantType::Float)
        out.floats.insert(out.floats.end(), c->floats.begin() + from, c->floats.begin() + to);
      else
        out.ints.insert(out.ints.end(), c->ints.begin() + from, c->ints.begin() + to);
    }
  ctx.defineConstant(node.output(0), std::move(out));
  return true;
}

} // namespace cnnc::onnximport
