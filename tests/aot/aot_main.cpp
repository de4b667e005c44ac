// The AOT test program: links only networks generated at build time by
// cnnc_add_network, cnnc_runtime and the one shared Halide runtime (no libHalide, no
// LLVM: the aot_links_no_compiler test checks the binary). It holds four libraries:
// conv_pool under both schedules, residual and awkward_names, which proves that
// several networks, and several schedules of one network, link into one program.
//
//   aot_main make-data DIR   seeded random weights and inputs for every network
//   aot_main check DIR       runs each network, compares with DIR/*.expected.safetensors
//                            (written by `cnnc run --schedule reference`)
//   aot_main misuse DIR      wrong shapes, counts, null pointers and bad weights must
//                            come back as error values, never as an abort
//   aot_main concurrency DIR one model from several threads, several models at once,
//                            each result bit for bit the single-threaded one
#include "AotTestUtil.h"
#include "awkward_names.hpp"
#include "cnnc/runtime/Threads.h"
#include "conv_pool_fused.hpp"
#include "conv_pool_unfused.hpp"
#include "residual.hpp"

#include <iostream>
#include <string>

using namespace cnnc;
using namespace cnnc::aottest;

namespace {

/// Every data set, by the network it belongs to (both conv_pool libraries share one).
const DataSet kDataSets[] = {
    {"conv_pool", &nets::conv_pool_fused::signature},
    {"residual", &nets::residual::signature},
    {"awkward_names", &nets::awkward_names::signature},
};

int makeData(const std::string &dir) {
  for (const DataSet &set : kDataSets) {
    rt::Status written = writeRandomData(dir, set.name, set.signature());
    if (!written) {
      std::cerr << written.error().message << "\n";
      return 1;
    }
  }
  return 0;
}

/// Each network through its typed run(pointers...), then through views (dense and
/// strided), then from several threads at once.
void checkAll(const std::string &dir, Checker &checker) {
  checkNetwork<nets::conv_pool_fused>(dir, "conv_pool", checker, [](const auto &net, Buffers &b) {
    return net.run(b.in(0), b.out(0));
  });
  checkNetwork<nets::conv_pool_unfused>(dir, "conv_pool", checker, [](const auto &net, Buffers &b) {
    return net.run(b.in(0), b.out(0));
  });
  checkNetwork<nets::residual>(dir, "residual", checker, [](const auto &net, Buffers &b) {
    return net.run(b.in(0), b.in(1), b.out(0), b.out(1));
  });
  checkNetwork<nets::awkward_names>(dir, "awkward_names", checker, [](const auto &net, Buffers &b) {
    return net.run(b.in(0), b.out(0), b.out(1), b.out(2));
  });
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "usage: aot_main make-data|check|misuse|concurrency DIR\n";
    return 2;
  }
  const std::string mode = argv[1], dir = argv[2];
  if (mode == "make-data")
    return makeData(dir);
  // Two workers: the machine is shared, and more threads than cores proves nothing.
  rt::setThreadCount(2);
  Checker checker;
  if (mode == "check")
    checkAll(dir, checker);
  else if (mode == "misuse")
    checkMisuse(dir, checker);
  else if (mode == "concurrency")
    checkConcurrency(dir, checker);
  else {
    std::cerr << "aot_main: unknown mode '" << mode << "'\n";
    return 2;
  }
  return checker.summary(std::cout);
}
