// Records, unique-property indexes and associations of the HubSpot-shaped mock CRM
// (mock_crm_hubspot_store.hpp).
#include "app/mock_crm_hubspot_store.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>

namespace tixsync::app {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// HubSpot keeps every property value as a string; null clears it to "".
std::string value_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

}  // namespace

std::string hubspot_now() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[40];
  std::snprintf(out, sizeof out, "%s.%03dZ", text, static_cast<int>(ms % 1000));
  return out;
}

namespace {

/// A record id: digits without a leading zero that fit 64 bits.
std::optional<std::uint64_t> parse_id(const std::string& id) {
  std::uint64_t value = 0;
  const auto* end = id.data() + id.size();
  const auto [stop, failure] = std::from_chars(id.data(), end, value);
  if (id.empty() || id[0] == '0' || failure != std::errc() || stop != end) return std::nullopt;
  return value;
}

hubspot_error not_found(const std::string& type, const std::string& id) {
  return {404,
          "OBJECT_NOT_FOUND",
          "Object not found.  objectId are usually numeric.",
          {{"id", {id}}, {"objectType", {type}}}};
}

hubspot_error validation(std::string message) {
  return {400, "VALIDATION_ERROR", std::move(message), nlohmann::json::object()};
}

/// Whether one filter holds for a record's properties; `error` set when the filter is malformed.
bool filter_holds(const nlohmann::json& filter, const nlohmann::json& properties,
                  hubspot_error& error) {
  if (!filter.is_object() || !filter.contains("propertyName") ||
      !filter["propertyName"].is_string()) {
    error = validation("every filter needs a string propertyName");
    return false;
  }
  const auto name = filter["propertyName"].get<std::string>();
  const auto op = filter.value("operator", std::string("EQ"));
  const auto it = properties.find(name);
  const bool has = it != properties.end() && !it->get<std::string>().empty();
  const std::string actual = has ? lower(it->get<std::string>()) : "";
  if (op == "HAS_PROPERTY") return has;
  if (op == "NOT_HAS_PROPERTY") return !has;
  if (op == "EQ" || op == "NEQ") {
    if (!filter.contains("value")) {
      error = validation("filter on " + name + ": " + op + " needs a value");
      return false;
    }
    return (actual == lower(value_text(filter["value"]))) == (op == "EQ");
  }
  if (op == "IN" || op == "NOT_IN") {
    if (!filter.contains("values") || !filter["values"].is_array()) {
      error = validation("filter on " + name + ": " + op + " needs an array of values");
      return false;
    }
    bool found = false;
    for (const auto& v : filter["values"]) found = found || actual == lower(value_text(v));
    return found == (op == "IN");
  }
  error = validation("filter on " + name + ": unsupported operator '" + op +
                     "' (EQ, NEQ, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY)");
  return false;
}

}  // namespace

nlohmann::json hubspot_error::to_json() const {
  return {{"status", "error"},
          {"category", category},
          {"message", message},
          {"context", context.is_null() ? nlohmann::json::object() : context}};
}

std::string hubspot_store::canonical_type(const std::string& type) {
  static const std::map<std::string, std::string> aliases{
      {"contact", "contacts"}, {"0-1", "contacts"}, {"company", "companies"}, {"0-2", "companies"},
      {"deal", "deals"},       {"0-3", "deals"},    {"ticket", "tickets"},    {"0-5", "tickets"}};
  const auto it = aliases.find(lower(type));
  return it == aliases.end() ? type : it->second;
}

int hubspot_store::default_association_type(const std::string& from, const std::string& to) {
  static const std::map<std::pair<std::string, std::string>, int> defaults{
      {{"contacts", "companies"}, 279}, {{"companies", "contacts"}, 280},
      {{"deals", "contacts"}, 3},       {{"contacts", "deals"}, 4},
      {{"deals", "companies"}, 341},    {{"companies", "deals"}, 342},
      {{"contacts", "tickets"}, 15},    {{"tickets", "contacts"}, 16},
      {{"tickets", "deals"}, 28},       {{"deals", "tickets"}, 27},
      {{"tickets", "companies"}, 339},  {{"companies", "tickets"}, 340}};
  const auto it = defaults.find({canonical_type(from), canonical_type(to)});
  return it == defaults.end() ? 0 : it->second;
}

hubspot_store::hubspot_store() {
  add_unique("contacts", "email");
}

void hubspot_store::add_unique(const std::string& type, const std::string& property) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto t = canonical_type(type);
  unique_[t].insert(property);
  auto& values = unique_index_[{t, property}];
  for (const auto& [id, r] : records_) {
    const auto it = r.properties.find(property);
    if (r.type == t && it != r.properties.end()) values[lower(it->get<std::string>())] = id;
  }
}

bool hubspot_store::is_unique(const std::string& type, const std::string& property) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = unique_.find(canonical_type(type));
  return it != unique_.end() && it->second.count(property) > 0;
}

void hubspot_store::index(std::uint64_t id, const record& r, bool add) {
  const auto it = unique_.find(r.type);
  if (it == unique_.end()) return;
  for (const auto& property : it->second) {
    const auto value = r.properties.find(property);
    if (value == r.properties.end() || value->get<std::string>().empty()) continue;
    auto& values = unique_index_[{r.type, property}];
    if (add) {
      values[lower(value->get<std::string>())] = id;
    } else {
      values.erase(lower(value->get<std::string>()));
    }
  }
}

std::optional<hubspot_error> hubspot_store::unique_conflict(const std::string& type,
                                                            const nlohmann::json& properties,
                                                            std::uint64_t self) const {
  const auto it = unique_.find(type);
  if (it == unique_.end()) return std::nullopt;
  for (const auto& property : it->second) {
    const auto value = properties.find(property);
    if (value == properties.end()) continue;
    const auto text = lower(value_text(*value));
    const auto index = unique_index_.find({type, property});
    if (text.empty() || index == unique_index_.end()) continue;
    const auto holder = index->second.find(text);
    if (holder == index->second.end() || holder->second == self) continue;
    const auto existing = std::to_string(holder->second);
    const std::string what = type == "contacts" ? "Contact" : "Object";
    return hubspot_error{409,
                         "CONFLICT",
                         what + " already exists. Existing ID: " + existing,
                         {{"existingId", {existing}}, {"property", {property}}}};
  }
  return std::nullopt;
}

std::optional<hubspot_error> hubspot_store::check_associations(
    const nlohmann::json& associations) const {
  if (!associations.is_array()) return validation("associations must be an array");
  for (const auto& a : associations) {
    const auto to = a.is_object() ? a.value("to", nlohmann::json()) : nlohmann::json();
    const auto id = to.is_object() ? to.value("id", nlohmann::json()) : nlohmann::json();
    const auto number = parse_id(value_text(id));
    if (!number || records_.count(*number) == 0) {
      return hubspot_error{400,
                           "VALIDATION_ERROR",
                           "Association target " + value_text(id) + " does not exist",
                           {{"ids", {value_text(id)}}}};
    }
    // Checked before anything is written: a create either stores all its associations or none.
    const auto types = a.value("types", nlohmann::json::array());
    for (const auto& spec : types.is_array() ? types : nlohmann::json::array({nullptr})) {
      const auto type_id =
          spec.is_object() ? spec.value("associationTypeId", nlohmann::json()) : nlohmann::json();
      const auto category =
          spec.is_object() ? spec.value("associationCategory", nlohmann::json()) : nlohmann::json();
      if (!type_id.is_number_integer() || !(category.is_null() || category.is_string())) {
        return validation(
            "association types need an integer associationTypeId and a string "
            "associationCategory");
      }
    }
  }
  return std::nullopt;
}

nlohmann::json hubspot_store::answer(std::uint64_t id, const record& r) const {
  return {{"id", std::to_string(id)},
          {"properties", r.properties},
          {"createdAt", r.created_at},
          {"updatedAt", r.updated_at},
          {"archived", false}};
}

hubspot_write hubspot_store::write(const std::string& type, std::uint64_t id,
                                   const nlohmann::json& properties, bool creating) {
  hubspot_write out;
  if (!properties.is_object()) {
    out.error = validation("properties must be a JSON object");
    return out;
  }
  if (auto conflict = unique_conflict(type, properties, id)) {
    out.error = *conflict;
    return out;
  }
  const auto now = hubspot_now();
  if (creating) {
    record fresh{type, nlohmann::json::object(), now, now};
    fresh.properties["hs_object_id"] = std::to_string(id);
    fresh.properties["createdate"] = now;
    records_.emplace(id, std::move(fresh));
    ++created_;
  } else {
    ++updated_;
  }
  auto& r = records_.at(id);
  index(id, r, false);
  for (const auto& [name, value] : properties.items()) {
    if (name == "hs_object_id") continue;
    r.properties[name] = value_text(value);
  }
  r.properties["hs_lastmodifieddate"] = now;
  r.updated_at = now;
  index(id, r, true);
  out.record = answer(id, r);
  out.created = creating;
  return out;
}

hubspot_write hubspot_store::create(const std::string& type, const nlohmann::json& properties,
                                    const nlohmann::json& associations) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto t = canonical_type(type);
  if (auto problem = check_associations(associations)) return {std::nullopt, *problem, false};
  auto out = write(t, next_id_, properties, true);
  if (!out.record) return out;
  const auto id = next_id_++;
  for (const auto& a : associations) {
    const auto to = *parse_id(value_text(a["to"]["id"]));
    const auto types = a.value("types", nlohmann::json::array());
    if (!types.is_array() || types.empty()) {
      edges_.push_back(
          {id, to, {"HUBSPOT_DEFINED", default_association_type(t, records_.at(to).type)}});
    }
    for (const auto& spec : types.is_array() ? types : nlohmann::json::array()) {
      edges_.push_back({id,
                        to,
                        {spec.value("associationCategory", std::string("HUBSPOT_DEFINED")),
                         spec.value("associationTypeId", 0)}});
    }
  }
  return out;
}

const hubspot_store::record* hubspot_store::locate(const std::string& type, const std::string& id,
                                                   const std::string& id_property,
                                                   std::uint64_t* id_out) const {
  const auto t = canonical_type(type);
  if (id_property.empty() || id_property == "hs_object_id") {
    const auto number = parse_id(id);
    const auto it = number ? records_.find(*number) : records_.end();
    if (it == records_.end() || it->second.type != t) return nullptr;
    *id_out = it->first;
    return &it->second;
  }
  const auto index = unique_index_.find({t, id_property});
  if (index != unique_index_.end()) {
    const auto holder = index->second.find(lower(id));
    if (holder == index->second.end()) return nullptr;
    *id_out = holder->second;
    return &records_.at(holder->second);
  }
  for (const auto& [number, r] : records_) {
    const auto value = r.properties.find(id_property);
    if (r.type == t && value != r.properties.end() && value->get<std::string>() == id) {
      *id_out = number;
      return &r;
    }
  }
  return nullptr;
}

std::optional<nlohmann::json> hubspot_store::find(const std::string& type, const std::string& id,
                                                  const std::string& id_property) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t number = 0;
  const auto* r = locate(type, id, id_property, &number);
  if (!r) return std::nullopt;
  return answer(number, *r);
}

hubspot_write hubspot_store::update(const std::string& type, const std::string& id,
                                    const std::string& id_property,
                                    const nlohmann::json& properties) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t number = 0;
  if (!locate(type, id, id_property, &number)) {
    return {std::nullopt, not_found(canonical_type(type), id), false};
  }
  return write(canonical_type(type), number, properties, false);
}

hubspot_write hubspot_store::upsert(const std::string& type, const std::string& id,
                                    const std::string& id_property,
                                    const nlohmann::json& properties) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto t = canonical_type(type);
  const auto u = unique_.find(t);
  if (id_property.empty() || u == unique_.end() || u->second.count(id_property) == 0) {
    auto error = validation("idProperty '" + id_property + "' is not a unique property of " + t);
    error.context = {{"ids", {id}}};
    return {std::nullopt, error, false};
  }
  std::uint64_t number = 0;
  if (locate(t, id, id_property, &number)) return write(t, number, properties, false);
  auto with_key = properties.is_object() ? properties : nlohmann::json::object();
  with_key[id_property] = id;
  auto out = write(t, next_id_, with_key, true);
  if (out.record) ++next_id_;
  return out;
}

std::vector<nlohmann::json> hubspot_store::search(const std::string& type,
                                                  const nlohmann::json& filter_groups,
                                                  hubspot_error& error) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto t = canonical_type(type);
  std::vector<nlohmann::json> out;
  if (!filter_groups.is_array()) {
    error = validation("filterGroups must be an array");
    return out;
  }
  for (const auto& [id, r] : records_) {
    if (r.type != t) continue;
    bool any = filter_groups.empty();
    for (const auto& group : filter_groups) {
      const auto filters = group.is_object() ? group.value("filters", nlohmann::json::array())
                                             : nlohmann::json::array();
      bool all = true;
      for (const auto& f : filters) all = filter_holds(f, r.properties, error) && all;
      if (error.status != 0) return {};
      any = any || all;
    }
    if (any) out.push_back(answer(id, r));
  }
  return out;
}

std::optional<hubspot_error> hubspot_store::associate(const std::string& from_type,
                                                      const std::string& from_id,
                                                      const std::string& to_type,
                                                      const std::string& to_id,
                                                      hubspot_association_type type) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t from = 0, to = 0;
  if (!locate(from_type, from_id, "", &from)) return not_found(canonical_type(from_type), from_id);
  if (!locate(to_type, to_id, "", &to)) return not_found(canonical_type(to_type), to_id);
  for (const auto& e : edges_) {
    if (e.from == from && e.to == to && e.type.type_id == type.type_id) return std::nullopt;
  }
  edges_.push_back({from, to, std::move(type)});
  return std::nullopt;
}

std::optional<nlohmann::json> hubspot_store::associations(const std::string& from_type,
                                                          const std::string& from_id,
                                                          const std::string& to_type) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t self = 0;
  if (!locate(from_type, from_id, "", &self)) return std::nullopt;
  const auto t = canonical_type(to_type);
  std::map<std::uint64_t, nlohmann::json> by_target;
  for (const auto& e : edges_) {
    const std::uint64_t other = e.from == self ? e.to : e.to == self ? e.from : 0;
    if (other == 0 || records_.at(other).type != t) continue;
    auto& types = by_target[other];
    if (types.is_null()) types = nlohmann::json::array();
    types.push_back(
        {{"category", e.type.category}, {"typeId", e.type.type_id}, {"label", nullptr}});
  }
  nlohmann::json results = nlohmann::json::array();
  for (auto& [other, types] : by_target) {
    results.push_back({{"toObjectId", other}, {"associationTypes", std::move(types)}});
  }
  return results;
}

nlohmann::json hubspot_store::dump() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, r] : records_) {
    auto entry = answer(id, r);
    entry["associations"] = nlohmann::json::array();
    for (const auto& e : edges_) {
      if (e.from != id) continue;
      entry["associations"].push_back({{"toObjectType", records_.at(e.to).type},
                                       {"toObjectId", std::to_string(e.to)},
                                       {"category", e.type.category},
                                       {"typeId", e.type.type_id}});
    }
    out[r.type].push_back(std::move(entry));
  }
  return out;
}

nlohmann::json hubspot_store::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, r] : records_) out[r.type] = out.value(r.type, 0) + 1;
  return out;
}

nlohmann::json hubspot_store::totals() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {{"created", created_}, {"updated", updated_}};
}

void hubspot_store::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  records_.clear();
  edges_.clear();
  for (auto& entry : unique_index_) entry.second.clear();
  next_id_ = 101;
  created_ = updated_ = 0;
}

}  // namespace tixsync::app
