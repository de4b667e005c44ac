// Edit-distance suggestions for unknown operators, attributes and tensor names.
#include "compiler/import/Suggest.h"

#include <algorithm>

namespace cnnc::import {

namespace {
size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t next = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = row[j];
      row[j] = next;
    }
  }
  return row[b.size()];
}
} // namespace

std::string closestMatch(const std::string &word, const std::vector<std::string> &candidates) {
  // Long garbage words are never typos (and skip the quadratic work); in one- and
  // two-letter names every other short name is "close", so suggest nothing.
  if (word.size() > 64 || word.size() < 3)
    return "";
  size_t limit = std::min<size_t>(2, std::max<size_t>(1, word.size() / 3));
  std::string best;
  size_t bestDistance = limit + 1;
  for (const std::string &candidate : candidates) {
    if (candidate.size() > word.size() + limit || candidate.size() + limit < word.size())
      continue;
    size_t distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

std::string suggestion(const std::string &word, const std::vector<std::string> &candidates) {
  std::string match = closestMatch(word, candidates);
  return match.empty() ? "" : " (did you mean '" + match + "'?)";
}

} // namespace cnnc::import
