// `tixsync run` with its HTTP listener: [http] port 0 picks a free port printed as "dashboard:
// http://...", the node answers /readyz, takes an event and orders through the API and syncs
// them, its heartbeat carries the address, a SIGTERM stops it with exit 0; a taken port in a
// configured [http] stops the node with exit 3.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

namespace fs = std::filesystem;
const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

class run_http_test : public node_child_test {
 protected:
  std::string write_config(int port) {
    const std::string path = dir_ + "/tixsync.toml";
    std::ofstream(path) << "[redis]\nurl = \"redis://127.0.0.1:" << redis_.port() << "/0\"\n"
                        << "[node]\nname = \"http-node\"\n"
                        << "[http]\nport = " << port << "\napi_token_env = \"RUN_HTTP_TOKEN\"\n"
                        << "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \""
                        << examples << "/mappings.json\"\n";
    return path;
  }

  void spawn_node(const std::string& config) {
    spawn({TIXSYNC_BINARY, "run", "--config", config}, {{"RUN_HTTP_TOKEN", "run-token"}});
  }

  std::string stderr_text() const { return file("stderr"); }

  redis_server redis_;
};

TEST_F(run_http_test, serves_the_api_on_a_free_port_and_stops_on_sigterm) {
  spawn_node(write_config(0));
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << stderr_text();
  ASSERT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }))
      << stderr_text();
  const http_headers auth{{"Authorization", "Bearer run-token"}};
  auto stored =
      fetch("POST", port, "/api/v1/events/nordlicht/ndd25", read_test_data("event.json"), auth);
  ASSERT_EQ(stored.status, 200) << stored.body;
  const auto lines = read_test_data_lines("orders.jsonl");
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(fetch("POST", port, "/api/v1/events/nordlicht/ndd25/orders", lines[i], auth).status,
              202);
  }
  EXPECT_TRUE(eventually([&] {
    auto counts = nlohmann::json::parse(fetch("GET", port, "/api/v1/jobs/counts?provider=crm", "", auth).body,
                                        nullptr, false);
    return counts.is_object() && counts["total"] == 0;
  }));
  auto found =
      nlohmann::json::parse(fetch("GET", port,
                                  "/api/v1/orders/nordlicht/ndd25/" +
                                      nlohmann::json::parse(lines[0])["code"].get<std::string>(),
                                  "", auth)
                                .body,
                            nullptr, false);
  ASSERT_TRUE(found.is_object());
  EXPECT_FALSE(found["providers"][0]["results"].empty());
  EXPECT_TRUE(eventually([&] {
    auto overview =
        nlohmann::json::parse(fetch("GET", port, "/api/v1/overview", "", auth).body, nullptr, false);
    if (!overview.is_object() || overview["nodes"].empty()) return false;
    return overview["nodes"][0]["http"] == "http://127.0.0.1:" + std::to_string(port);
  }));
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << stderr_text();
  EXPECT_NE(fetch("GET", port, "/healthz", "", {}, std::chrono::milliseconds(2000)).status, 200);
}

TEST_F(run_http_test, a_configured_port_that_is_taken_stops_the_node) {
  spawn_node(write_config(redis_.port()));  // taken by redis-server
  EXPECT_EQ(wait_child(), 3);
  EXPECT_NE(stderr_text().find("cannot serve HTTP"), std::string::npos) << stderr_text();
}

}  // namespace
}  // namespace tixsync::testing
