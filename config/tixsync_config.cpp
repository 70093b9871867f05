// Formatting of locations and problems, provider lookup, and the check of configured mappings
// against an event's field catalogue.
#include "config/tixsync_config.hpp"

#include "config/config_loader.hpp"

namespace tixsync::config {

std::string source_location::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string config_problem::to_string() const {
  return location.to_string() + ": " + (key_path.empty() ? "" : key_path + ": ") + message;
}

const provider_section* tixsync_config::find_provider(const std::string& id) const {
  for (const auto& provider : providers) {
    if (provider.id == id) return &provider;
  }
  return nullptr;
}

std::vector<config_problem> check_mappings_against(const tixsync_config& config,
                                                   const mapping::field_catalogue& catalogue) {
  std::vector<config_problem> out;
  for (std::size_t i = 0; i < config.providers.size(); ++i) {
    const auto& provider = config.providers[i];
    std::vector<mapping::mapping_problem> problems;
    mapping::validate_mappings(provider.mappings, catalogue, problems);
    const std::string key = "providers[" + std::to_string(i) + "].mappings";
    for (const auto& p : problems) {
      const std::string origin =
          provider.mappings_file.empty() ? "" : provider.mappings_file + ": ";
      out.push_back({provider.mappings_location, key, origin + p.to_string()});
    }
  }
  return out;
}

std::string format_problems(const std::vector<config_problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.to_string() + "\n";
  return out;
}

}  // namespace tixsync::config
