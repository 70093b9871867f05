// Conversion of TOML values into nlohmann::json, for the parts of the config that other modules
// validate themselves (inline mappings, provider type settings). Dates and times become strings.
#pragma once

#include <toml++/toml.h>

#include <nlohmann/json.hpp>
#include <string>

namespace tixsync::config {

/// The JSON form of a TOML node (tables become objects, arrays arrays).
nlohmann::json to_json(const toml::node& node);

/// The node reached by a mapping problem path like "mappings[1].property_mappings[0].value_map"
/// below `root` (the first segment names `root` itself); the deepest node found on the way.
const toml::node& node_at_path(const toml::node& root, const std::string& path);

}  // namespace tixsync::config
