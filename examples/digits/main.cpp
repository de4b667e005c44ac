// Classifies the held-out 8x8 digits with the network train.py trained, compiled by
// cnnc_add_network with its weights embedded, and checks every prediction against
// PyTorch's (committed in test_set.safetensors beside the images and labels).
//
//   digits test_set.safetensors
#include "digits.hpp"

#include "cnnc/runtime/Safetensors.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

using cnnc::nets::digits;

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: digits test_set.safetensors\n");
    return 2;
  }
  auto net = digits::create(); // the weights are in the library: no file
  auto file = cnnc::rt::SafetensorsFile::open(argv[1]);
  if (!net || !file) {
    std::fprintf(stderr, "%s\n", (!net ? net.error() : file.error()).message.c_str());
    return 1;
  }
  auto images = file->readF32("images");
  auto labels = file->readF32("labels");
  auto torchPredictions = file->readF32("torch_predictions");
  for (const auto *tensor : {&images, &labels, &torchPredictions})
    if (!*tensor) {
      std::fprintf(stderr, "%s\n", tensor->error().message.c_str());
      return 1;
    }
  const size_t count = labels->data.size();
  if (images->data.size() != count * digits::kImageElements ||
      torchPredictions->data.size() != count) {
    std::fprintf(stderr, "%s: inconsistent tensor sizes\n", argv[1]);
    return 1;
  }

  size_t correct = 0, torchCorrect = 0, agree = 0;
  float scores[digits::kFcElements];
  for (size_t i = 0; i < count; ++i) {
    cnnc::rt::Status ran = net->run(&images->data[i * digits::kImageElements], scores);
    if (!ran) {
      std::fprintf(stderr, "%s\n", ran.error().message.c_str());
      return 1;
    }
    const auto predicted = std::distance(scores, std::max_element(std::begin(scores), std::end(scores)));
    const auto label = static_cast<long>(labels->data[i]);
    const auto torchPredicted = static_cast<long>(torchPredictions->data[i]);
    correct += predicted == label;
    torchCorrect += torchPredicted == label;
    if (predicted == torchPredicted)
      ++agree;
    else
      std::printf("digit %zu: cnnc predicts %ld, PyTorch %ld (label %ld)\n", i,
                  static_cast<long>(predicted), torchPredicted, label);
  }
  std::printf("cnnc:    %zu/%zu held-out digits correct (%.2f%%)\n", correct, count,
              100.0 * static_cast<double>(correct) / static_cast<double>(count));
  std::printf("PyTorch: %zu/%zu held-out digits correct (%.2f%%)\n", torchCorrect, count,
              100.0 * static_cast<double>(torchCorrect) / static_cast<double>(count));
  std::printf("predictions identical to PyTorch's: %zu/%zu\n", agree, count);
  return agree == count && correct == torchCorrect ? 0 : 1;
}
