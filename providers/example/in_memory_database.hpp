// The "external system" of the example providers: a thread-safe in-memory database of records
// (JSON objects) grouped by object type, each with an internal "_id" (its index), behaving like
// the fake API client of pretix's datasync tests. Counts calls and can inject failures.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "providers/sync_error.hpp"

namespace tixsync::providers::example {

using json = nlohmann::json;

class in_memory_database {
 public:
  enum class call { retrieve, create, update };

  /// A copy of the first record of `object_type` whose `field` equals `value`, with its "_id";
  /// nullopt when there is none.
  std::optional<json> retrieve_object(const std::string& object_type, const std::string& field,
                                      const json& value);

  /// With a non-null "_id" in `record`: merges the record's keys into that record (update).
  /// Otherwise appends it with "_id" = its index (create). Returns the record as given, with
  /// its "_id". Throws std::out_of_range for an unknown "_id".
  json create_or_update_object(const std::string& object_type, json record);

  /// The records of one object type, in creation order ([] when none).
  json records(const std::string& object_type) const;
  /// Every object type with at least one record: {"type": [records...]}.
  json dump() const;
  /// How often retrieve_object / creating / updating ran successfully.
  std::size_t calls(call kind) const;

  /// The next `count` calls (retrieve or create_or_update) throw `error` as a base_sync_error
  /// instead of doing anything, as a failing external system would.
  void fail_next_calls(int count, sync_error error);

 private:
  void maybe_fail();  // with mutex_ held

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<json>> tables_;
  std::map<call, std::size_t> calls_;
  int failures_left_ = 0;
  sync_error failure_;
};

}  // namespace tixsync::providers::example
