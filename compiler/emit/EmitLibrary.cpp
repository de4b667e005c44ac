// Writes a network's static library, Halide's header and the wrapper, or the Halide
// runtime, into a staging directory and publishes them only when all succeeded. This
// is the one place where Halide's AOT compiler runs, so its exceptions stop here.
#include "compiler/emit/EmitLibrary.h"

#include "cnnc/runtime/TensorBinding.h"
#include "compiler/emit/EmbedWeights.h"
#include "compiler/emit/EmitCHeader.h"
#include "compiler/emit/EmitWrapperHeader.h"
#include "compiler/emit/HostTarget.h"
#include "compiler/emit/ScratchBound.h"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <utility>

namespace cnnc::emit {

namespace fs = std::filesystem;

namespace {

/// DIR/.tmp-XXXXXX: where outputs are written before they are complete. Removed with
/// everything in it when the object dies, so a failure at any point leaves DIR as it
/// was; publish() moves the finished files out first.
class StagingDir {
public:
  static std::optional<StagingDir> create(const fs::path &dir, std::string &error) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) {
      error =
          "cannot create output directory '" + dir.string() + "'" + (ec ? ": " + ec.message() : "");
      return std::nullopt;
    }
    std::string pattern = (dir / ".tmp-XXXXXX").string();
    if (!mkdtemp(pattern.data())) {
      error = "cannot create a temporary directory in '" + dir.string() + "'";
      return std::nullopt;
    }
    return StagingDir(dir, pattern);
  }

  StagingDir(StagingDir &&other) noexcept
      : dir_(std::move(other.dir_)), path_(std::exchange(other.path_, fs::path())) {}
  StagingDir &operator=(StagingDir &&) = delete;
  StagingDir(const StagingDir &) = delete;
  StagingDir &operator=(const StagingDir &) = delete;
  ~StagingDir() {
    std::error_code ignored; // best effort: nothing to report to at this point
    if (!path_.empty())
      fs::remove_all(path_, ignored);
  }

  const fs::path &path() const { return path_; }

  /// Renames every staged file into DIR (sorted, for deterministic listings).
  bool publish(std::vector<std::string> &written, std::string &error) {
    std::vector<fs::path> staged;
    for (const fs::directory_entry &entry : fs::directory_iterator(path_))
      staged.push_back(entry.path());
    std::sort(staged.begin(), staged.end());
    for (const fs::path &file : staged) {
      fs::path target = dir_ / file.filename();
      std::error_code ec;
      fs::rename(file, target, ec);
      if (ec) {
        error = "cannot write '" + target.string() + "': " + ec.message();
        return false;
      }
      written.push_back(target.string());
    }
    return true;
  }

private:
  StagingDir(fs::path dir, fs::path path) : dir_(std::move(dir)), path_(std::move(path)) {}

  fs::path dir_, path_;
};

/// Halide's messages start with "Error:" and end with newlines; a diagnostic has its
/// own prefix and ends at the message.
std::string cleanHalideMessage(std::string text) {
  for (const char *prefix : {"Error:", "Internal Error:", "Error"}) {
    std::string_view view(text);
    if (view.substr(0, std::char_traits<char>::length(prefix)) == prefix) {
      text.erase(0, std::char_traits<char>::length(prefix));
      break;
    }
  }
  auto notSpace = [](char c) { return c != ' ' && c != '\n' && c != '\t'; };
  text.erase(text.begin(), std::find_if(text.begin(), text.end(), notSpace));
  text.erase(std::find_if(text.rbegin(), text.rend(), notSpace).base(), text.end());
  return text;
}

/// Runs `step`, turning whatever Halide (or the file system under it) throws into an
/// error diagnostic that starts with `what`.
bool guarded(const std::string &what, dsl::DiagnosticEngine &diags,
             const std::function<void()> &step) {
  try {
    step();
    return true;
  } catch (const Halide::CompileError &error) {
    diags.error({}, what + ": " + cleanHalideMessage(error.what()));
  } catch (const Halide::InternalError &error) {
    diags.error({}, what + ": internal error in Halide: " + cleanHalideMessage(error.what()));
  } catch (const Halide::Error &error) { // RuntimeError and any other kind
    diags.error({}, what + ": " + cleanHalideMessage(error.what()));
  } catch (const std::exception &error) {
    diags.error({}, what + ": " + error.what());
  }
  return false;
}

bool writeTextFile(const fs::path &path, const std::string &text, dsl::DiagnosticEngine &diags) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (out)
    return true;
  diags.error({}, "cannot write '" + path.string() + "'");
  return false;
}

/// Halide derives NAME.h's include guard from the full path it wrote to, here the
/// random staging directory; a guard that depends on neither the directory nor the
/// run keeps the output reproducible. Same form as Halide's for a bare file name.
bool normalizeHeaderGuard(const fs::path &header, const std::string &name,
                          dsl::DiagnosticEngine &diags) {
  std::ifstream in(header, std::ios::binary);
  std::string text;
  if (in)
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const std::string ifndef = "#ifndef ";
  size_t guardEnd = text.find('\n');
  if (!in || text.compare(0, ifndef.size(), ifndef) != 0 || guardEnd == std::string::npos) {
    diags.error({}, "cannot read Halide's header '" + header.string() + "'");
    return false;
  }
  const std::string guard = text.substr(ifndef.size(), guardEnd - ifndef.size());
  const std::string stable = "HALIDE__" + name + "_h";
  for (size_t at = text.find(guard); at != std::string::npos;
       at = text.find(guard, at + stable.size()))
    text.replace(at, guard.size(), stable);
  return writeTextFile(header, text, diags);
}

bool writeRuntime(const fs::path &staging, const Halide::Target &target,
                  dsl::DiagnosticEngine &diags) {
  // The runtime never carries a network, so NoRuntime (set for the networks) is off.
  const Halide::Target runtimeTarget = target.without_feature(Halide::Target::NoRuntime);
  return guarded("cannot build the Halide runtime for '" + target.to_string() + "'", diags, [&] {
    Halide::compile_standalone_runtime(
        {{Halide::OutputFileType::static_library, (staging / kHalideRuntimeFile).string()}},
        runtimeTarget);
  });
}

bool publish(StagingDir &staging, dsl::DiagnosticEngine &diags, std::vector<std::string> *written) {
  std::vector<std::string> paths;
  std::string error;
  if (!staging.publish(paths, error)) {
    diags.error({}, error);
    return false;
  }
  if (written)
    *written = std::move(paths);
  return true;
}

/// The weight-preparation function of the network compiled as `functionName`.
std::string preparedFunctionName(const std::string &functionName) {
  return functionName + "_prepare";
}

/// "schedule fused, target x86-64-linux-avx2-...": what NAME.hpp was built with.
std::string provenanceLine(const EmitOptions &options, const Halide::Target &target) {
  std::string line = options.provenance;
  if (!line.empty())
    line += ", ";
  return line + "target " + target.with_feature(Halide::Target::NoRuntime).to_string();
}

} // namespace

std::string resolvedFunctionName(const ir::Graph &graph, const EmitOptions &options) {
  return options.functionName.empty() ? graph.name : options.functionName;
}

std::optional<Halide::Target> parseTarget(const std::string &text, dsl::DiagnosticEngine &diags) {
  if (!Halide::Target::validate_target_string(text)) {
    diags.error({}, "unknown Halide target '" + text +
                        "' (expected 'host' or arch-bits-os[-feature...], e.g. "
                        "x86-64-linux-avx2 or arm-64-linux)");
    return std::nullopt;
  }
  // "host" as Halide 14 reads it may claim features this CPU lacks (HostTarget.h).
  const Halide::Target target(text);
  return text.rfind("host", 0) == 0 ? withoutMissingHostFeatures(target) : target;
}

bool checkFunctionName(const std::string &name, dsl::SourceLocation loc,
                       dsl::DiagnosticEngine &diags) {
  auto identifierChar = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  std::string why;
  if (name.empty() || (name[0] >= '0' && name[0] <= '9') ||
      !std::all_of(name.begin(), name.end(), identifierChar))
    why = "is not a C identifier";
  else if (isCppKeyword(name))
    why = "is a C++ keyword (the wrapper class is named after the function)";
  else if (name.rfind("halide_", 0) == 0)
    why = "starts with 'halide_', which the Halide runtime reserves";
  else if (name == "main")
    why = "would clash with the program's main()";
  if (why.empty())
    return true;
  diags.error(loc, "function name '" + name + "' " + why + "; choose another with --function-name");
  return false;
}

namespace {

/// The weights of `spec` read from `path` and validated (names, dtypes, shapes), in
/// spec order; every problem is reported.
std::optional<std::vector<rt::Tensor>> loadWeights(const std::string &path, const WrapperSpec &spec,
                                                   dsl::DiagnosticEngine &diags) {
  std::vector<rt::TensorSpec> expected;
  for (const WrapperTensor &weight : spec.weights)
    expected.push_back({weight.name, weight.shape});
  rt::Expected<std::map<std::string, rt::Tensor>> loaded = rt::loadTensors(path, expected, "weight");
  if (!loaded) {
    diags.error({}, "cannot embed weights: " + loaded.error().message);
    return std::nullopt;
  }
  std::vector<rt::Tensor> tensors;
  for (const WrapperTensor &weight : spec.weights)
    tensors.push_back(std::move(loaded->at(weight.name)));
  return tensors;
}

/// The weights as the network function takes them (the raw ones it reads directly,
/// then the prepared ones), prepared now, on this machine, by the network's own
/// preparation pipeline: an embedded library then never prepares at run time.
/// `specs` receives their names and shapes. Throws Halide::Error like any compile step.
std::vector<rt::Tensor> preparedForEmbedding(lower::LoweredNetwork &network,
                                             const WrapperSpec &spec,
                                             const std::vector<rt::Tensor> &raw,
                                             std::vector<WrapperTensor> &specs) {
  std::vector<rt::Tensor> bound;
  for (size_t index : network.runWeights) {
    bound.push_back(raw[index]);
    specs.push_back(spec.weights[index]);
  }
  std::optional<Halide::Pipeline> prepare = network.preparePipeline();
  if (!prepare)
    return bound;
  for (size_t k = 0; k < network.weights.size(); ++k) {
    const rt::Tensor &tensor = raw[k];
    // Halide's Buffer takes a non-const pointer; the pipeline only reads its inputs.
    network.weights[k].set(Halide::Buffer<float>(const_cast<float *>(tensor.data.data()),
                                                 std::vector<int>(tensor.shape.rbegin(),
                                                                  tensor.shape.rend())));
  }
  std::vector<Halide::Buffer<>> outputs;
  const size_t first = bound.size();
  for (size_t k = 0; k < spec.prepared.size(); ++k) {
    bound.push_back(rt::Tensor::zeros(spec.prepared[k].shape));
    specs.push_back(spec.prepared[k]);
  }
  for (size_t k = first; k < bound.size(); ++k)
    outputs.push_back(Halide::Buffer<float>(
        bound[k].data.data(), std::vector<int>(bound[k].shape.rbegin(), bound[k].shape.rend())));
  prepare->realize(Halide::Realization(outputs), hostTarget());
  return bound;
}

/// The network's module and, with embedded weights, the function that yields them,
/// in one module: one library, one header. `spec.scratchBytes` is set from the
/// network's lowered body.
bool buildModule(lower::LoweredNetwork &network, const Halide::Target &target,
                 const std::vector<rt::Tensor> *weights, WrapperSpec &spec,
                 std::optional<Halide::Module> &module, dsl::DiagnosticEngine &diags) {
  return guarded("cannot compile network '" + spec.networkName + "'", diags, [&] {
    module = network.pipeline().compile_to_module(network.arguments(), spec.functionName, target);
    for (const Halide::Internal::LoweredFunc &function : module->functions())
      if (function.name == spec.functionName)
        spec.scratchBytes = scratchBound(function.body).value_or(-1);
    // The weight preparation (rt::Model runs it once, when weights are bound) goes into
    // the same object, as NAME_prepare.
    if (std::optional<Halide::Pipeline> prepare = network.preparePipeline()) {
      Halide::Module prepareModule = prepare->compile_to_module(
          network.prepareArguments(), preparedFunctionName(spec.functionName), target);
      for (const Halide::Internal::LoweredFunc &function : prepareModule.functions())
        module->append(function);
    }
    if (!weights)
      return;
    std::vector<WrapperTensor> boundSpecs;
    std::vector<rt::Tensor> bound = preparedForEmbedding(network, spec, *weights, boundSpecs);
    Halide::Module embedded = embeddedWeightsModule(spec.functionName, boundSpecs, bound, target);
    for (const Halide::Internal::LoweredFunc &function : embedded.functions())
      module->append(function);
    for (const Halide::Buffer<void> &constant : embedded.buffers())
      module->append(constant);
  });
}

} // namespace

bool emitLibrary(const ir::Graph &graph, lower::LoweredNetwork &network, const EmitOptions &options,
                 dsl::DiagnosticEngine &diags, std::vector<std::string> *written) {
  const std::string name = resolvedFunctionName(graph, options);
  if (!checkFunctionName(name, options.functionName.empty() ? graph.nameLoc : dsl::SourceLocation{},
                         diags))
    return false;
  std::optional<Halide::Target> target = parseTarget(options.target, diags);
  if (!target)
    return false;
  WrapperSpec spec = wrapperSpecFor(graph, name, provenanceLine(options, *target));
  assert(spec.weights.size() == network.weightNames.size() &&
         "the lowering and the wrapper disagree on the weights");
  for (size_t i = 0; i < spec.weights.size(); ++i)
    assert(spec.weights[i].name == network.weightNames[i] && "weight order differs");
  spec.runWeights = network.runWeights;
  spec.prepareWeights = network.prepareWeights;
  for (const lower::PreparedWeight &weight : network.prepared)
    spec.prepared.push_back(
        {weight.buffer.name(), ir::Shape(weight.extents.rbegin(), weight.extents.rend())});
  std::optional<std::vector<rt::Tensor>> weights;
  if (!options.weightsPath.empty()) {
    weights = loadWeights(options.weightsPath, spec, diags);
    if (!weights)
      return false;
    // A network without weights has nothing to embed and needs no second function.
    spec.embeddedWeights = !weights->empty();
  }
  std::string error;
  std::optional<StagingDir> staging = StagingDir::create(options.outputDir, error);
  if (!staging) {
    diags.error({}, error);
    return false;
  }
  // Several networks must link into one program: none carries the runtime. Each takes
  // a user context: the runtime passes its scratch arena and collects errors there.
  const Halide::Target networkTarget = target->with_feature(Halide::Target::NoRuntime)
                                           .with_feature(Halide::Target::UserContext);
  std::optional<Halide::Module> module;
  if (!buildModule(network, networkTarget, spec.embeddedWeights ? &*weights : nullptr, spec, module,
                   diags))
    return false;
  const fs::path stem = staging->path() / name;
  bool compiled = guarded("cannot compile network '" + graph.name + "'", diags, [&] {
    module->compile({{Halide::OutputFileType::static_library, stem.string() + ".a"},
                     {Halide::OutputFileType::c_header, stem.string() + ".h"}});
  });
  if (!compiled || !normalizeHeaderGuard(staging->path() / (name + ".h"), name, diags))
    return false;
  if (!writeTextFile(staging->path() / (name + ".hpp"), generateWrapperHeader(spec), diags) ||
      !writeTextFile(staging->path() / (name + "_cnnc.h"), generateCHeader(spec), diags))
    return false;
  if (options.emitRuntime && !writeRuntime(staging->path(), *target, diags))
    return false;
  return publish(*staging, diags, written);
}

bool compileLibrary(const ir::Graph &graph, const schedule::ScheduleRequest &request,
                    const EmitOptions &options, dsl::DiagnosticEngine &diags,
                    std::vector<std::string> *written, std::vector<std::string> *decisions) {
  std::optional<Halide::Target> target = parseTarget(options.target, diags);
  if (!target)
    return false;
  std::optional<lower::LoweredNetwork> network;
  bool lowered = guarded("cannot lower network '" + graph.name + "'", diags, [&] {
    network = lower::lowerToHalide(graph, schedule::lowerOptionsFor(graph, request.kind, *target));
  });
  if (!lowered)
    return false;
  // A ScheduleError (an autoscheduler plugin missing) is a std::exception whose message
  // is complete; guarded() reports it after the prefix.
  bool scheduled =
      guarded("cannot schedule network '" + graph.name + "' (" + schedule::describe(request) + ")",
              diags, [&] {
                std::vector<std::string> lines =
                    schedule::applySchedule(graph, *network, request, *target);
                if (decisions)
                  *decisions = std::move(lines);
              });
  return scheduled && emitLibrary(graph, *network, options, diags, written);
}

bool emitHalideRuntime(const std::string &outputDir, const std::string &target,
                       dsl::DiagnosticEngine &diags, std::vector<std::string> *written) {
  std::optional<Halide::Target> parsed = parseTarget(target, diags);
  if (!parsed)
    return false;
  std::string error;
  std::optional<StagingDir> staging = StagingDir::create(outputDir, error);
  if (!staging) {
    diags.error({}, error);
    return false;
  }
  return writeRuntime(staging->path(), *parsed, diags) && publish(*staging, diags, written);
}

bool checkTarget(const std::string &text, dsl::DiagnosticEngine &diags) {
  return parseTarget(text, diags).has_value();
}

} // namespace cnnc::emit
