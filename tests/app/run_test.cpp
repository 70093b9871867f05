// End-to-end tests of `tixsync run` on its embedded redis-server: the sample orders are fed and
// synced, the node exits when drained, SIGTERM drains and exits 0, and no redis-server is left
// behind after a clean exit, a SIGTERM or a SIGKILL of the node. Invalid configs are refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/command.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

namespace fs = std::filesystem;
const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

/// A temporary folder for the node's data (node_child_test), removed afterwards.
class run_test : public node_child_test {
 protected:
  std::vector<std::string> run_args(bool drained) const {
    std::vector<std::string> args = {TIXSYNC_BINARY, "run",
                                     "--config",     examples + "/demo.toml",
                                     "--data-dir",   dir_ + "/data",
                                     "--feed",       examples + "/sample-orders.jsonl",
                                     "--feed-event", examples + "/sample-event.json"};
    if (drained) args.push_back("--exit-when-drained");
    return args;
  }

  /// The embedded redis-server's pid from the node's stderr, waiting (bounded) for the line.
  pid_t redis_pid() const {
    const std::regex line("embedded redis-server \\(pid ([0-9]+)\\)");
    for (int i = 0; i < 500; ++i) {
      std::smatch m;
      const std::string text = file("stderr");
      if (std::regex_search(text, m, line)) return static_cast<pid_t>(std::stoi(m[1]));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

  static bool gone_within(pid_t pid, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (kill(pid, 0) != 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

TEST_F(run_test, feeds_the_sample_orders_syncs_them_and_exits_when_drained) {
  auto r = run_command(run_args(true), "", std::chrono::seconds(120));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("orders synced 20,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("objects synced 53,"), std::string::npos) << r.out;
  const std::regex line("embedded redis-server \\(pid ([0-9]+)\\)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, line)) << r.err;
  EXPECT_TRUE(gone_within(static_cast<pid_t>(std::stoi(m[1])), std::chrono::seconds(5)));
  // The AOF is in the data folder: what was acknowledged is durable.
  EXPECT_TRUE(fs::exists(dir_ + "/data/appendonlydir") ||
              fs::exists(dir_ + "/data/appendonly.aof"));
}

// SIGTERM while a long feed is enqueued: the feed stops after the chunk in progress, the node
// drains what it took and exits 0, and the rest of the file is not enqueued.
TEST_F(run_test, a_signal_during_a_long_feed_stops_the_feed_and_the_node_drains) {
  std::ifstream samples(examples + "/sample-orders.jsonl");
  std::string first_line;
  std::getline(samples, first_line);
  const nlohmann::json sample = nlohmann::json::parse(first_line);
  const int total = 5000;  // 10 chunks of 500
  const std::string orders = dir_ + "/many-orders.jsonl";
  {
    std::ofstream out(orders);
    for (int i = 1; i <= total; ++i) {
      nlohmann::json order = sample;
      order["code"] = "FEED" + std::to_string(10000 + i);
      out << order.dump() << "\n";
    }
  }
  std::vector<std::string> args = run_args(false);
  args[std::find(args.begin(), args.end(), "--feed") - args.begin() + 1] = orders;
  spawn(args);
  // The embedded redis-server's line comes after the node blocked its stop signals, and before
  // the file is checked and enqueued.
  ASSERT_GT(redis_pid(), 0) << file("stderr");
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(std::chrono::seconds(120)), 0) << file("stderr");

  const std::regex stopped("feed stopped by a signal after ([0-9]+) of 5000 orders; the rest of " +
                           orders + " is not enqueued");
  std::smatch m;
  const std::string err = file("stderr");
  ASSERT_TRUE(std::regex_search(err, m, stopped)) << err;
  const int fed = std::stoi(m[1]);
  EXPECT_GE(fed, 500);
  EXPECT_LT(fed, total);
  const std::regex summary("orders synced ([0-9]+),");
  const std::string out = file("stdout");
  ASSERT_TRUE(std::regex_search(out, m, summary)) << out;
  EXPECT_LE(std::stoi(m[1]), fed);
}

TEST_F(run_test, sigterm_drains_exits_zero_and_stops_the_embedded_redis) {
  spawn(run_args(false));
  const pid_t redis = redis_pid();
  ASSERT_GT(redis, 0) << file("stderr");
  // Let the node start serving, then ask it to stop.
  for (int i = 0; i < 500 && file("stderr").find("running") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Its heartbeat shows it alive to the CLI (bounded wait for the first beat).
  const std::string redis_url = "unix://" + dir_ + "/data/redis.sock";
  bool alive = false;
  for (int i = 0; i < 100 && !alive; ++i) {
    auto nodes = run_tixsync({"jobs", "--nodes", "--json", "--redis", redis_url});
    auto doc = nlohmann::json::parse(nodes.out, nullptr, false);
    alive = nodes.exit_code == 0 && doc.is_object() && doc["nodes"].size() == 1 &&
            doc["nodes"][0]["alive"] == true;
    if (!alive) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(alive);
  kill(child_, SIGTERM);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
  EXPECT_TRUE(gone_within(redis, std::chrono::seconds(5)));
}

TEST_F(run_test, sigkill_of_the_node_leaves_no_redis_server_behind) {
  spawn(run_args(false));
  const pid_t redis = redis_pid();
  ASSERT_GT(redis, 0) << file("stderr");
  kill(child_, SIGKILL);
  wait_child();
  EXPECT_TRUE(gone_within(redis, std::chrono::seconds(10)));
}

TEST_F(run_test, refuses_an_invalid_config_with_its_location) {
  const std::string config = dir_ + "/bad.toml";
  std::ofstream(config) << "[node]\nconcurency = 4\n";
  auto r = run_tixsync({"run", "--config", config, "--data-dir", dir_ + "/data"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.toml:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("concurency"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/data")) << "nothing is started for an invalid config";
}

TEST_F(run_test, refuses_a_rest_provider_without_its_settings_and_starts_nothing) {
  const std::string config = dir_ + "/rest.toml";
  std::ofstream(config) << "[[providers]]\nid = \"crm\"\ntype = \"rest\"\nmappings = \"" << examples
                        << "/mappings.json\"\n";
  auto r = run_tixsync({"run", "--config", config, "--data-dir", dir_ + "/data"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("rest.toml:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("providers[0]"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ + "/data")) << "nothing may start for a refused config";
}

}  // namespace
}  // namespace tixsync::testing
