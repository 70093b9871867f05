// Objects, the per-field index and the webhook log of the mock CRM (mock_crm_store.hpp).
#include "app/mock_crm_store.hpp"

#include <cctype>
#include <chrono>

namespace tixsync::app {
namespace {

/// The text a search compares: a string's content, otherwise the JSON text ("3", "true").
std::string text_of(const nlohmann::json& value) {
  return value.is_string() ? value.get_ref<const std::string&>() : value.dump();
}

/// "1", "2", ...: our ids only (no sign, no leading zero, fits 64 bits).
std::optional<std::uint64_t> parse_id(const std::string& id) {
  if (id.empty() || id.size() > 19 || id[0] == '0') return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : id) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

void mock_crm_store::index_add(table& t, std::uint64_t id, const nlohmann::json& object) {
  for (auto& [field, values] : t.index) {
    auto it = object.find(field);
    if (it != object.end()) values[text_of(*it)].insert(id);
  }
}

void mock_crm_store::index_remove(table& t, std::uint64_t id, const nlohmann::json& object) {
  for (auto& [field, values] : t.index) {
    auto it = object.find(field);
    if (it == object.end()) continue;
    auto entry = values.find(text_of(*it));
    if (entry == values.end()) continue;
    entry->second.erase(id);
    if (entry->second.empty()) values.erase(entry);
  }
}

mock_crm_store::field_index mock_crm_store::build_index(const table& t, const std::string& field) {
  field_index values;
  for (const auto& [id, object] : t.objects) {
    auto it = object.find(field);
    if (it != object.end()) values[text_of(*it)].insert(id);
  }
  return values;
}

mock_crm_store::table* mock_crm_store::find_table(const std::string& type) {
  auto it = tables_.find(type);
  return it == tables_.end() ? nullptr : &it->second;
}

const mock_crm_store::table* mock_crm_store::find_table(const std::string& type) const {
  auto it = tables_.find(type);
  return it == tables_.end() ? nullptr : &it->second;
}

nlohmann::json mock_crm_store::create(const std::string& type, nlohmann::json object) {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto& t = tables_[type];
  const std::uint64_t id = t.next_id++;
  object["id"] = std::to_string(id);
  index_add(t, id, object);
  ++created_;
  return t.objects.emplace(id, std::move(object)).first->second;
}

std::optional<nlohmann::json> mock_crm_store::find(const std::string& type,
                                                   const std::string& id) const {
  const auto number = parse_id(id);
  if (!number) return std::nullopt;
  std::shared_lock<std::shared_mutex> lock(mutex_);
  const auto* t = find_table(type);
  if (!t) return std::nullopt;
  auto it = t->objects.find(*number);
  if (it == t->objects.end()) return std::nullopt;
  return it->second;
}

std::vector<nlohmann::json> mock_crm_store::search(
    const std::string& type, const std::vector<std::pair<std::string, std::string>>& filter) {
  std::vector<nlohmann::json> results;
  auto matches_rest = [&](const nlohmann::json& object) {
    for (std::size_t i = 1; i < filter.size(); ++i) {
      auto it = object.find(filter[i].first);
      if (it == object.end() || text_of(*it) != filter[i].second) return false;
    }
    return true;
  };
  {
    std::shared_lock<std::shared_mutex> lock(mutex_);
    const auto* t = find_table(type);
    if (!t) return results;
    if (filter.empty()) {
      for (const auto& entry : t->objects) results.push_back(entry.second);
      return results;
    }
    auto index = t->index.find(filter[0].first);
    if (index != t->index.end()) {
      auto ids = index->second.find(filter[0].second);
      if (ids == index->second.end()) return results;
      for (const auto id : ids->second) {
        const auto& object = t->objects.at(id);
        if (matches_rest(object)) results.push_back(object);
      }
      return results;
    }
  }
  // First search by this field: build its index (kept up to date from now on), then look up.
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto* t = find_table(type);
  if (!t) return results;
  auto& index = t->index[filter[0].first];
  if (index.empty()) index = build_index(*t, filter[0].first);
  auto ids = index.find(filter[0].second);
  if (ids == index.end()) return results;
  for (const auto id : ids->second) {
    const auto& object = t->objects.at(id);
    if (matches_rest(object)) results.push_back(object);
  }
  return results;
}

std::optional<nlohmann::json> mock_crm_store::merge(const std::string& type, const std::string& id,
                                                    const nlohmann::json& fields) {
  const auto number = parse_id(id);
  if (!number) return std::nullopt;
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto* t = find_table(type);
  if (!t) return std::nullopt;
  auto it = t->objects.find(*number);
  if (it == t->objects.end()) return std::nullopt;
  index_remove(*t, *number, it->second);
  for (const auto& [key, value] : fields.items()) {
    if (key != "id") it->second[key] = value;
  }
  index_add(*t, *number, it->second);
  ++updated_;
  return it->second;
}

std::optional<nlohmann::json> mock_crm_store::replace(const std::string& type,
                                                      const std::string& id,
                                                      nlohmann::json object) {
  const auto number = parse_id(id);
  if (!number) return std::nullopt;
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto* t = find_table(type);
  if (!t) return std::nullopt;
  auto it = t->objects.find(*number);
  if (it == t->objects.end()) return std::nullopt;
  index_remove(*t, *number, it->second);
  object["id"] = id;
  it->second = std::move(object);
  index_add(*t, *number, it->second);
  ++updated_;
  return it->second;
}

bool mock_crm_store::remove(const std::string& type, const std::string& id) {
  const auto number = parse_id(id);
  if (!number) return false;
  std::unique_lock<std::shared_mutex> lock(mutex_);
  auto* t = find_table(type);
  if (!t) return false;
  auto it = t->objects.find(*number);
  if (it == t->objects.end()) return false;
  index_remove(*t, *number, it->second);
  t->objects.erase(it);
  ++deleted_;
  return true;
}

nlohmann::json mock_crm_store::dump() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [type, t] : tables_) {
    auto& list = out[type] = nlohmann::json::array();
    for (const auto& entry : t.objects) list.push_back(entry.second);
  }
  return out;
}

nlohmann::json mock_crm_store::counts() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [type, t] : tables_) out[type] = t.objects.size();
  return out;
}

nlohmann::json mock_crm_store::totals() const {
  std::shared_lock<std::shared_mutex> lock(mutex_);
  return {{"created", created_}, {"updated", updated_}, {"deleted", deleted_}};
}

void mock_crm_store::clear() {
  std::unique_lock<std::shared_mutex> lock(mutex_);
  tables_.clear();
  created_ = updated_ = deleted_ = 0;
}

void received_hooks::add(const std::string& name,
                         const std::vector<std::pair<std::string, std::string>>& headers,
                         const std::string& body) {
  nlohmann::json header_object = nlohmann::json::object();
  for (const auto& [key, value] : headers) {
    std::string lower = key;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // Credentials are not stored: only the scheme of an Authorization header is kept.
    header_object[lower] =
        lower == "authorization" ? value.substr(0, value.find(' ')) + " <redacted>" : value;
  }
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  nlohmann::json hook{{"name", name},
                      {"received_at", now},
                      {"headers", std::move(header_object)},
                      {"body", body},
                      {"json", parsed.is_discarded() ? nlohmann::json() : std::move(parsed)}};
  std::lock_guard<std::mutex> lock(mutex_);
  ++received_;
  hooks_.push_back(std::move(hook));
  while (hooks_.size() > capacity_) {
    hooks_.pop_front();
    ++dropped_;
  }
}

nlohmann::json received_hooks::to_json(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& hook : hooks_) {
    if (name.empty() || hook["name"] == name) list.push_back(hook);
  }
  return {{"hooks", std::move(list)}, {"dropped", dropped_}};
}

std::uint64_t received_hooks::received() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return received_;
}

void received_hooks::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  hooks_.clear();
  received_ = dropped_ = 0;
}

}  // namespace tixsync::app
