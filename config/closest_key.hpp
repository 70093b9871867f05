// The "did you mean" of every settings reader: the known key closest to a misspelt one, by edit
// distance. Plain C++ (no TOML), so readers of other formats use it too.
#pragma once

#include <set>
#include <string>

namespace tixsync::config {

/// The closest of `candidates` to `word` (edit distance at most 2, or a third of its length),
/// or "" when none is close.
std::string closest_key(const std::string& word, const std::set<std::string>& candidates);

}  // namespace tixsync::config
