// Output comparison with SPEC's tolerance.
#include "compiler/eval/Compare.h"

#include <cmath>

namespace cnnc::eval {

namespace {
std::optional<std::string> compareTensor(const std::string &name, const rt::Tensor &expected,
                                         const rt::Tensor &got) {
  if (expected.shape != got.shape)
    return name + ": shape " + rt::formatShape(got.shape) + " differs from " +
           rt::formatShape(expected.shape);
  double scale = 0.0;
  for (float v : expected.data)
    scale = std::max(scale, std::fabs(static_cast<double>(v)));
  size_t bad = 0, worst = 0;
  double worstExcess = 0.0;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    const double e = expected.data[i], g = got.data[i];
    const double allowed = 1e-4 * (std::fabs(e) + 0.1 * scale);
    const double diff = std::fabs(g - e);
    if (diff <= allowed)
      continue;
    ++bad;
    if (std::isnan(diff) || diff - allowed > worstExcess) {
      worstExcess = std::isnan(diff) ? INFINITY : diff - allowed;
      worst = i;
    }
  }
  if (bad == 0)
    return std::nullopt;
  return name + ": " + std::to_string(bad) + " of " + std::to_string(expected.data.size()) +
         " elements differ; element " + std::to_string(worst) + " is " +
         std::to_string(got.data[worst]) + ", expected " + std::to_string(expected.data[worst]);
}
} // namespace

std::optional<std::string> compareOutputs(const TensorMap &expected, const TensorMap &got) {
  for (const auto &[name, tensor] : expected) {
    auto it = got.find(name);
    if (it == got.end())
      return name + ": missing";
    if (std::optional<std::string> problem = compareTensor(name, tensor, it->second))
      return problem;
  }
  return std::nullopt;
}

} // namespace cnnc::eval
