// guard_errors: the texts and fields of the guard's own sync errors.
#include "providers/guard/guard_errors.hpp"

#include <ctime>

namespace tixsync::providers::guard {

std::string format_utc(sync_clock::time_point time) {
  auto seconds = std::chrono::ceil<std::chrono::seconds>(time.time_since_epoch()).count();
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

sync_error circuit_open_error(const std::string& provider, int failures, bool probing,
                              sync_clock::time_point retry_at) {
  std::string message = probing ? "Paused: testing whether " + provider + " works again"
                                : "Paused: " + std::to_string(failures) +
                                      " recoverable failures in a row from " + provider;
  message += "; retrying after " + format_utc(retry_at);
  sync_error error = make_sync_error(
      sync_error_kind::rate_limited, std::move(message),
      "the circuit breaker of provider " + provider + " is open: no call is made until it closes",
      circuit_open_signature);
  error.retry_at = retry_at;
  return error;
}

sync_error local_rate_limit_error(const std::string& provider, const std::string& why,
                                  sync_clock::time_point retry_at) {
  sync_error error =
      make_sync_error(sync_error_kind::rate_limited,
                      "Waiting: the limits of " + provider +
                          " on this node are reached; retrying after " + format_utc(retry_at),
                      why, local_rate_limit_signature);
  error.retry_at = retry_at;
  return error;
}

sync_error shutting_down_error(const std::string& provider) {
  sync_error error = make_sync_error(
      sync_error_kind::recoverable, "Not synced: the node is shutting down",
      "the call to " + provider + " waited for a slot or token when the node shut down",
      shutting_down_signature);
  error.retry_at = sync_clock::now();
  return error;
}

}  // namespace tixsync::providers::guard
