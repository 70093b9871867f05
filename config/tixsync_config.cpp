// Formatting of locations and problems, provider lookup, and the check of configured mappings
// against an event's field catalogue.
#include "config/tixsync_config.hpp"

#include "config/closest_key.hpp"
#include "config/config_loader.hpp"
#include "mapping/source_fields.hpp"

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

namespace {

/// "" when `key` may name a field of some event, else why not with the closest valid name.
std::string field_name_problem(const std::string& key) {
  if (key.empty() || mapping::field_key_possible(key)) return "";
  std::string message = "'" + key +
                        "' is no pretix field of any event (neither a field of the catalogue nor "
                        "question_<identifier> or checkin_date_<list id>)";
  const auto closest = closest_key(key, mapping::static_field_keys());
  return closest.empty() ? message : message + "; did you mean '" + closest + "'?";
}

}  // namespace

std::vector<config_problem> check_mapping_field_names(const tixsync_config& config) {
  std::vector<config_problem> out;
  for (std::size_t i = 0; i < config.providers.size(); ++i) {
    const auto& provider = config.providers[i];
    const std::string key = "providers[" + std::to_string(i) + "].mappings";
    const std::string origin = provider.mappings_file.empty() ? "" : provider.mappings_file + ": ";
    auto report = [&](const std::string& where, const std::string& field) {
      if (auto problem = field_name_problem(field); !problem.empty()) {
        out.push_back({provider.mappings_location, key, origin + where + ": " + problem});
      }
    };
    for (std::size_t m = 0; m < provider.mappings.size(); ++m) {
      const auto& mapping = provider.mappings[m];
      const std::string at = "mappings[" + std::to_string(m) + "]";
      report(at + ".pretix_id_field", mapping.pretix_id_field);
      for (std::size_t p = 0; p < mapping.property_mappings.size(); ++p) {
        report(at + ".property_mappings[" + std::to_string(p) + "].pretix_field",
               mapping.property_mappings[p].pretix_field);
      }
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
