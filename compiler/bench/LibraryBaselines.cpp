// Runs the baseline programs on files in a private temporary directory: cnnc bench
// writes the weights and inputs there, each program writes its JSON report and its
// outputs there, and cnnc bench reads them back and compares the outputs itself.
#include "compiler/bench/LibraryBaselines.h"

#include "cnnc/runtime/Safetensors.h"
#include "compiler/bench/Subprocess.h"
#include "compiler/eval/Compare.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace cnnc::bench {

namespace {

const char kOnednnProgram[] = "cnnc_onednn_bench";
const char kPytorchScript[] = "cnnc_pytorch_bench.py";
const char kDefaultPython[] = "/usr/bin/python3"; // Debian's, with python3-torch

/// A directory only this run uses, removed with everything in it when it goes away.
class TemporaryDirectory {
public:
  static rt::Expected<TemporaryDirectory> create() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/cnnc-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      return rt::Error{"cannot create a temporary directory like " + pattern};
    return TemporaryDirectory(pattern);
  }
  TemporaryDirectory(TemporaryDirectory &&other) noexcept : path_(std::move(other.path_)) {
    other.path_.clear();
  }
  TemporaryDirectory &operator=(TemporaryDirectory &&) = delete;
  ~TemporaryDirectory() {
    std::error_code ignored;
    if (!path_.empty())
      std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
  explicit TemporaryDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

rt::Status writeTensors(const std::string &path, const eval::TensorMap &tensors) {
  std::vector<std::pair<std::string, const rt::Tensor *>> list;
  for (const auto &[name, tensor] : tensors)
    list.emplace_back(name, &tensor);
  return rt::writeSafetensors(path, list);
}

rt::Expected<eval::TensorMap> readTensors(const std::string &path) {
  rt::Expected<rt::SafetensorsFile> file = rt::SafetensorsFile::open(path);
  if (!file)
    return file.error();
  eval::TensorMap tensors;
  for (const std::string &name : file->names()) {
    rt::Expected<rt::Tensor> tensor = file->readF32(name);
    if (!tensor)
      return tensor.error();
    tensors[name] = std::move(*tensor);
  }
  return tensors;
}

rt::Expected<nlohmann::json> readJson(const std::string &path) {
  std::ifstream in(path);
  nlohmann::json json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    return rt::Error{path + ": not a JSON report"};
  return json;
}

/// The program or script `name` next to the cnnc executable, or an Error saying how to
/// get it.
rt::Expected<std::string> besideCnnc(const std::string &name, const std::string &howToGet) {
  const std::string path = executableDirectory() + "/" + name;
  if (::access(path.c_str(), F_OK) != 0)
    return rt::Error{name + " not found next to cnnc (looked for " + path + "); " + howToGet};
  return path;
}

/// The threads and wait policy every library process gets: OMP_NUM_THREADS for its
/// OpenMP pool, and passive waiting unless the caller chose (with libgomp's spinning
/// default, a busy machine stretches every parallel region; see bench/README.md).
std::map<std::string, std::string> libraryEnvironment(int threads) {
  std::map<std::string, std::string> environment{{"OMP_NUM_THREADS", std::to_string(threads)}};
  if (std::getenv("OMP_WAIT_POLICY") == nullptr)
    environment["OMP_WAIT_POLICY"] = "passive";
  return environment;
}

/// One row from a report's "schedules" entry, its outputs checked against the run's.
rt::Expected<LibraryResult> rowFrom(const nlohmann::json &entry, const std::string &version,
                                    const std::string &outputsPath, const LibraryRun &run,
                                    const std::string &reportPath) {
  LibraryResult result;
  if (!entry.contains("name") || !entry.contains("run_ms") || !entry["run_ms"].is_array() ||
      entry["run_ms"].empty())
    return rt::Error{reportPath + ": a row without name or run_ms"};
  result.name = entry["name"].is_string() ? entry["name"].get<std::string>() : "?";
  result.version = version;
  for (const nlohmann::json &ms : entry["run_ms"]) {
    if (!ms.is_number())
      return rt::Error{reportPath + ": run_ms holds a non-number"};
    result.runMs.push_back(ms.get<double>());
  }
  rt::Expected<eval::TensorMap> outputs = readTensors(outputsPath);
  if (!outputs)
    return outputs.error();
  if (std::optional<std::string> problem = eval::compareOutputs(*run.checkedOutputs, *outputs))
    return rt::Error{result.name + " disagrees with cnnc's " + run.checkedSchedule +
                     " schedule: " + *problem};
  result.check = "outputs agree with " + run.checkedSchedule;
  // pytorch_bench.py notes when optimize_for_inference failed and freeze alone was timed.
  if (entry.contains("note") && entry["note"].is_string())
    result.check += "; " + entry["note"].get<std::string>();
  return result;
}

std::string commonVersion(const nlohmann::json &report, const std::string &library) {
  const bool known = report.contains("library_version") && report["library_version"].is_string();
  return library + " " + (known ? report["library_version"].get<std::string>() : "?");
}

rt::Expected<std::string> onednnProgram() {
  return besideCnnc(kOnednnProgram, "it is built with cnnc when Debian's libdnnl-dev is "
                                    "installed (apt-get install libdnnl-dev, then re-run cmake "
                                    "and ninja)");
}

rt::Expected<std::string> pytorchScript() {
  return besideCnnc(kPytorchScript, "the build copies it there from bench/pytorch_bench.py");
}

std::string pythonInterpreter() {
  const char *python = std::getenv("CNNC_PYTHON");
  return python && *python ? python : kDefaultPython;
}

rt::Status runOnednn(const LibraryRun &run, const TemporaryDirectory &work,
                     std::vector<LibraryResult> &rows) {
  rt::Expected<std::string> program = onednnProgram();
  if (!program)
    return program.error();
  const std::string report = work.file("onednn.json"), outputs = work.file("onednn.safetensors");
  SubprocessRequest request{{*program, run.netPath, "--threads", std::to_string(run.threads),
                             "--min-time", std::to_string(run.minTimeSeconds), "--no-check",
                             "--tensors", work.file(""), "--write-outputs", outputs, "--json",
                             report},
                            libraryEnvironment(run.threads),
                            work.file("onednn.txt"),
                            work.file("onednn.log")};
  if (rt::Status status = runSubprocess(request); !status)
    return status;
  rt::Expected<nlohmann::json> json = readJson(report);
  if (!json)
    return json.error();
  if (!json->contains("schedules") || (*json)["schedules"].size() != 1)
    return rt::Error{report + ": expected one row"};
  rt::Expected<LibraryResult> row =
      rowFrom((*json)["schedules"][0], commonVersion(*json, "oneDNN"), outputs, run, report);
  if (!row)
    return row.error();
  rows.push_back(std::move(*row));
  return rt::ok();
}

rt::Status runPytorch(const LibraryRun &run, const TemporaryDirectory &work,
                      std::vector<LibraryResult> &rows) {
  rt::Expected<std::string> script = pytorchScript();
  if (!script)
    return script.error();
  const std::string interpreter = pythonInterpreter();
  const std::string report = work.file("pytorch.json");
  SubprocessRequest request{
      {interpreter, *script, run.netPath, "--threads", std::to_string(run.threads), "--min-time",
       std::to_string(run.minTimeSeconds), "--tensors", work.file(""), "--write-outputs",
       work.file(""), "--json", report, "--cnnc", executableDirectory() + "/cnnc"},
      libraryEnvironment(run.threads),
      work.file("pytorch.txt"),
      work.file("pytorch.log")};
  if (rt::Status status = runSubprocess(request); !status)
    return status;
  rt::Expected<nlohmann::json> json = readJson(report);
  if (!json)
    return json.error();
  if (!json->contains("schedules") || (*json)["schedules"].empty())
    return rt::Error{report + ": no rows"};
  for (const nlohmann::json &entry : (*json)["schedules"]) {
    const std::string name = entry.contains("name") && entry["name"].is_string()
                                 ? entry["name"].get<std::string>()
                                 : "?";
    rt::Expected<LibraryResult> row = rowFrom(entry, commonVersion(*json, "PyTorch"),
                                              work.file(name + ".safetensors"), run, report);
    if (!row)
      return row.error();
    rows.push_back(std::move(*row));
  }
  return rt::ok();
}

} // namespace

const char *libraryName(Library library) {
  return library == Library::Onednn ? "onednn" : "pytorch";
}

rt::Expected<std::vector<Library>> parseLibraries(const std::string &list) {
  std::vector<Library> libraries;
  std::stringstream stream(list);
  for (std::string item; std::getline(stream, item, ',');) {
    if (item == "onednn")
      libraries.push_back(Library::Onednn);
    else if (item == "pytorch")
      libraries.push_back(Library::Pytorch);
    else if (!item.empty())
      return rt::Error{"unknown baseline '" + item + "' (onednn, pytorch)"};
  }
  if (libraries.empty())
    return rt::Error{"--baseline names no library (onednn, pytorch)"};
  return libraries;
}

rt::Status findLibraries(const std::vector<Library> &libraries) {
  for (Library library : libraries) {
    const std::string prefix = "--baseline " + std::string(libraryName(library)) + ": ";
    rt::Expected<std::string> program =
        library == Library::Onednn ? onednnProgram() : pytorchScript();
    if (!program)
      return rt::Error{prefix + program.error().message};
    if (library == Library::Pytorch && ::access(pythonInterpreter().c_str(), X_OK) != 0)
      return rt::Error{prefix + pythonInterpreter() +
                       " not found (Debian's python3 with python3-torch; CNNC_PYTHON names "
                       "another)"};
  }
  return rt::ok();
}

rt::Expected<std::vector<LibraryResult>> runLibrary(Library library, const LibraryRun &run) {
  rt::Expected<TemporaryDirectory> work = TemporaryDirectory::create();
  if (!work)
    return work.error();
  if (rt::Status status = writeTensors(work->file("weights.safetensors"), *run.weights); !status)
    return status.error();
  if (rt::Status status = writeTensors(work->file("inputs.safetensors"), *run.inputs); !status)
    return status.error();
  std::vector<LibraryResult> rows;
  rt::Status status =
      library == Library::Onednn ? runOnednn(run, *work, rows) : runPytorch(run, *work, rows);
  if (!status)
    return rt::Error{"--baseline " + std::string(libraryName(library)) + ": " +
                     status.error().message};
  return rows;
}

} // namespace cnnc::bench
