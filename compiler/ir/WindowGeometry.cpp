// Sliding-window arithmetic shared by every layer that has a window.
#include "compiler/ir/WindowGeometry.h"

#include <algorithm>

namespace cnnc::ir {

namespace {
int64_t floorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int64_t ceilDiv(int64_t a, int64_t b) { return -floorDiv(-a, b); }
} // namespace

int64_t dilatedKernelExtent(int64_t kernel, int64_t dilation) { return dilation * (kernel - 1) + 1; }

int64_t windowOutputExtent(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin,
                           int64_t padEnd, int64_t dilation, bool ceilMode) {
  int64_t span = in + padBegin + padEnd - dilatedKernelExtent(kernel, dilation);
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? ceilDiv(span, stride) : floorDiv(span, stride)) + 1;
  // PyTorch drops a last window that would start inside the end padding.
  // Without this, ceil_mode shapes disagree with PyTorch's.
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

PadPair samePadding(int64_t kernel, int64_t dilation) {
  int64_t total = dilation * (kernel - 1);
  return {total / 2, total - total / 2};
}

std::optional<int64_t> paddedSourceIndex(PadMode mode, int64_t i, int64_t size) {
  if (i >= 0 && i < size)
    return i;
  switch (mode) {
  case PadMode::Constant:
    return std::nullopt;
  case PadMode::Replicate:
    return std::clamp<int64_t>(i, 0, size - 1);
  case PadMode::Circular:
    return ((i % size) + size) % size;
  case PadMode::Reflect: {
    if (size == 1)
      return 0;
    // Reflection without repeating the edge has period 2 * (size - 1).
    int64_t period = 2 * (size - 1);
    int64_t m = ((i % period) + period) % period;
    return m < size ? m : period - m;
  }
  }
  return std::nullopt;
}

const char *padModeName(PadMode mode) {
  switch (mode) {
  case PadMode::Constant:
    return "constant";
  case PadMode::Reflect:
    return "reflect";
  case PadMode::Replicate:
    return "replicate";
  case PadMode::Circular:
    return "circular";
  }
  return "?";
}

int64_t spatialExtent(const Shape &shape, SpatialAxis axis) {
  if (shape.size() != 4)
    return 1;
  return axis == SpatialAxis::Height ? shape[2] : shape[3];
}

AxisWindow slidingWindow(int64_t kernel, int64_t stride, int64_t dilation, int64_t padBegin,
                         int64_t padEnd, PadMode padMode) {
  AxisWindow window;
  window.kernel = kernel;
  window.stride = stride;
  window.dilation = dilation;
  window.padBegin = padBegin;
  window.padEnd = padEnd;
  window.padMode = padMode;
  return window;
}

AxisWindow wholeAxisWindow(int64_t extent) {
  return slidingWindow(extent, extent, 1, 0, 0, PadMode::Constant);
}

int64_t windowTap(const AxisWindow &window, int64_t out, int64_t tap) {
  return windowStart(out, window.stride, window.padBegin) + tap * window.dilation;
}

bool isTapRead(const AxisWindow &window, int64_t u, int64_t extent) {
  if (window.outsideIsAbsent)
    return u >= 0 && u < extent;
  return u >= -window.padBegin && u < extent + window.padEnd;
}

Span windowReads(const AxisWindow &window, Span outputs) {
  return {windowTap(window, outputs.first, 0), windowTap(window, outputs.last, window.kernel - 1)};
}

ReceptiveField throughWindow(const ReceptiveField &in, const AxisWindow &window) {
  return {in.size + (dilatedKernelExtent(window.kernel, window.dilation) - 1) * in.jump,
          in.jump * window.stride, in.start - window.padBegin * in.jump};
}

} // namespace cnnc::ir
