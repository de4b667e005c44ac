// Fuzz target: the tensor file readers of the runtime, on arbitrary bytes, as a
// safetensors file (SafetensorsFile::open, then every tensor read out) and as a .npy
// file (readNpy). Besides not crashing, checks what open() promises: every tensor it
// lists is found and holds exactly its element count times the dtype's size, and every
// error names the file.
#include "FuzzInput.h"

#include "cnnc/runtime/Npy.h"
#include "cnnc/runtime/Safetensors.h"

#include <string>

using namespace cnnc;

namespace {

void checkNamesFile(const std::string &message, const std::string &path) {
  if (message.find(path) == std::string::npos)
    fuzz::fail("an error that does not name the file: " + message);
}

void readSafetensors(const std::string &path) {
  rt::Expected<rt::SafetensorsFile> file = rt::SafetensorsFile::open(path);
  if (!file)
    return checkNamesFile(file.error().message, path);
  for (const std::string &name : file->names()) {
    const rt::TensorInfo *info = file->find(name);
    if (!info)
      fuzz::fail("listed tensor '" + name + "' not found");
    rt::Expected<rt::Tensor> tensor = file->readF32(name);
    if (info->dtype == "F32" && !tensor)
      fuzz::fail("F32 tensor '" + name + "' unreadable: " + tensor.error().message);
    if (!tensor)
      continue;
    if (static_cast<int64_t>(tensor->data.size()) != tensor->numel() ||
        tensor->data.size() * sizeof(float) != info->bytes)
      fuzz::fail("tensor '" + name + "' size disagrees with its shape");
  }
}

void readNpy(const std::string &path) {
  rt::Expected<rt::Tensor> tensor = rt::readNpy(path);
  if (!tensor)
    return checkNamesFile(tensor.error().message, path);
  if (static_cast<int64_t>(tensor->data.size()) != tensor->numel())
    fuzz::fail("npy array size disagrees with its shape");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  readSafetensors(fuzz::writeScratchFile(data, size, ".safetensors"));
  readNpy(fuzz::writeScratchFile(data, size, ".npy"));
  return 0;
}
