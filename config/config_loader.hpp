// Loading a tixsync config file: parse the TOML, read every section into tixsync_config, resolve
// secrets from the environment and collect every problem with its location (never stopping at
// the first). Also the check of mappings against an event's field catalogue.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/table_reader.hpp"
#include "config/tixsync_config.hpp"
#include "mapping/source_fields.hpp"

namespace tixsync::config {

/// The config (usable only when `problems` is empty), every problem found, and the warnings:
/// settings that work but put a secret at risk (e.g. the pretix token over plain http://).
struct load_result {
  tixsync_config config;
  std::vector<config_problem> problems;
  std::vector<config_problem> warnings;
  bool ok() const { return problems.empty(); }
};

/// The process environment (getenv).
std::optional<std::string> process_env(const std::string& name);

/// Reads and checks the file at `path`; relative mapping files are resolved against its folder.
load_result load_config(const std::string& path, const env_lookup& env = process_env);
/// The same for text already in memory; `path` names it in locations and anchors mapping files.
load_result parse_config(std::string_view text, const std::string& path,
                         const env_lookup& env = process_env);

/// Validates every provider's mappings against the catalogue of an event (unknown fields, value
/// maps, ...); problems are located at the provider's `mappings` key.
std::vector<config_problem> check_mappings_against(const tixsync_config& config,
                                                   const mapping::field_catalogue& catalogue);

/// Refuses mapping fields no event can have (neither a static field under any name scheme nor
/// question_<identifier> or checkin_date_<list id>), naming the closest valid one; problems are
/// located at the provider's `mappings` key. Needs no event.
std::vector<config_problem> check_mapping_field_names(const tixsync_config& config);

/// Every problem on its own line, "FILE:LINE:COLUMN: key.path: message".
std::string format_problems(const std::vector<config_problem>& problems);

}  // namespace tixsync::config
