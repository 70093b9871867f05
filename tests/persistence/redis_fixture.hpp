// Shared fixture of the persistence tests: one real redis-server per test suite (started on a
// free port in a temp dir, stopped by PID), a fresh FLUSHALL per test, a connection and stores,
// and a fixed test clock (unix ms) the tests move by hand.
#pragma once

#include "persistence/sync_result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "persistence/audit_log.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/result_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::persistence::testing {

/// A sync result from its fields in the order pretix lists them (provider "crm").
inline sync_result make_result(std::int64_t mapping_id, std::optional<std::int64_t> position_id,
                               std::string object_type, std::string id_field, std::string id_value,
                               std::string href, std::string display_name, nlohmann::json info,
                               std::int64_t transmitted_ms, std::string fingerprint) {
  sync_result r;
  r.provider = "crm";
  r.mapping_id = mapping_id;
  r.position_id = position_id;
  r.external_object_type = std::move(object_type);
  r.external_id_field = std::move(id_field);
  r.id_value = std::move(id_value);
  r.external_link_href = std::move(href);
  r.external_link_display_name = std::move(display_name);
  r.sync_info = info.is_null() ? nlohmann::json::object() : std::move(info);
  r.transmitted_ms = transmitted_ms;
  r.fingerprint = std::move(fingerprint);
  return r;
}

class redis_fixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<tixsync::testing::redis_server>(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_->running()) server_->start();
    connection_ = std::make_unique<redis_connection>(options());
    auto flushed = connection_->command({"FLUSHALL"});
    ASSERT_TRUE(flushed.ok()) << flushed.error().to_string();
    queue_ = std::make_unique<queue_store>(*connection_, queue_opts());
  }

  /// Options of a connection to the suite's server (TCP).
  static connection_options options() {
    connection_options o;
    o.host = server_->host();
    o.port = server_->port();
    return o;
  }
  virtual queue_options queue_opts() const { return {}; }

  static tixsync::testing::redis_server& server() { return *server_; }
  redis_connection& connection() { return *connection_; }
  queue_store& queue() { return *queue_; }

  /// A raw command's reply; fails the test on a connection error.
  redis_value raw(const std::vector<std::string>& argv) {
    auto r = connection_->command(argv);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : redis_value{};
  }

  static item_ref ref(const std::string& order, const std::string& event = "org/ev1",
                      const std::string& provider = "crm") {
    return {provider, event, order};
  }

  /// Enqueues one order (asserting success) at time `now`.
  enqueue_result add(const item_ref& r, std::int64_t now,
                     const std::string& trigger = "order_placed",
                     std::optional<std::int64_t> not_before = std::nullopt) {
    auto res = queue_->enqueue({r, trigger, not_before, std::nullopt}, now);
    EXPECT_TRUE(res.ok()) << res.error().to_string();
    return res.ok() ? *res : enqueue_result{};
  }

  /// Claims (asserting success) for node "n1" with a 30 s lease.
  std::vector<claimed_item> take(std::size_t n, std::int64_t now, const std::string& node = "n1",
                                 const std::string& provider = "crm") {
    auto res = queue_->claim(provider, node, n, lease_ms, now);
    EXPECT_TRUE(res.ok()) << res.error().to_string();
    return res.ok() ? *res : std::vector<claimed_item>{};
  }

  static constexpr std::int64_t t0 = 1'700'000'000'000;  // the test clock's start
  static constexpr std::int64_t lease_ms = 30'000;

 private:
  static inline std::unique_ptr<tixsync::testing::redis_server> server_;
  std::unique_ptr<redis_connection> connection_;
  std::unique_ptr<queue_store> queue_;
};

}  // namespace tixsync::persistence::testing
