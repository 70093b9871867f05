// Fixture of the queue CLI tests: one real redis-server per suite, FLUSHALL before each test
// (then the test event's snapshot is stored), the --redis/--prefix arguments that point
// build/tixsync at it, and a queue store on the same keys so tests can claim and park items the
// way a node would.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "persistence/node_registry.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/support/command.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/temp_file.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {

class queue_cli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<redis_server>(); }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    persistence::connection_options o;
    o.host = server_->host();
    o.port = server_->port();
    connection_ = std::make_unique<persistence::redis_connection>(o);
    ASSERT_TRUE(connection_->command({"FLUSHALL"}).ok());
    persistence::queue_options options;
    options.keys = persistence::key_space(prefix);
    queue_ = std::make_unique<persistence::queue_store>(*connection_, options);
    // `enqueue` refuses orders of an event without a snapshot.
    ASSERT_TRUE(snapshots().put_event(event, read_test_data("event.json")).ok());
  }

  persistence::snapshot_store snapshots() {
    return persistence::snapshot_store(*connection_, persistence::key_space(prefix));
  }

  /// build/tixsync <args> --redis <the suite's server> --prefix cli.
  static command_result tixsync(std::vector<std::string> args) {
    args.insert(args.end(),
                {"--redis", "redis://127.0.0.1:" + std::to_string(server_->port()) + "/0",
                 "--prefix", prefix});
    return run_tixsync(args);
  }
  static nlohmann::json json_of(const command_result& r) {
    return nlohmann::json::parse(r.out, nullptr, false);
  }
  static std::string order_line(std::size_t index) {
    return read_test_data_lines("orders.jsonl").at(index);
  }
  persistence::queue_store& queue() { return *queue_; }
  persistence::redis_connection& connection() { return *connection_; }
  static redis_server& server() { return *server_; }

  /// Claims everything due for node "n1" and parks each claimed item with `cause`.
  void park_all(persistence::park_state state, const std::string& cause) {
    auto claimed = queue_->claim(provider, "n1", 100, 30000, now());
    ASSERT_TRUE(claimed.ok()) << claimed.error().to_string();
    for (const auto& c : *claimed) {
      auto parked = queue_->park({c.lease_info(), state, {cause}, cause, cause}, now());
      ASSERT_TRUE(parked.ok()) << parked.error().to_string();
    }
  }
  static std::int64_t now() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }

  static constexpr const char* prefix = "cli";
  static constexpr const char* provider = "crm";
  static constexpr const char* event = "nordlicht/ndd25";

 private:
  static inline std::unique_ptr<redis_server> server_;
  std::unique_ptr<persistence::redis_connection> connection_;
  std::unique_ptr<persistence::queue_store> queue_;
};

}  // namespace tixsync::testing
