// The JSON text the queue stores for every synced order, written directly instead of building an
// nlohmann::json document and dumping it: sync results (encode_result's text) and the success
// log's objects (mapping::to_log_objects' text). Byte-identical to the dumps it replaces, and an
// order of magnitude cheaper, since it is done for every object of every order.
#pragma once

#include <string>
#include <string_view>

#include "mapping/json_text.hpp"
#include "mapping/sync_result.hpp"
#include "persistence/sync_result.hpp"

namespace tixsync::persistence {

/// A sync result as its order's results hash keeps it.
struct stored_result {
  std::string field;  ///< result_field(mapping id, position id)
  std::string json;   ///< encode_result(result)
};

/// The stored form of `result`: the same field and text as result_field and encode_result.
stored_result store_form(const sync_result& result);

/// Appends `text` as a JSON string literal exactly as nlohmann::json dumps it (json_text.hpp).
using mapping::append_json_string;

/// The success log's "objects" as JSON text: the dump of mapping::to_log_objects(mapped).
std::string log_objects_json(const mapping::mapped_objects& mapped);

}  // namespace tixsync::persistence
