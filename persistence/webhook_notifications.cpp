// webhook_notifications: SET NX PX to claim a notification, GET to recognise one's own claim, SET
// PX to keep it for the window, DEL to give it back.
#include "persistence/webhook_notifications.hpp"

#include <algorithm>

namespace tixsync::persistence {
namespace {

status check_ids(const key_space& keys, const std::string& event, const std::string& order) {
  if (!keys.valid()) return keys.valid();
  if (auto s = validate_identifier("event", event, true); !s) return s;
  return validate_identifier("order", order);
}

}  // namespace

webhook_notifications::webhook_notifications(redis_connection& connection, key_space keys)
    : connection_(connection), keys_(std::move(keys)) {}

status_or<bool> webhook_notifications::claim(const std::string& event, const std::string& order,
                                             std::int64_t notification, const std::string& claimant,
                                             std::chrono::milliseconds window) {
  if (auto s = check_ids(keys_, event, order); !s) return s;
  if (claimant.empty() || window.count() <= 0) {
    return {persistence_errc::invalid_argument, "a claim needs a claimant and a positive window"};
  }
  const std::string key = keys_.webhook_notification(event, order, std::to_string(notification));
  auto set =
      connection_.command({"SET", key, claimant, "NX", "PX", std::to_string(window.count())});
  if (!set) return set.error();
  if (set->is_error()) return status(persistence_errc::server_error, set->str);
  if (!set->is_nil()) return true;
  auto held = connection_.command({"GET", key});
  if (!held) return held.error();
  if (held->is_error()) return status(persistence_errc::server_error, held->str);
  return held->type == redis_value::kind::string && held->str == claimant;
}

status webhook_notifications::extend(const std::string& event, const std::string& order,
                                     std::int64_t notification, const std::string& claimant,
                                     std::chrono::milliseconds window) {
  if (auto s = check_ids(keys_, event, order); !s) return s;
  auto reply = connection_.command(
      {"SET", keys_.webhook_notification(event, order, std::to_string(notification)), claimant,
       "PX", std::to_string(std::max<std::int64_t>(window.count(), 1))});
  if (!reply) return reply.error();
  if (reply->is_error()) return {persistence_errc::server_error, reply->str};
  return {};
}

status webhook_notifications::release(const std::string& event, const std::string& order,
                                      std::int64_t notification) {
  if (auto s = check_ids(keys_, event, order); !s) return s;
  auto reply = connection_.command(
      {"DEL", keys_.webhook_notification(event, order, std::to_string(notification))});
  if (!reply) return reply.error();
  if (reply->is_error()) return {persistence_errc::server_error, reply->str};
  return {};
}

}  // namespace tixsync::persistence
