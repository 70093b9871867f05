// Reads the [[providers]] array of the config file: identity, event and trigger filters, list
// handling, mappings (a JSON file or inline tables, parsed with mapping::parse_mappings), retry
// policy, which orders it syncs, limits and the type-specific settings table.
#pragma once

#include <string>
#include <vector>

#include "config/table_reader.hpp"
#include "config/tixsync_config.hpp"

namespace tixsync::config {

/// The provider types a config may name.
const std::vector<std::string>& provider_types();

/// Reads root["providers"] into `out`, reporting problems (incl. duplicate ids) to the sink.
/// Relative mapping file paths are resolved against `base_dir`.
void read_providers(table_reader& root, const std::string& base_dir,
                    std::vector<provider_section>& out);

}  // namespace tixsync::config
