// Naming one element of a tensor in test failure messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace cnnc::test {

/// "[0, 2, 1, 3]": the index of element `flat` of a dense row-major tensor of `shape`.
std::string formatIndex(const std::vector<int64_t> &shape, size_t flat);

} // namespace cnnc::test
