// The JSON view of a queue item (a job) that the HTTP API (GET /api/v1/jobs, order lookup) and
// `tixsync jobs --json` both show: one place for its fields, each caller choosing how times look.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>

#include "persistence/queue_types.hpp"

namespace tixsync::persistence {

/// How a time (unix milliseconds, 0 for none) is shown, e.g. ISO 8601 or null.
using time_view = nlohmann::json (*)(std::int64_t ms);

/// {"event", "order", "state", "trigger", "attempts", "not_before", "triggered", "node",
/// "lease_until", "cause", "errors", "full_message"}; the times through `time`.
nlohmann::json queue_item_json(const queue_item& item, time_view time);

}  // namespace tixsync::persistence
