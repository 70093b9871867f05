// The [[providers]] entries: each table is read field by field; mappings and the type-specific
// table are converted to JSON and handed to their own validators, with locations mapped back.
// [providers.orders] names pretix's status codes, whose names are suggested for a wrong one.
#include "config/provider_reader.hpp"

#include <cctype>
#include <filesystem>
#include <set>

#include "config/closest_key.hpp"
#include "config/input_file.hpp"
#include "config/toml_json.hpp"

namespace tixsync::config {
namespace {

using std::chrono::milliseconds;

bool is_identifier(const std::string& text, bool allow_slash) {
  if (text.empty() || text.size() > 100) return false;
  for (char c : text) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                    c == '-' || (allow_slash && c == '/');
    if (!ok) return false;
  }
  return true;
}

void read_retry(table_reader& p, retry_policy& retry) {
  const toml::table* table = p.table("retry");
  if (!table) return;
  table_reader r(*table, p.path_of("retry"), p.sink());
  std::string mode;
  if (r.choice("mode", mode, {"exponential", "fixed"})) {
    retry.mode = mode == "fixed" ? backoff_mode::fixed : backoff_mode::exponential;
  }
  const milliseconds day(24LL * 3600 * 1000);
  r.duration("base", retry.base, milliseconds(1), day);
  r.duration("cap", retry.cap, milliseconds(1), day);
  r.duration("delay", retry.fixed_delay, milliseconds(1), day);
  r.number("jitter", retry.jitter, 0.0, 1.0);
  r.integer("max_attempts", retry.max_attempts, 1, 1000);
  r.integer("max_rate_limit_deferrals", retry.max_rate_limit_deferrals, 0, 100000);
  if (retry.cap < retry.base && table->get("cap")) {
    r.problem(*table->get("cap"), "cap", "must not be shorter than base");
  }
  r.finish();
}

/// The status code `word` stands for ("paid", "P"), or "" when it is no status at all.
std::string status_suggestion(const std::string& word) {
  std::string lower;
  for (char c : word) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::set<std::string> names{"cancelled"};
  for (const auto& [code, name] : order_status_codes()) names.insert(name);
  const std::string name = closest_key(lower, names);
  for (const auto& [code, status_name] : order_status_codes()) {
    if (lower == code || status_name == name || (name == "cancelled" && code == "c")) return code;
  }
  return "";
}

void read_statuses(table_reader& r, const toml::node& node, std::vector<std::string>& statuses) {
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    const std::string& status = statuses[i];
    bool known = false;
    for (const auto& [code, name] : order_status_codes()) known |= status == code;
    if (known) continue;
    std::string message = "unknown order status '" + status + "'";
    if (auto code = status_suggestion(status); !code.empty()) {
      message += " (did you mean '" + code + "'?)";
    }
    message += "; pretix's codes are n pending, p paid, e expired, c canceled";
    const toml::node* at = node.is_array() ? node.as_array()->get(i) : &node;
    r.problem(*at, "statuses[" + std::to_string(i) + "]", message);
  }
}

/// A list key of [providers.orders]: an empty list would sync no order at all.
bool read_nonempty_list(table_reader& r, const std::string& key, std::vector<std::string>& out,
                        const std::string& what) {
  if (!r.string_list(key, out)) return false;
  if (out.empty()) {
    r.problem(*r.raw().get(key), key,
              "an empty list syncs no order; leave " + key + " out to sync " + what);
    return false;
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i].empty())
      r.problem(*r.raw().get(key), key + "[" + std::to_string(i) + "]", "is empty");
  }
  return true;
}

void read_order_filter(table_reader& p, order_filter& orders) {
  const toml::table* table = p.table("orders");
  if (!table) return;
  table_reader r(*table, p.path_of("orders"), p.sink());
  if (read_nonempty_list(r, "statuses", orders.statuses, "every status")) {
    read_statuses(r, *table->get("statuses"), orders.statuses);
  }
  r.boolean("test_mode", orders.test_mode);
  read_nonempty_list(r, "sales_channels", orders.sales_channels, "every sales channel");
  r.boolean("awaiting_approval", orders.awaiting_approval);
  r.finish();
}

void read_rate_limit_headers(table_reader& p, provider_limits& limits) {
  const toml::table* table = p.table("rate_limit_headers");
  if (!table) return;
  table_reader r(*table, p.path_of("rate_limit_headers"), p.sink());
  r.string("remaining", limits.remaining_header, true);
  r.string("limit", limits.limit_header);
  r.string("window", limits.window_header);
  r.string("reset", limits.reset_header);
  std::string unit = "s";
  r.choice("window_unit", unit, {"s", "ms"});
  limits.window_in_ms = unit == "ms";
  if (!limits.follow_rate_limit_headers) {
    p.problem(*table, "rate_limit_headers", "is only read with follow_rate_limit_headers = true");
  }
  r.finish();
}

void read_limits(table_reader& p, provider_limits& limits) {
  const toml::table* table = p.table("limits");
  if (!table) return;
  table_reader r(*table, p.path_of("limits"), p.sink());
  r.integer("concurrency", limits.concurrency, 1, 100000);
  r.number("rate", limits.rate, 0.0, 1e6);
  r.integer("burst", limits.burst, 1, 1000000);
  r.boolean("shared", limits.shared);
  r.duration("max_wait", limits.max_wait, milliseconds(0), milliseconds(10 * 60 * 1000));
  r.integer("max_waiting", limits.max_waiting, 1, 10000000);
  r.integer("expected_nodes", limits.expected_nodes, 1, 10000);
  r.boolean("follow_rate_limit_headers", limits.follow_rate_limit_headers);
  if (limits.follow_rate_limit_headers && !(limits.rate > 0 && limits.shared)) {
    r.problem(*table->get("follow_rate_limit_headers"), "follow_rate_limit_headers",
              "needs rate > 0 and shared = true: the announced quota adjusts the fleet-wide "
              "bucket in Redis");
  }
  read_rate_limit_headers(r, limits);
  r.finish();
}

void read_circuit_breaker(table_reader& p, provider_circuit_breaker& circuit) {
  const toml::table* table = p.table("circuit_breaker");
  if (!table) return;
  table_reader r(*table, p.path_of("circuit_breaker"), p.sink());
  const milliseconds day(24LL * 3600 * 1000);
  r.boolean("enabled", circuit.enabled);
  r.integer("failure_threshold", circuit.failure_threshold, 1, 100000);
  r.duration("cooldown", circuit.cooldown, milliseconds(1), day);
  r.duration("max_cooldown", circuit.max_cooldown, milliseconds(1), day);
  if (circuit.max_cooldown < circuit.cooldown && table->get("max_cooldown")) {
    r.problem(*table->get("max_cooldown"), "max_cooldown", "must not be shorter than cooldown");
  }
  r.finish();
}

/// The JSON document of a mappings file, or null after reporting why it cannot be used.
nlohmann::json read_mappings_file(table_reader& p, const toml::node& node,
                                  const std::string& file) {
  input_file in(file);
  const auto text = in.read_all(max_input_file_bytes);
  if (!text) {
    p.problem(node, "mappings", "cannot read mappings file " + file + ": " + in.error());
    return nullptr;
  }
  try {
    return nlohmann::json::parse(*text);
  } catch (const nlohmann::json::exception& e) {
    p.problem(node, "mappings", file + ": not valid JSON: " + e.what());
    return nullptr;
  }
}

void read_mappings(table_reader& p, const std::string& base_dir, provider_section& provider) {
  const toml::node* node = p.get("mappings", true);
  if (!node) return;
  provider.mappings_location = p.sink().where(node->source());
  std::vector<mapping::mapping_problem> problems;
  if (node->is_string()) {
    std::filesystem::path file(**node->as_string());
    if (file.is_relative() && !base_dir.empty()) file = std::filesystem::path(base_dir) / file;
    provider.mappings_file = file.string();
    nlohmann::json document = read_mappings_file(p, *node, provider.mappings_file);
    if (document.is_null()) return;
    provider.mappings = mapping::parse_mappings(document, problems);
    for (const auto& problem : problems) {
      p.problem(*node, "mappings", provider.mappings_file + ": " + problem.to_string());
    }
  } else if (node->is_array()) {
    provider.mappings = mapping::parse_mappings(to_json(*node), problems);
    for (const auto& problem : problems) {
      const toml::node& at = node_at_path(*node, problem.path);
      p.sink().add(at.source(), p.path_of(problem.path), problem.message);
    }
  } else {
    p.problem(*node, "mappings", "expected a file name or [[providers.mappings]] tables");
  }
}

/// The table named after the provider's type, kept as JSON for the provider factory.
void read_settings(table_reader& p, provider_section& provider) {
  for (const auto& type : provider_types()) {
    if (type != provider.type) continue;
    if (const toml::table* table = p.table(type)) {
      provider.settings = to_json(*table);
      provider.settings_location = p.sink().where(table->source());
    }
  }
}

void read_lists(table_reader& r, const toml::table& table, provider_section& provider) {
  if (r.string_list("events", provider.events)) {
    for (std::size_t i = 0; i < provider.events.size(); ++i) {
      const std::string& e = provider.events[i];
      if (e != "*" && (!is_identifier(e, true) || e.find('/') == std::string::npos)) {
        r.problem(*table.get("events"), "events[" + std::to_string(i) + "]",
                  "\"" + e + "\" is neither \"organizer/event\" nor \"*\"");
      }
    }
  }
  r.string_list("triggers", provider.triggers);
  const bool has_joiner = r.string("list_joiner", provider.list_joiner);
  r.boolean("native_lists", provider.native_lists);
  if (has_joiner && provider.native_lists) {
    r.problem(*table.get("native_lists"), "native_lists",
              "give either list_joiner or native_lists = true, not both");
  }
}

void read_provider(table_reader& r, const toml::table& table, const std::string& base_dir,
                   provider_section& provider) {
  provider.location = r.sink().where(table.source());
  if (r.string("id", provider.id, true) && !is_identifier(provider.id, false)) {
    r.problem(*table.get("id"), "id", "must match [A-Za-z0-9._-]{1,100}");
  }
  r.choice("type", provider.type, provider_types());
  if (!table.get("type")) r.get("type", true);
  provider.display_name = provider.id;
  r.string("display_name", provider.display_name);
  r.boolean("enabled", provider.enabled);
  read_lists(r, table, provider);
  r.boolean("change_detection", provider.change_detection);
  read_mappings(r, base_dir, provider);
  read_retry(r, provider.retry);
  read_order_filter(r, provider.orders);
  read_limits(r, provider.limits);
  read_circuit_breaker(r, provider.circuit_breaker);
  read_settings(r, provider);
  r.finish();
}

}  // namespace

const std::vector<std::string>& provider_types() {
  static const std::vector<std::string> types{"example", "rest", "webhook"};
  return types;
}

void read_providers(table_reader& root, const std::string& base_dir,
                    std::vector<provider_section>& out) {
  const toml::node* node = root.get("providers");
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array || !array->is_array_of_tables()) {
    root.problem(*node, "providers", "expected [[providers]] tables");
    return;
  }
  std::set<std::string> ids;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::table& table = *array->get(i)->as_table();
    table_reader r(table, "providers[" + std::to_string(i) + "]", root.sink());
    provider_section provider;
    read_provider(r, table, base_dir, provider);
    if (!provider.id.empty() && !ids.insert(provider.id).second) {
      r.problem(*table.get("id"), "id", "duplicate provider id \"" + provider.id + "\"");
    }
    out.push_back(std::move(provider));
  }
}

}  // namespace tixsync::config
