// queue_item_json: the fields of a queue item as JSON.
#include "persistence/queue_item_json.hpp"

namespace tixsync::persistence {

nlohmann::json queue_item_json(const queue_item& item, time_view time) {
  return {{"event", item.ref.event},
          {"order", item.ref.order},
          {"state", to_string(item.state)},
          {"trigger", item.trigger},
          {"attempts", item.attempts},
          {"not_before", time(item.not_before_ms)},
          {"triggered", time(item.triggered_ms)},
          {"node", item.node},
          {"lease_until", time(item.lease_until_ms)},
          {"cause", item.cause},
          {"errors", item.errors},
          {"full_message", item.full_message}};
}

}  // namespace tixsync::persistence
