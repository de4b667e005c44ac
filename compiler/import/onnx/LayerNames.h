// Readable, stable .cnn names for imported layers and inputs. PyTorch's exporter
// (torch >= 1.13) names nodes by module scope, `/layer1/layer1.0/conv1/Conv`, and its
// initializers by state_dict key, `layer1.0.conv1.weight`; both give the module path
// `layer1.0.conv1`, which becomes `layer1_0_conv1`, so that a state_dict with '.'
// turned into '_' in module paths matches the weights file.
#pragma once

#include "compiler/import/onnx/CnnProgram.h"

#include <optional>
#include <string>
#include <string_view>

namespace cnnc::onnximport {

/// A valid .cnn identifier: runs of characters other than [A-Za-z0-9] become one '_',
/// leading and trailing '_' are dropped, and a leading digit gets an 'n' before it.
/// Empty when nothing is left.
std::string sanitizeIdentifier(std::string_view raw);

/// The module path and operator part of a PyTorch scope name:
/// `/features/features.1/conv/conv.0/conv.0.0/Conv` -> {"features.1.conv.0.0", "Conv"}
/// (a scope part that extends the previous one, `layer1` then `layer1.0`, replaces
/// it). nullopt for names that are not PyTorch scope names (no leading '/').
struct ScopeName {
  std::string modulePath;
  std::string opPart;
};
std::optional<ScopeName> parseScopeName(std::string_view nodeName);

/// Names every layer of `program`, unique among themselves and the inputs (whose names
/// must already be set). A layer that is the only one of its module is named after the
/// module (`layer1_0_conv1`); one of several in a module, or in a module that contains
/// others, gets the operator part too (`layer1_0_add`); a layer with a role gets
/// `<name>_<role>`. Clashes get `_2`, `_3`, ... in layer order.
void assignLayerNames(CnnProgram &program);

} // namespace cnnc::onnximport
