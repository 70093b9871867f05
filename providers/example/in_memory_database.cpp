// in_memory_database: records by object type, looked up by any field, created or merged.
#include "providers/example/in_memory_database.hpp"

#include <stdexcept>

namespace tixsync::providers::example {

std::optional<json> in_memory_database::retrieve_object(const std::string& object_type,
                                                        const std::string& field,
                                                        const json& value) {
  std::lock_guard<std::mutex> lock(mutex_);
  maybe_fail();
  ++calls_[call::retrieve];
  auto table = tables_.find(object_type);
  if (table == tables_.end()) return std::nullopt;
  for (std::size_t index = 0; index < table->second.size(); ++index) {
    const json& record = table->second[index];
    auto it = record.find(field);
    if (it != record.end() && *it == value) {
      json copy = record;
      copy["_id"] = index;
      return copy;
    }
  }
  return std::nullopt;
}

json in_memory_database::create_or_update_object(const std::string& object_type, json record) {
  std::lock_guard<std::mutex> lock(mutex_);
  maybe_fail();
  auto& table = tables_[object_type];
  auto id = record.find("_id");
  if (id != record.end() && !id->is_null()) {
    const auto index = id->get<std::size_t>();
    if (index >= table.size()) {
      throw std::out_of_range(object_type + " has no record " + std::to_string(index));
    }
    table[index].update(record);
    ++calls_[call::update];
    return record;
  }
  record["_id"] = table.size();
  table.push_back(record);
  ++calls_[call::create];
  return record;
}

json in_memory_database::records(const std::string& object_type) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto table = tables_.find(object_type);
  if (table == tables_.end()) return json::array();
  return json(table->second);
}

json in_memory_database::dump() const {
  std::lock_guard<std::mutex> lock(mutex_);
  json out = json::object();
  for (const auto& [object_type, table] : tables_) {
    if (!table.empty()) out[object_type] = table;
  }
  return out;
}

std::size_t in_memory_database::calls(call kind) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = calls_.find(kind);
  return it == calls_.end() ? 0 : it->second;
}

void in_memory_database::fail_next_calls(int count, sync_error error) {
  std::lock_guard<std::mutex> lock(mutex_);
  failures_left_ = count;
  failure_ = std::move(error);
}

void in_memory_database::maybe_fail() {
  if (failures_left_ <= 0) return;
  --failures_left_;
  throw base_sync_error(failure_);
}

}  // namespace tixsync::providers::example
