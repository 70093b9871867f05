// Shared fixture of the actor tests: one real redis-server per suite, FLUSHALL per test, node
// options pointing at it, enqueueing with snapshots, reading queue items and stored results,
// and bounded polling (every wait has a deadline).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/node.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/result_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::actors::testing {

/// Polls `condition` every 2 ms until it holds or `limit` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

class node_fixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  /// Options of a node on the suite's Redis: fast polling, short renew interval.
  node_options options(const std::string& node_name = "n1") const;
  /// A registry holding `p`.
  static std::shared_ptr<providers::provider_registry> registry_of(
      std::shared_ptr<providers::provider> p);

  /// Stores the event snapshot of `event`.
  void put_event(const std::string& event, const std::string& json);
  /// Enqueues orders (code, JSON) of `event` for `provider` with their snapshots, in one call.
  void enqueue(const std::string& provider, const std::string& event,
               const std::vector<std::pair<std::string, std::string>>& orders,
               const std::string& trigger = "order_placed");

  /// The waiting and in-flight items of one order.
  persistence::order_items item(const std::string& provider, const std::string& event,
                                const std::string& order);
  /// Whether the order has no item at all (synced and completed).
  bool gone(const std::string& provider, const std::string& event, const std::string& order);
  /// The stored results of one order.
  std::vector<persistence::sync_result> results(const std::string& provider,
                                                const std::string& event, const std::string& order);
  /// Whether the waiting item is parked in `state`.
  bool parked_as(const std::string& provider, const std::string& event, const std::string& order,
                 persistence::item_state state);

  static std::int64_t now_ms();

  persistence::redis_connection& connection() { return *connection_; }
  persistence::queue_store& queue() { return *queue_; }

 private:
  static inline std::unique_ptr<tixsync::testing::redis_server> server_;
  std::unique_ptr<persistence::redis_connection> connection_;
  std::unique_ptr<persistence::queue_store> queue_;
  std::unique_ptr<persistence::snapshot_store> snapshots_;
  std::unique_ptr<persistence::result_store> results_;
};

}  // namespace tixsync::actors::testing
