// The auto schedule: loads one of Halide 14's autoscheduler plugins, tells it the
// shapes, lets it schedule the whole pipeline, and reads back what it decided.
#include "compiler/schedule/Auto.h"

#include "compiler/schedule/Schedule.h"
#include "compiler/schedule/ScheduleKind.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#ifndef CNNC_HALIDE_AUTOSCHEDULER_DIR
#error "CNNC_HALIDE_AUTOSCHEDULER_DIR (where Halide's autoscheduler plugins are) must be defined"
#endif

namespace cnnc::schedule {

using ir::Graph;
using ir::NodeId;

namespace {

/// Halide registers each plugin under its own spelling.
std::string halideAutoschedulerName(const std::string &name) {
  if (name == "mullapudi2016")
    return "Mullapudi2016";
  if (name == "li2018")
    return "Li2018";
  if (name == "adams2019")
    return "Adams2019";
  throw ScheduleError("unknown autoscheduler '" + name + "'");
}

/// Loads libautoschedule_NAME.so by full path, once per process: the plugin registers
/// its autoscheduler from a static constructor, and the folder is not on the loader's
/// search path (FACTS.md).
void loadPlugin(const std::string &name) {
  static std::mutex mutex;
  static std::set<std::string> loaded;
  std::lock_guard<std::mutex> lock(mutex);
  if (loaded.count(name))
    return;
  const std::filesystem::path dir = autoschedulerPluginDir();
  const std::filesystem::path plugin = dir / ("libautoschedule_" + name + ".so");
  const std::string hint = "; Debian's libhalide14-0 installs it in " +
                           std::string(CNNC_HALIDE_AUTOSCHEDULER_DIR) +
                           ", and CNNC_HALIDE_AUTOSCHEDULER_DIR names another directory";
  std::error_code ec;
  if (!std::filesystem::is_regular_file(plugin, ec))
    throw ScheduleError("cannot load the " + name + " autoscheduler: '" + plugin.string() +
                        "' does not exist" + hint);
  try {
    Halide::load_plugin(plugin.string());
  } catch (const Halide::Error &error) {
    std::string what = error.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' '))
      what.pop_back();
    throw ScheduleError("cannot load the " + name + " autoscheduler from '" + plugin.string() +
                        "': " + what + hint);
  }
  loaded.insert(name);
}

/// The tensor's extents, innermost first, as Halide regions start at zero.
Halide::Region regionOf(const ir::Shape &shape) {
  Halide::Region region;
  for (auto extent = shape.rbegin(); extent != shape.rend(); ++extent)
    region.emplace_back(0, static_cast<int>(*extent));
  return region;
}

/// Reads a size in bytes such as "2048K" from a sysfs cache description.
uint64_t readCacheSize(const std::filesystem::path &file) {
  std::ifstream in(file);
  uint64_t value = 0;
  char unit = 0;
  if (!(in >> value))
    return 0;
  in >> unit;
  return unit == 'K' ? value << 10 : unit == 'M' ? value << 20 : value;
}

/// The per-core cache below the shared last level (L2), in bytes; 0 when unknown.
uint64_t privateCacheBytes() {
  const std::filesystem::path caches = "/sys/devices/system/cpu/cpu0/cache";
  for (int index = 0; index < 8; ++index) {
    const std::filesystem::path entry = caches / ("index" + std::to_string(index));
    std::ifstream level(entry / "level");
    int value = 0;
    if (level >> value && value == 2)
      return readCacheSize(entry / "size");
  }
  return 0;
}

std::string mebibytes(uint64_t bytes) {
  std::ostringstream text;
  text << double(bytes) / double(1 << 20) << " MiB";
  return text.str();
}

/// The role of a function that only reads a parameter; worth a mention only if stored.
const std::string kCopyOf = "copy of ";

/// The roles a layer's functions play, for the explanation.
struct FuncRole {
  NodeId node;
  std::string role; // "" for the layer's value, else "accumulator", "padded input", ...
};

/// "t3_conv1_folded_bias" of layer function "t3_conv1" -> "folded bias".
std::string helperRole(const std::string &helper, const std::string &owner) {
  std::string role = helper.rfind(owner + "_", 0) == 0 ? helper.substr(owner.size() + 1) : helper;
  std::replace(role.begin(), role.end(), '_', ' ');
  return role;
}

/// Which layer each Halide function the lowering made belongs to (folded layers name
/// the function that absorbed them, so they are skipped).
std::map<std::string, FuncRole> funcRoles(const Graph &graph,
                                          const lower::LoweredNetwork &network) {
  std::map<std::string, FuncRole> roles;
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    if (network.foldedAway[id] || graph.nodes[id].isInput())
      continue;
    const lower::LoweredTensor &lowered = network.nodeFuncs[id];
    const std::string owner = lowered.func.name();
    roles.emplace(owner, FuncRole{id, ""});
    if (lowered.accumulator.defined())
      roles.emplace(lowered.accumulator.name(), FuncRole{id, "accumulator"});
    if (lowered.windowInput.defined())
      roles.emplace(lowered.windowInput.name(), FuncRole{id, "padded input"});
  }
  return roles;
}

/// "constant_exterior$3" -> "boundary constant_exterior"; "maximum$1" -> "maximum";
/// "conv1_weight_im" (Halide's function reading an ImageParam) -> "copy of conv1_weight".
std::string helperName(std::string name) {
  name = name.substr(0, name.find('$'));
  const std::string paramSuffix = "_im";
  if (name.size() > paramSuffix.size() &&
      name.compare(name.size() - paramSuffix.size(), paramSuffix.size(), paramSuffix) == 0)
    return kCopyOf + name.substr(0, name.size() - paramSuffix.size());
  for (const char *boundary :
       {"constant_exterior", "repeat_edge", "repeat_image", "mirror_image", "mirror_interior"})
    if (name == boundary)
      return "boundary " + name;
  return name;
}

/// Functions the lowering did not name (a boundary condition's, a pooling's inline
/// reduction) belong to the layer of a function that calls them. Run on the pipeline
/// before it is scheduled: inlining by substitution changes who calls whom.
void attributeHelpers(const std::map<std::string, Halide::Internal::Function> &environment,
                      std::map<std::string, FuncRole> &roles) {
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto &[name, function] : environment) {
      auto caller = roles.find(name);
      if (caller == roles.end())
        continue;
      const FuncRole owner = caller->second;
      for (const auto &[callee, unused] : Halide::Internal::find_direct_calls(function))
        if (environment.count(callee) && !roles.count(callee)) {
          roles.emplace(callee, FuncRole{owner.node, helperName(callee)});
          changed = true;
        }
    }
  }
}

/// Every function of the pipeline, by name.
std::map<std::string, Halide::Internal::Function>
pipelineFunctions(const lower::LoweredNetwork &network) {
  std::vector<Halide::Internal::Function> outputs;
  for (const Halide::Func &output : network.outputs)
    outputs.push_back(output.function());
  return Halide::Internal::build_environment(outputs);
}

/// "split 8, vectorize 6, parallel 1": how often each directive occurs in the
/// autoscheduler's schedule source.
std::string directiveCounts(const std::string &source) {
  std::string text;
  for (const char *directive : {"compute_root", "compute_at", "store_at", "split", "reorder",
                                "vectorize", "unroll", "parallel", "fuse", "compute_with"}) {
    const std::string call = "." + std::string(directive) + "(";
    size_t count = 0;
    for (size_t at = source.find(call); at != std::string::npos; at = source.find(call, at + 1))
      ++count;
    if (count)
      text += (text.empty() ? "" : ", ") + std::string(directive) + " " + std::to_string(count);
  }
  return text.empty() ? "no directives" : text;
}

/// The loops of one definition that are not plain serial loops: "parallel y",
/// "vectorized x_vi x8".
std::vector<std::string> specialLoops(const Halide::Internal::Definition &definition) {
  const Halide::Internal::StageSchedule &schedule = definition.schedule();
  std::vector<std::string> loops;
  for (const Halide::Internal::Dim &dim : schedule.dims()) {
    if (dim.var == Halide::Var::outermost().name())
      continue;
    std::string what;
    switch (dim.for_type) {
    case Halide::Internal::ForType::Parallel:
      what = "parallel ";
      break;
    case Halide::Internal::ForType::Vectorized:
      what = "vectorized ";
      break;
    case Halide::Internal::ForType::Unrolled:
      what = "unrolled ";
      break;
    default:
      continue;
    }
    std::string factor;
    for (const Halide::Internal::Split &split : schedule.splits())
      if (split.is_split() && split.inner == dim.var)
        if (const int64_t *value = Halide::Internal::as_const_int(split.factor))
          factor = " x" + std::to_string(*value);
    // "x.x_vi" (the variable it was split from, then its own name): the last part.
    loops.push_back(what + dim.var.substr(dim.var.rfind('.') + 1) + factor);
  }
  return loops;
}

std::string join(const std::vector<std::string> &items, const std::string &separator) {
  std::string text;
  for (const std::string &item : items)
    text += (text.empty() ? "" : separator) + item;
  return text;
}

/// Where a function is computed: "inlined", "stored whole" or "computed per y of p".
/// Halide locks loop levels when it compiles and they cannot be inspected before;
/// nothing changes the schedule after the autoscheduler, so locking now is harmless.
std::string placement(const Halide::Internal::Function &function,
                      const std::map<std::string, std::string> &displayNames) {
  Halide::LoopLevel level = function.schedule().compute_level();
  level.lock();
  if (level.is_inlined())
    return "inlined";
  if (level.is_root())
    return "stored whole";
  auto host = displayNames.find(level.func());
  return "computed per " + level.var().name() + " of " +
         (host == displayNames.end() ? level.func() : host->second) + ", never stored whole";
}

/// Placement and the parallel, vectorized and unrolled loops of a function.
std::string describeFunction(const Halide::Internal::Function &function,
                             const std::map<std::string, std::string> &displayNames) {
  std::string text = placement(function, displayNames);
  std::vector<std::string> loops = specialLoops(function.definition());
  for (const Halide::Internal::Definition &update : function.updates())
    for (const std::string &loop : specialLoops(update))
      if (std::find(loops.begin(), loops.end(), "update " + loop) == loops.end())
        loops.push_back("update " + loop);
  if (!loops.empty())
    text += " (" + join(loops, ", ") + ")";
  return text;
}

/// The explanation: two lines on the autoscheduler and what it produced, then one line
/// per layer in graph order: its value's placement first, then its helpers'.
/// Mullapudi2016 inlines by substituting a function into its callers, so a function
/// the lowering made that is no longer in the pipeline was inlined.
std::vector<std::string> describeSchedule(const Graph &graph, const lower::LoweredNetwork &network,
                                          const std::map<std::string, FuncRole> &roles,
                                          const Halide::AutoSchedulerResults &results,
                                          const Halide::MachineParams &params) {
  const std::map<std::string, Halide::Internal::Function> environment = pipelineFunctions(network);
  std::map<std::string, std::string> displayNames;
  for (const auto &[name, role] : roles)
    displayNames[name] = graph.nodes[role.node].name + (role.role.empty() ? "" : " " + role.role);

  struct LayerParts {
    std::string value = "inlined (never stored)";
    std::vector<std::string> helpers, inlinedHelpers;
  };
  std::vector<LayerParts> layers(graph.nodes.size());
  std::vector<bool> mentioned(graph.nodes.size());
  size_t kept = 0, inlined = 0;
  std::vector<std::string> unattributed;
  for (const auto &[name, role] : roles) {
    LayerParts &layer = layers[role.node];
    mentioned[role.node] = true;
    auto function = environment.find(name);
    const bool isInlined =
        function == environment.end() || placement(function->second, displayNames) == "inlined";
    (isInlined ? inlined : kept) += 1;
    if (isInlined) {
      if (!role.role.empty() && role.role.rfind(kCopyOf, 0) != 0)
        layer.inlinedHelpers.push_back(role.role);
      continue;
    }
    const std::string text = describeFunction(function->second, displayNames);
    if (role.role.empty())
      layer.value = text;
    else
      layer.helpers.push_back(role.role + " " + text);
  }
  for (const auto &[name, function] : environment) {
    if (roles.count(name))
      continue;
    // A function the autoscheduler made itself (Li2018's rfactor "t5_fc_acc_intm")
    // is named after the one it was split from: the longest such name.
    auto owner = roles.end();
    for (auto entry = roles.begin(); entry != roles.end(); ++entry)
      if (name.rfind(entry->first + "_", 0) == 0 &&
          (owner == roles.end() || entry->first.size() > owner->first.size()))
        owner = entry;
    if (owner == roles.end()) {
      unattributed.push_back(name + ": " + describeFunction(function, displayNames));
      continue;
    }
    const std::string role = (owner->second.role.empty() ? "" : owner->second.role + " ") +
                             helperRole(name, owner->first);
    layers[owner->second.node].helpers.push_back(role + " " +
                                                 describeFunction(function, displayNames));
    kept += 1;
  }

  const size_t sourceLines =
      size_t(std::count(results.schedule_source.begin(), results.schedule_source.end(), '\n'));
  std::vector<std::string> lines;
  lines.push_back("auto: Halide's " + results.scheduler_name + " autoscheduler (parallelism " +
                  std::to_string(params.parallelism) + ", last-level cache " +
                  mebibytes(params.last_level_cache_size) + ", balance " +
                  std::to_string(int(params.balance)) + ")");
  lines.push_back("auto: " + std::to_string(kept) + " functions stored or computed per tile, " +
                  std::to_string(inlined) + " inlined; schedule source " +
                  std::to_string(sourceLines) + " lines (" +
                  directiveCounts(results.schedule_source) + ")");
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    if (!mentioned[id])
      continue;
    LayerParts &layer = layers[id];
    // The accumulator first: for a convolution it is where the work is, and its value
    // is often only a copy that gets inlined.
    std::stable_sort(layer.helpers.begin(), layer.helpers.end(),
                     [](const std::string &a, const std::string &b) {
                       return a.rfind("accumulator", 0) == 0 && b.rfind("accumulator", 0) != 0;
                     });
    std::vector<std::string> parts = {layer.helpers.empty() ? layer.value : "value " + layer.value};
    parts.insert(parts.end(), layer.helpers.begin(), layer.helpers.end());
    if (!layer.inlinedHelpers.empty())
      parts.push_back("inlined: " + join(layer.inlinedHelpers, ", "));
    lines.push_back(graph.nodes[id].name + ": " + join(parts, "; "));
  }
  lines.insert(lines.end(), unattributed.begin(), unattributed.end());
  return lines;
}

} // namespace

std::string autoschedulerPluginDir() {
  if (const char *dir = std::getenv("CNNC_HALIDE_AUTOSCHEDULER_DIR"); dir && *dir)
    return dir;
  return CNNC_HALIDE_AUTOSCHEDULER_DIR;
}

Halide::MachineParams hostMachineParams() {
  if (const char *text = std::getenv("CNNC_AUTOSCHEDULER_MACHINE_PARAMS"); text && *text)
    return Halide::MachineParams(std::string(text));
  // Parallelism: every hardware thread, which is what Halide's thread pool uses unless
  // HL_NUM_THREADS says otherwise; extra tasks cost little, missing ones idle a core.
  const int parallelism = std::max(1, int(std::thread::hardware_concurrency()));
  // Cache: the private L2 of the cores we run on, not the L3. On the shared machines
  // cnnc is benchmarked on, the L3 belongs to every tenant of the socket, and in a VM
  // its reported size is not ours (this project's machine reports a 480 MiB L3 for two
  // cores). A working set that fits the L2s is one we can count on.
  uint64_t cache = privateCacheBytes() * uint64_t(parallelism);
  if (cache == 0)
    cache = uint64_t(1) << 20 << 2; // unknown: 4 MiB, a typical 2-4 core share
  // Balance: Halide's generic value (MachineParams::generic()), the one Mullapudi et
  // al. calibrated on x86: a load from the last-level cache costs about 40 arithmetic
  // operations. We have measured nothing better.
  const float balance = 40.0f;
  return Halide::MachineParams(parallelism, cache, balance);
}

std::vector<std::string> scheduleAuto(const Graph &graph, lower::LoweredNetwork &network,
                                      const std::string &autoscheduler,
                                      const Halide::Target &target) {
  const std::string halideName = halideAutoschedulerName(autoscheduler);
  loadPlugin(autoscheduler);
  // Every input and weight has a static shape; the autoschedulers also want it as an
  // estimate, and the outputs' extents as estimates too.
  for (size_t k = 0; k < graph.inputs.size(); ++k)
    network.inputs[k].set_estimates(regionOf(graph.nodes[graph.inputs[k]].shape));
  const std::vector<ir::NamedWeight> weights = ir::graphWeights(graph);
  for (size_t k = 0; k < weights.size(); ++k)
    network.weights[k].set_estimates(regionOf(weights[k].spec.shape));
  for (size_t k = 0; k < graph.outputs.size(); ++k)
    network.outputs[k].set_estimates(regionOf(graph.nodes[graph.outputs[k]].shape));
  std::map<std::string, FuncRole> roles = funcRoles(graph, network);
  attributeHelpers(pipelineFunctions(network), roles);
  const Halide::MachineParams params = hostMachineParams();
  Halide::Pipeline pipeline = network.pipeline();
  const Halide::AutoSchedulerResults results = pipeline.auto_schedule(halideName, target, params);
  return describeSchedule(graph, network, roles, results, params);
}

} // namespace cnnc::schedule
