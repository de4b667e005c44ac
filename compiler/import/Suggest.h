// "did you mean ...?" hints for misspelled names.
#pragma once

#include <string>
#include <vector>

namespace cnnc::import {

/// The candidate closest to `word` by edit distance, if it is close enough to be a
/// plausible typo (at most a third of the word's length, and at most 2); else "".
std::string closestMatch(const std::string &word, const std::vector<std::string> &candidates);

/// " (did you mean 'x'?)" or "".
std::string suggestion(const std::string &word, const std::vector<std::string> &candidates);

} // namespace cnnc::import
