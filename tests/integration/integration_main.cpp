// Build-time integration from C++: weights compiled into a library give the same
// results as the same weights read from a file, and a ScratchArena of kScratchBytes
// takes every allocation of a run (none reaches the heap), while one too small fails
// the run with an Error, not a crash.
//
//   integration_main WEIGHTS.safetensors   (examples/consumer/tiny.safetensors)
#include "scratch_net.hpp"
#include "tiny_embedded.hpp"
#include "tiny_from_file.hpp"

#include <HalideRuntime.h>
#include <atomic>
#include <cmath>
#include <iostream>
#include <thread>
#include <vector>

using namespace cnnc;

namespace {

int failures = 0;

void check(bool ok, const std::string &what) {
  if (!ok) {
    std::cerr << "FAILED: " << what << "\n";
    ++failures;
  }
}

void checkStatus(const rt::Status &status, const std::string &what) {
  check(bool(status), what + (status ? "" : ": " + status.error().message));
}

// Halide's heap allocations, counted by a handler installed before any run; cnnc's
// hooks hand every allocation they do not serve from an arena to it.
std::atomic<int> heapAllocations{0};
halide_malloc_t defaultMalloc = nullptr;
void *countingMalloc(void *userContext, size_t bytes) {
  ++heapAllocations;
  return defaultMalloc(userContext, bytes);
}

void checkEmbeddedWeights(const std::string &weightsPath) {
  static_assert(nets::tiny_embedded::kHasEmbeddedWeights && !nets::tiny_from_file::kHasEmbeddedWeights);
  auto embedded = nets::tiny_embedded::create();
  auto fromFile = nets::tiny_from_file::fromFile(weightsPath);
  check(bool(embedded) && bool(fromFile), "embedded and file models bind");
  if (!embedded || !fromFile)
    return;
  std::vector<float> image(nets::tiny_embedded::kImageElements);
  for (size_t i = 0; i < image.size(); ++i)
    image[i] = static_cast<float>(std::cos(0.37 * static_cast<double>(i)));
  std::vector<float> a(nets::tiny_embedded::kProbsElements), b(a.size());
  checkStatus(embedded->run(image.data(), a.data()), "run with embedded weights");
  checkStatus(fromFile->run(image.data(), b.data()), "run with weights from the file");
  check(a == b, "embedded weights give exactly the file's results");
  // The bound weights themselves are the file's, bit for bit.
  const auto &prepared = embedded->model().preparedWeights();
  const auto &loaded = fromFile->model().preparedWeights();
  bool same = prepared.size() == loaded.size();
  for (size_t i = 0; same && i < prepared.size(); ++i)
    same = prepared[i].shape == loaded[i].shape && prepared[i].data == loaded[i].data;
  check(same, "embedded weights equal the file's tensors");
}

void checkScratch() {
  using Net = nets::scratch_net;
  std::map<std::string, rt::Tensor> weights;
  for (const rt::TensorSpec &spec : Net::signature().weights) {
    rt::Tensor tensor = rt::Tensor::zeros(spec.shape);
    for (size_t i = 0; i < tensor.data.size(); ++i)
      tensor.data[i] = static_cast<float>((i * 7) % 5) * 0.1f - 0.2f;
    weights[spec.name] = tensor;
  }
  auto net = Net::fromTensors(weights);
  check(bool(net), "scratch_net binds");
  if (!net)
    return;
  std::vector<float> x(Net::kXElements, 0.25f), onHeap(Net::kPElements), inArena(Net::kPElements);

  int before = heapAllocations;
  checkStatus(net->run(x.data(), onHeap.data()), "run on the heap");
  check(heapAllocations > before, "the unfused schedule allocates on the heap (the test means something)");

  static_assert(Net::kScratchBytes > 0);
  std::vector<unsigned char> memory(Net::kScratchBytes);
  rt::ScratchArena arena(memory.data(), memory.size());
  before = heapAllocations;
  checkStatus(net->run(x.data(), inArena.data(), arena), "run in an arena of kScratchBytes");
  check(heapAllocations == before, "no allocation fell back to the heap");
  check(arena.highWater() > 0 && arena.highWater() <= arena.capacity(), "the arena was used");
  check(arena.bytesInUse() == 0 && arena.failedAllocations() == 0, "every block came back");
  check(inArena == onHeap, "the arena does not change the result");
  std::cout << "scratch_net: kScratchBytes " << Net::kScratchBytes << ", used "
            << arena.highWater() << "\n";

  std::vector<unsigned char> small(arena.highWater() / 2);
  rt::ScratchArena tooSmall(small.data(), small.size());
  rt::Status failed = net->run(x.data(), inArena.data(), tooSmall);
  check(!failed && failed.error().message.find("scratch arena of") != std::string::npos,
        "a too-small arena is an Error naming it");
  if (!failed)
    std::cout << "too small: " << failed.error().message << "\n";
  check(tooSmall.bytesInUse() == 0, "a failed run returns what it took");
  checkStatus(net->run(x.data(), inArena.data(), arena), "the model still runs afterwards");

  // Two threads, one model, an arena each.
  std::vector<unsigned char> memory2(Net::kScratchBytes);
  rt::ScratchArena arena2(memory2.data(), memory2.size());
  std::vector<float> out1(Net::kPElements), out2(Net::kPElements);
  rt::Status s1 = rt::ok(), s2 = rt::ok();
  std::thread t1([&] { for (int k = 0; k < 10 && s1; ++k) s1 = net->run(x.data(), out1.data(), arena); });
  std::thread t2([&] { for (int k = 0; k < 10 && s2; ++k) s2 = net->run(x.data(), out2.data(), arena2); });
  t1.join();
  t2.join();
  checkStatus(s1, "thread 1 with its arena");
  checkStatus(s2, "thread 2 with its arena");
  check(out1 == onHeap && out2 == onHeap, "concurrent arena runs agree");
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 2) {
    std::cerr << "usage: integration_main WEIGHTS.safetensors\n";
    return 2;
  }
  defaultMalloc = halide_set_custom_malloc(countingMalloc);
  halide_set_num_threads(2);
  checkEmbeddedWeights(argv[1]);
  checkScratch();
  if (failures == 0)
    std::cout << "integration_main: all checks passed\n";
  return failures == 0 ? 0 : 1;
}
