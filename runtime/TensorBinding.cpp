// Binding a file's tensors to a network's declared weights or inputs. Users fix these
// files by hand or re-export them, so every problem is listed at once, not the first.
#include "cnnc/runtime/TensorBinding.h"

#include "cnnc/runtime/Npy.h"

#include <cassert>

using namespace cnnc::rt;

namespace {

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

/// PyTorch's BatchNorm keeps an int64 step counter in its state_dict that inference
/// never reads; refusing it would make every exported ResNet fail to load.
bool isIgnoredExtra(const std::string &name) { return endsWith(name, ".num_batches_tracked"); }

/// The messages of one bind, kept by category so they print in the documented order.
struct Problems {
  std::vector<std::string> missing, unexpected, dtypes, shapes;

  bool empty() const {
    return missing.empty() && unexpected.empty() && dtypes.empty() && shapes.empty();
  }
  std::string join() const {
    std::string text;
    for (const auto *group : {&missing, &unexpected, &dtypes, &shapes})
      for (const std::string &line : *group)
        text += (text.empty() ? "" : "\n") + line;
    return text;
  }
};

/// "<prefix> '<name>'<detail>", e.g. "w.safetensors: weight 'conv1.bias': ...".
std::string tensorMessage(const std::string &prefix, const std::string &name,
                          const std::string &detail) {
  std::string message = prefix;
  message += " '";
  message += name;
  message += "'";
  message += detail;
  return message;
}

std::string shapeMismatch(const std::string &prefix, const std::string &name,
                          const std::vector<int64_t> &expected, const std::vector<int64_t> &found) {
  return tensorMessage(
      prefix, name, ": expected shape " + formatShape(expected) + ", found " + formatShape(found));
}

/// Collects every problem; `specs` is sorted by name, as is file.names().
Problems findProblems(const SafetensorsFile &file,
                      const std::map<std::string, const TensorSpec *> &specs,
                      const std::string &what) {
  const std::string found = file.path() + ": " + what;
  const std::string missing = file.path() + ": missing " + what;
  const std::string unexpected = file.path() + ": unexpected " + what;
  const std::string noSuch = " (the network has no such " + what + ")";
  Problems problems;
  for (const auto &[name, spec] : specs) {
    const TensorInfo *info = file.find(name);
    if (!info) {
      problems.missing.push_back(tensorMessage(missing, name, ""));
      continue;
    }
    if (info->dtype != "F32")
      problems.dtypes.push_back(
          tensorMessage(found, name, ": expected dtype F32, found " + info->dtype));
    if (info->shape != spec->shape)
      problems.shapes.push_back(shapeMismatch(found, name, spec->shape, info->shape));
  }
  for (const std::string &name : file.names())
    if (specs.count(name) == 0 && !isIgnoredExtra(name))
      problems.unexpected.push_back(tensorMessage(unexpected, name, noSuch));
  return problems;
}

} // namespace

Expected<std::map<std::string, Tensor>>
cnnc::rt::bindTensors(const SafetensorsFile &file, const std::vector<TensorSpec> &expected,
                      const std::string &what) {
  std::map<std::string, const TensorSpec *> specs;
  for (const TensorSpec &spec : expected) {
    bool inserted = specs.emplace(spec.name, &spec).second;
    assert(inserted && "the network declares a tensor twice");
    (void)inserted;
  }
  Problems problems = findProblems(file, specs, what);
  if (!problems.empty())
    return Error{problems.join()};

  std::map<std::string, Tensor> tensors;
  for (const auto &entry : specs) {
    Expected<Tensor> tensor = file.readF32(entry.first);
    if (!tensor)
      return tensor.error();
    tensors.emplace(entry.first, std::move(*tensor));
  }
  return tensors;
}

Expected<std::map<std::string, Tensor>>
cnnc::rt::loadTensors(const std::string &path, const std::vector<TensorSpec> &expected,
                      const std::string &what) {
  if (!endsWith(path, ".npy")) {
    Expected<SafetensorsFile> file = SafetensorsFile::open(path);
    if (!file)
      return file.error();
    return bindTensors(*file, expected, what);
  }
  // A .npy array has no name, so it can only stand for a single expected tensor.
  if (expected.size() != 1)
    return Error{path + ": a .npy file holds one tensor but " + std::to_string(expected.size()) +
                 " " + what + "s are expected; use a .safetensors file"};
  Expected<Tensor> tensor = readNpy(path);
  if (!tensor)
    return tensor.error();
  const TensorSpec &spec = expected.front();
  if (tensor->shape != spec.shape)
    return Error{shapeMismatch(path + ": " + what, spec.name, spec.shape, tensor->shape)};
  std::map<std::string, Tensor> tensors;
  tensors.emplace(spec.name, std::move(*tensor));
  return tensors;
}
