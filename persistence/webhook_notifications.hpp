// pretix webhook notifications seen recently: one short-lived key per notification (SET NX PX),
// so a notification delivered again within the window is recognised by every node of the fleet
// and handled once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// Not thread-safe: one per worker connection.
class webhook_notifications {
 public:
  webhook_notifications(redis_connection& connection, key_space keys);

  /// Marks notification `notification` (pretix's notification_id) of `order` in `event` as
  /// handled for `window`. True when this call set the mark (handle it), false when it was
  /// marked already (a replay within the window). `claimant` is a value unique to this call:
  /// should the SET be sent twice after a lost reply, the mark is still recognised as its own.
  status_or<bool> claim(const std::string& event, const std::string& order,
                        std::int64_t notification, const std::string& claimant,
                        std::chrono::milliseconds window);
  /// Keeps the claimant's mark for `window` from now (handling succeeded: replays within the
  /// window are recognised).
  status extend(const std::string& event, const std::string& order, std::int64_t notification,
                const std::string& claimant, std::chrono::milliseconds window);
  /// Removes the mark (handling failed: a retry of the notification is handled again).
  status release(const std::string& event, const std::string& order, std::int64_t notification);

 private:
  redis_connection& connection_;
  key_space keys_;
};

}  // namespace tixsync::persistence
