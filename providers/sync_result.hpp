// The stored result of one synced object and the mapped objects of a run, as the provider API
// names them. The type itself lives in mapping/sync_result.hpp, shared with persistence/.
#pragma once

#include "mapping/sync_result.hpp"

namespace tixsync::providers {

using json = nlohmann::json;
using mapping::filter_mapped_objects;
using mapping::id_value_text;
using mapping::mapped_objects;
using mapping::nothing_done;
using mapping::sync_result;
using mapping::sync_result_from_json;
using mapping::to_log_objects;
using mapping::to_result_dict;

}  // namespace tixsync::providers
