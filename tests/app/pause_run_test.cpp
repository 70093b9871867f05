// Pausing a provider by hand with whole nodes: a pause set with `tixsync pause` before the node
// starts holds its orders (due, no attempts used) while another provider keeps syncing; the
// overview, `tixsync jobs` and the metrics show it; `POST .../resume` lets them sync. Unknown
// providers are refused by the CLI (exit 4) and the API (404) without changing anything.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

class pause_run_test : public node_child_test {
 protected:
  std::string write_config() {
    // The CLI commands read the same config, so they need the token variable too.
    setenv("PAUSE_TOKEN", "pause-token", 1);
    const std::string path = dir_ + "/tixsync.toml";
    std::ofstream out(path);
    out << "[redis]\nurl = \"redis://127.0.0.1:" << redis_.port() << "/0\"\n"
        << "[node]\nname = \"pause-node\"\n"
        << "[http]\nport = 0\napi_token_env = \"PAUSE_TOKEN\"\n";
    for (const char* id : {"crm", "mail"}) {
      out << "[[providers]]\nid = \"" << id << "\"\ntype = \"example\"\nmappings = \"" << examples
          << "/mappings.json\"\n";
    }
    return path;
  }

  nlohmann::json get(int port, const std::string& path) {
    return nlohmann::json::parse(fetch("GET", port, path, "", auth_).body, nullptr, false);
  }

  int total(int port, const std::string& provider) {
    auto counts = get(port, "/api/v1/jobs/counts?provider=" + provider);
    return counts.is_object() ? counts["total"].get<int>() : -1;
  }

  redis_server redis_;
  const http_headers auth_{{"Authorization", "Bearer pause-token"}};
};

TEST_F(pause_run_test, paused_orders_wait_without_attempts_and_sync_after_resume) {
  const std::string config = write_config();
  auto paused =
      run_tixsync({"pause", "--config", config, "--provider", "crm", "--reason", "CRM upgrade"});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  spawn({TIXSYNC_BINARY, "run", "--config", config}, {{"PAUSE_TOKEN", "pause-token"}});
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  ASSERT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }));
  ASSERT_EQ(
      fetch("POST", port, "/api/v1/events/nordlicht/ndd25", read_test_data("event.json"), auth_)
          .status,
      200);
  const auto lines = read_test_data_lines("orders.jsonl");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(fetch("POST", port, "/api/v1/events/nordlicht/ndd25/orders", lines[i], auth_).status,
              202);
  }
  // mail syncs everything while crm's orders wait, due and with no attempt used.
  ASSERT_TRUE(eventually([&] { return total(port, "mail") == 0; })) << file("stderr");
  auto due = get(port, "/api/v1/jobs?provider=crm&state=due");
  ASSERT_EQ(due["total"], 3) << due.dump();
  for (const auto& item : due["items"]) EXPECT_EQ(item["attempts"], 0);

  auto overview = get(port, "/api/v1/overview");
  EXPECT_EQ(overview["providers"][0]["paused"]["reason"], "CRM upgrade") << overview.dump();
  EXPECT_EQ(overview["providers"][0]["paused"]["who"], "cli");
  EXPECT_TRUE(overview["providers"][1]["paused"].is_null());
  const std::string metrics = fetch("GET", port, "/metrics", "", auth_).body;
  EXPECT_NE(metrics.find("tixsync_provider_paused{provider=\"crm\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("tixsync_provider_paused{provider=\"mail\"} 0"), std::string::npos);
  auto jobs = run_tixsync({"jobs", "--config", config, "--provider", "crm"});
  EXPECT_NE(jobs.out.find("PAUSED since"), std::string::npos) << jobs.out;
  EXPECT_NE(jobs.out.find("CRM upgrade"), std::string::npos) << jobs.out;

  auto resumed = fetch("POST", port, "/api/v1/providers/crm/resume", "", auth_);
  ASSERT_EQ(resumed.status, 200) << resumed.body;
  EXPECT_TRUE(eventually([&] { return total(port, "crm") == 0; })) << file("stderr");
  EXPECT_TRUE(get(port, "/api/v1/overview")["providers"][0]["paused"].is_null());
  // The API pauses too, and a second node process (the CLI) sees it.
  auto again = fetch("POST", port, "/api/v1/providers/crm/pause", R"({"reason": "again"})", auth_);
  ASSERT_EQ(again.status, 200) << again.body;
  auto json = nlohmann::json::parse(
      run_tixsync({"jobs", "--config", config, "--provider", "crm", "--json"}).out, nullptr, false);
  EXPECT_EQ(json["paused"]["reason"], "again") << json.dump();
  EXPECT_EQ(json["paused"]["who"], "api");
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

TEST_F(pause_run_test, unknown_providers_and_bad_input_change_nothing) {
  const std::string config = write_config();
  auto cli = run_tixsync({"pause", "--config", config, "--provider", "crn"});
  EXPECT_EQ(cli.exit_code, 4) << cli.err;
  EXPECT_NE(cli.err.find("provider 'crn' is not in"), std::string::npos) << cli.err;
  const std::string url = "redis://127.0.0.1:" + std::to_string(redis_.port()) + "/0";
  auto bare = run_tixsync({"resume", "--redis", url, "--provider", "crm"});
  EXPECT_EQ(bare.exit_code, 4) << bare.err;  // Redis has never seen crm: no queue key
  auto long_reason = run_tixsync(
      {"pause", "--config", config, "--provider", "crm", "--reason", std::string(300, 'x')});
  EXPECT_EQ(long_reason.exit_code, 1) << long_reason.err;
  EXPECT_NE(long_reason.err.find("reason: longer than 200 bytes"), std::string::npos);

  spawn({TIXSYNC_BINARY, "run", "--config", config}, {{"PAUSE_TOKEN", "pause-token"}});
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  ASSERT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }));
  auto unknown = fetch("POST", port, "/api/v1/providers/crn/pause", "", auth_);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.body.find("provider 'crn' is not configured"), std::string::npos);
  EXPECT_EQ(fetch("POST", port, "/api/v1/providers/crm/pause", "", {}).status, 401);
  EXPECT_EQ(fetch("POST", port, "/api/v1/providers/crm/pause", R"({"reason": 5})", auth_).status,
            400);
  EXPECT_EQ(fetch("POST", port, "/api/v1/providers/crm/pause", "[1]", auth_).status, 400);
  auto overview = get(port, "/api/v1/overview");
  for (const auto& p : overview["providers"]) EXPECT_TRUE(p["paused"].is_null()) << p.dump();
  auto keys = run_command(
      {"redis-cli", "-p", std::to_string(redis_.port()), "--scan", "--pattern", "*paused*"});
  EXPECT_EQ(keys.out, "") << keys.out;
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

}  // namespace
}  // namespace tixsync::testing
