// `cnnc bench --baseline onednn,pytorch`: the libraries people would use instead, timed
// in the same run on the same weights and inputs, each in its own process after cnnc's
// schedules (oneDNN's and PyTorch's OpenMP threads never run beside Halide's), and
// checked against the outputs of cnnc's first schedule.
//
//   onednn   cnnc_onednn_bench (bench/onednn/), found next to the cnnc executable;
//            built only when Debian's libdnnl-dev is installed
//   pytorch  cnnc_pytorch_bench.py next to the cnnc executable (a copy of
//            bench/pytorch_bench.py), run by /usr/bin/python3 (CNNC_PYTHON overrides):
//            two rows, pytorch-eager and pytorch-frozen
#pragma once

#include "cnnc/runtime/Expected.h"
#include "compiler/bench/BenchReport.h"
#include "compiler/eval/Reference.h"

#include <optional>
#include <string>
#include <vector>

namespace cnnc::bench {

enum class Library { Onednn, Pytorch };

/// The libraries of a comma-separated list ("onednn,pytorch"), or an error naming the
/// unknown one.
rt::Expected<std::vector<Library>> parseLibraries(const std::string &list);

/// An Error when a library's program is not where runLibraries will look for it (checked
/// before anything is compiled or timed).
rt::Status findLibraries(const std::vector<Library> &libraries);

/// What every library run shares.
struct LibraryRun {
  std::string netPath;
  const eval::TensorMap *weights = nullptr;
  const eval::TensorMap *inputs = nullptr;
  const eval::TensorMap *checkedOutputs = nullptr; // what each library must reproduce
  std::string checkedSchedule;                     // whose outputs those are
  int threads = 1;
  double minTimeSeconds = 2;
};

/// "onednn", "pytorch": the name --baseline takes.
const char *libraryName(Library library);

/// Runs the library's program once (in a private temporary directory, removed after) and
/// returns its rows (one for oneDNN, eager and frozen for PyTorch). An Error when the
/// program is missing, fails, or computes outputs that disagree with `checkedOutputs`.
rt::Expected<std::vector<LibraryResult>> runLibrary(Library library, const LibraryRun &run);

} // namespace cnnc::bench
