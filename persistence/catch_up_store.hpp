// The catch-up state of pretix events in Redis: per event the cursor (pretix's X-Page-Generated of
// the last complete poll), when the next poll is due, and the lease of the node polling it now.
// Every change is one script (catch_up_take/renew/finish-2.lua) on the Redis server's clock, so
// exactly one node of a fleet polls an event per interval and a lapsed lease changes nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/script_runner.hpp"

namespace tixsync::persistence {

/// A lease held on an event's catch-up: pass it back to renew and finish.
struct catch_up_lease {
  std::string token;        ///< "<fence>:<owner>"; the fence grows with every take
  std::int64_t now_ms = 0;  ///< the server time of the take (unix ms)
  std::string cursor;       ///< the stored cursor ("" when the event has none yet)
};

/// What take() found when it took nothing.
struct catch_up_refusal {
  bool leased = false;  ///< true: another holder polls now; false: the poll is not due yet
  std::chrono::milliseconds wait{};  ///< until the lease lapses, or until the poll is due
  std::string holder;                ///< the holder's token when leased
};

/// The stored state of one event, for the API and the metrics.
struct catch_up_state {
  std::string cursor;  ///< "" when none
  std::int64_t cursor_at_ms = 0;
  std::int64_t next_poll_ms = 0;
  std::int64_t last_poll_ms = 0;
  std::string last_outcome, last_error;
  std::string holder;  ///< the lease's token ("" when nobody polls now)
  std::int64_t lease_left_ms = 0;
};

/// Not thread-safe: one per connection.
class catch_up_store {
 public:
  catch_up_store(redis_connection& connection, key_space keys);

  /// Takes the lease of `event` ("org/slug") for `owner` when its poll is due (the last take was
  /// at least `interval` ago) and nobody holds it; the lease lapses after `lease` unless renewed.
  /// The lease, or why nothing was taken. `now_ms` 0 uses the Redis server's clock (the normal
  /// case: one clock for all nodes); tests pass their own time.
  status_or<std::variant<catch_up_lease, catch_up_refusal>> take(const std::string& event,
                                                                 const std::string& owner,
                                                                 std::chrono::milliseconds interval,
                                                                 std::chrono::milliseconds lease,
                                                                 std::int64_t now_ms = 0);
  /// Extends the lease to `lease` from now; false when it is no longer the caller's.
  status_or<bool> renew(const std::string& event, const catch_up_lease& held,
                        std::chrono::milliseconds lease);
  /// Records `outcome` (and `error`), stores `cursor` unless it is "", and gives the lease back;
  /// false (nothing changed) when the lease is no longer the caller's.
  status_or<bool> finish(const std::string& event, const catch_up_lease& held,
                         const std::string& outcome, const std::string& error,
                         const std::string& cursor);
  /// The stored state of `event` (empty fields when it was never polled).
  status_or<catch_up_state> read(const std::string& event);

 private:
  status check(const std::string& event) const;
  script_call call(const char* script, const std::string& event, std::vector<std::string> args,
                   std::int64_t now_ms = 0) const;
  script_runner scripts_;
  key_space keys_;
};

}  // namespace tixsync::persistence
