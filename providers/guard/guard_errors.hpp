// The answers a guard gives instead of calling the provider: "circuit-open" and
// "local-rate-limit" (rate_limited: the queue item is rescheduled without using an attempt) and
// "shutting-down" (recoverable, retry at once on another node).
#pragma once

#include <string>

#include "providers/sync_error.hpp"

namespace tixsync::providers::guard {

/// The signatures of the guard's own errors (sync_error::signature).
inline constexpr const char* circuit_open_signature = "circuit-open";
inline constexpr const char* local_rate_limit_signature = "local-rate-limit";
inline constexpr const char* shutting_down_signature = "shutting-down";

/// "2024-05-01T12:00:30Z" (UTC, whole seconds, rounded up).
std::string format_utc(sync_clock::time_point time);

/// rate_limited, "circuit-open": "Paused: <failures> recoverable failures in a row from
/// <provider>; retrying after <time>" (or, while the probe runs, "Paused: testing whether
/// <provider> works again; ...").
sync_error circuit_open_error(const std::string& provider, int failures, bool probing,
                              sync_clock::time_point retry_at);

/// rate_limited, "local-rate-limit": "Waiting: <provider>'s limits on this node are reached;
/// retrying after <time>", with `why` (which limit) as the full message.
sync_error local_rate_limit_error(const std::string& provider, const std::string& why,
                                  sync_clock::time_point retry_at);

/// recoverable, "shutting-down", retry_at now: the node stopped before the call started.
sync_error shutting_down_error(const std::string& provider);

}  // namespace tixsync::providers::guard
