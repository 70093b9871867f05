// How scale_bench shows its figures: a short table for people (the JSON line is the record) and
// --compare, which prints two recorded runs side by side.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace tixsync::bench::scale {

/// The main figures of one run as a table (nested windows such as "resync" get their own rows).
void print_table(const nlohmann::json& figures, std::FILE* out);

/// The first line starting with '{' in `path`, parsed; throws std::runtime_error naming the
/// file when there is none or it is not JSON.
nlohmann::json read_run(const std::string& path);

/// Every numeric or text figure of `a` and `b` (nested keys as a.b.c), side by side with B/A.
void print_compare(const nlohmann::json& a, const nlohmann::json& b, const std::string& name_a,
                   const std::string& name_b, std::FILE* out);

}  // namespace tixsync::bench::scale
