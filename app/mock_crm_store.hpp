// The mock CRM's memory: objects by type with ids "1", "2", ... per type, a lazily built index
// per (type, field) so a search by field value is a hash lookup, and the log of received
// webhooks. Thread-safe; nothing is persisted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tixsync::app {

class mock_crm_store {
 public:
  /// Stores the JSON object `object` as a new object of `type`; returns it with its "id".
  nlohmann::json create(const std::string& type, nlohmann::json object);
  /// The object, or nullopt when `type` has no object `id`.
  std::optional<nlohmann::json> find(const std::string& type, const std::string& id) const;
  /// The objects of `type` whose every filter field's value, as text (a string's content,
  /// otherwise its JSON), equals the filter value; ordered by id. No filter: all of them.
  std::vector<nlohmann::json> search(
      const std::string& type, const std::vector<std::pair<std::string, std::string>>& filter);
  /// Sets the fields of `fields` (a JSON object) on the object; "id" cannot change.
  std::optional<nlohmann::json> merge(const std::string& type, const std::string& id,
                                      const nlohmann::json& fields);
  /// Replaces all fields of the object but its "id".
  std::optional<nlohmann::json> replace(const std::string& type, const std::string& id,
                                        nlohmann::json object);
  /// Deletes the object; false when it does not exist.
  bool remove(const std::string& type, const std::string& id);

  /// {type: [objects ordered by id]}.
  nlohmann::json dump() const;
  /// {type: number of objects}.
  nlohmann::json counts() const;
  /// {"created": n, "updated": n, "deleted": n} since start or the last clear().
  nlohmann::json totals() const;
  /// Forgets every object and counter; ids start at 1 again.
  void clear();

 private:
  /// field -> value text -> ids
  using field_index = std::unordered_map<std::string, std::set<std::uint64_t>>;
  struct table {
    std::uint64_t next_id = 1;
    std::map<std::uint64_t, nlohmann::json> objects;
    std::unordered_map<std::string, field_index> index;
  };
  static void index_add(table& t, std::uint64_t id, const nlohmann::json& object);
  static void index_remove(table& t, std::uint64_t id, const nlohmann::json& object);
  static field_index build_index(const table& t, const std::string& field);
  table* find_table(const std::string& type);
  const table* find_table(const std::string& type) const;

  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, table> tables_;
  std::uint64_t created_ = 0, updated_ = 0, deleted_ = 0;
};

/// Webhooks received on POST /hooks/{name}, oldest first, at most `capacity` (older ones go).
class received_hooks {
 public:
  explicit received_hooks(std::size_t capacity) : capacity_(capacity) {}
  /// Keeps one delivery. The Authorization header's credentials are not kept.
  void add(const std::string& name, const std::vector<std::pair<std::string, std::string>>& headers,
           const std::string& body);
  /// {"hooks": [{"name", "received_at" (ms since the epoch), "headers": {..}, "body" (text),
  /// "json" (the body parsed, or null)}], "dropped": n}; only `name`'s when not empty.
  nlohmann::json to_json(const std::string& name = "") const;
  std::uint64_t received() const;
  void clear();

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::deque<nlohmann::json> hooks_;
  std::uint64_t received_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace tixsync::app
