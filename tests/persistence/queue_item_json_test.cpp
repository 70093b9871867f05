// queue_item_json: every field of a queue item, times through the caller's view (no Redis).
#include "persistence/queue_item_json.hpp"

#include <gtest/gtest.h>

namespace tixsync::persistence {
namespace {

nlohmann::json ms_or_null(std::int64_t ms) {
  return ms > 0 ? nlohmann::json(ms) : nlohmann::json(nullptr);
}

TEST(queue_item_json, shows_every_field_with_the_callers_times) {
  queue_item item;
  item.ref = {"crm", "org/ev", "A1"};
  item.state = item_state::exceeded;
  item.trigger = "order_paid";
  item.attempts = 5;
  item.not_before_ms = 0;
  item.triggered_ms = 1746266607000;
  item.node = "n1";
  item.cause = "http-503";
  item.errors = {"Service unavailable"};
  item.full_message = "503 from upstream";
  const auto json = queue_item_json(item, ms_or_null);
  EXPECT_EQ(json, nlohmann::json({{"event", "org/ev"},
                                  {"order", "A1"},
                                  {"state", "exceeded"},
                                  {"trigger", "order_paid"},
                                  {"attempts", 5},
                                  {"not_before", nullptr},
                                  {"triggered", 1746266607000},
                                  {"node", "n1"},
                                  {"lease_until", nullptr},
                                  {"cause", "http-503"},
                                  {"errors", {"Service unavailable"}},
                                  {"full_message", "503 from upstream"}}));
}

}  // namespace
}  // namespace tixsync::persistence
