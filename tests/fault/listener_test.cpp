// A running `tixsync run` node's HTTP listener against hostile clients and a tight open-file
// limit: a request smuggled behind a Transfer-Encoding the node cannot frame is never answered;
// a 401 names the Bearer scheme; the soft limit is raised to the hard one and the connection cap
// derived from it, so a flood of idle connections leaves the node ready; accepts that fail for
// want of descriptors are named as such and logged at most once per 10 s; a configured cap the
// limit cannot hold stops the node before it starts (exit 1).
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::testing {
namespace {

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";
const std::string prlimit = "/usr/bin/prlimit";  // util-linux

class listener_test : public node_child_test {
 protected:
  std::string write_config(const std::string& http_extra = "") {
    const std::string path = dir_ + "/tixsync.toml";
    std::ofstream(path) << "[redis]\nurl = \"redis://127.0.0.1:" << redis_.port() << "/0\"\n"
                        << "[node]\nname = \"listener-node\"\n"
                        << "[http]\nport = 0\napi_token_env = \"LISTENER_TOKEN\"\n"
                        << http_extra << "[[providers]]\nid = \"crm\"\ntype = \"example\"\n"
                        << "mappings = \"" << examples << "/mappings.json\"\n";
    return path;
  }

  /// Starts the node; with `nofile` ("SOFT:HARD") under that open-file limit.
  void spawn_node(const std::string& config, const std::string& nofile = "") {
    std::vector<std::string> argv;
    if (!nofile.empty()) argv = {prlimit, "--nofile=" + nofile, "--"};
    argv.insert(argv.end(), {TIXSYNC_BINARY, "run", "--config", config});
    spawn(argv, {{"LISTENER_TOKEN", "listener-token"}});
  }

  /// Starts the node and waits until it is ready; its port, or -1.
  int ready_node(const std::string& nofile = "") {
    spawn_node(write_config(), nofile);
    const int port = dashboard_port();
    if (port <= 0) return -1;
    if (!eventually([&] { return fetch("GET", port, "/readyz").status == 200; })) return -1;
    return port;
  }

  std::string log() const { return file("stderr"); }

  /// The node's soft and hard open-file limits, as /proc shows them ("" when unreadable).
  std::string open_file_limits() const {
    std::ifstream in("/proc/" + std::to_string(child_) + "/limits");
    const std::regex line("Max open files +([0-9]+) +([0-9]+)");
    for (std::string text; std::getline(in, text);) {
      std::smatch m;
      if (std::regex_search(text, m, line)) return m[1].str() + ":" + m[2].str();
    }
    return "";
  }

  std::size_t open_descriptors() const {
    const std::filesystem::path fds("/proc/" + std::to_string(child_) + "/fd");
    return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(fds),
                                                  std::filesystem::directory_iterator()));
  }

  redis_server redis_;
};

/// Opens up to `count` idle connections (fewer when connecting fails).
std::vector<std::unique_ptr<raw_connection>> flood(int port, int count) {
  std::vector<std::unique_ptr<raw_connection>> connections;
  for (int i = 0; i < count; ++i) {
    try {
      connections.push_back(std::make_unique<raw_connection>(port));
    } catch (const std::exception&) {
      break;
    }
  }
  return connections;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t count = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

TEST_F(listener_test, a_request_smuggled_behind_a_transfer_encoding_is_never_answered) {
  const int port = ready_node();
  ASSERT_GT(port, 0) << log();
  for (const std::string coding : {"gzip", "identity", "chunked, identity"}) {
    raw_connection raw(port);
    ASSERT_TRUE(
        raw.send("POST /api/v1/events/nordlicht/ndd25/orders HTTP/1.1\r\nHost: x\r\n"
                 "Authorization: Bearer listener-token\r\nTransfer-Encoding: " +
                 coding + "\r\n\r\nGET /api/v1/providers HTTP/1.1\r\nHost: x\r\n\r\n"));
    EXPECT_TRUE(raw.wait_closed(std::chrono::seconds(20))) << coding;
    EXPECT_EQ(raw.received().rfind("HTTP/1.1 400 ", 0), 0u) << raw.received();
    EXPECT_EQ(raw.received().find("\nHTTP/1."), std::string::npos) << raw.received();
    EXPECT_EQ(raw.received().find("\"providers\""), std::string::npos) << raw.received();
  }
  EXPECT_EQ(fetch("GET", port, "/readyz").status, 200);
}

TEST_F(listener_test, a_401_names_the_bearer_scheme) {
  const int port = ready_node();
  ASSERT_GT(port, 0) << log();
  const std::string body = R"({"provider":"crm","items":[]})";
  for (const http_headers& headers :
       {http_headers{}, http_headers{{"Authorization", "Bearer wrong"}},
        http_headers{{"Authorization", "Token listener-token"}}}) {
    auto r = fetch("POST", port, "/api/v1/jobs/retry", body, headers);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.header("WWW-Authenticate").value_or(""), "Bearer realm=\"tixsync\"");
  }
}

TEST_F(listener_test, a_flood_of_idle_connections_leaves_the_node_ready) {
  const int port = ready_node("200:320");
  ASSERT_GT(port, 0) << log();
  EXPECT_EQ(open_file_limits(), "320:320") << "the soft limit is raised to the hard one";
  http_test_connection before(port);
  ASSERT_EQ(before.request("GET", "/readyz").status, 200);

  auto idle = flood(port, 400);
  ASSERT_EQ(idle.size(), 400u);
  // Over the cap: a 503 at once (or, past the connections being refused, a close), not a wait.
  std::vector<bool> closed(idle.size(), false);
  std::size_t answered_503 = 0;
  std::size_t count = 0;
  ASSERT_TRUE(eventually([&] {
    count = 0;
    for (std::size_t i = 0; i < idle.size(); ++i) {
      if (!closed[i]) closed[i] = idle[i]->wait_closed(std::chrono::milliseconds(3));
      count += closed[i] ? 1 : 0;
    }
    return count >= 400 - 320 + 128;  // at least what the reserve keeps from the listener
  })) << count
      << " closed; node descriptors " << open_descriptors() << "\n"
      << log();
  for (const auto& c : idle) answered_503 += c->received().rfind("HTTP/1.1 503 ", 0) == 0;
  EXPECT_GT(answered_503, 0u);

  EXPECT_EQ(before.request("GET", "/readyz").status, 200) << log();
  idle.erase(idle.begin(), idle.begin() + 100);  // served ones: the node's cap has room again
  EXPECT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; })) << log();
  EXPECT_EQ(log().find("too many open files"), std::string::npos) << log();
}

TEST_F(listener_test, accepts_failing_for_want_of_descriptors_are_named_and_rate_limited) {
  const int port = ready_node();
  ASSERT_GT(port, 0) << log();
  http_test_connection before(port);
  ASSERT_EQ(before.request("GET", "/readyz").status, 200);
  // A limit just above what the node holds now: the flood runs it out of descriptors.
  const std::string limit = std::to_string(open_descriptors() + 8);
  const auto lowered =
      run_command({prlimit, "--pid", std::to_string(child_), "--nofile=" + limit + ":" + limit});
  ASSERT_EQ(lowered.exit_code, 0) << lowered.err;

  auto idle = flood(port, 100);
  const std::string line = "accept failed: too many open files (limit " + limit + ")";
  ASSERT_TRUE(eventually([&] { return log().find(line) != std::string::npos; })) << log();
  // Failed accepts repeat every 50 ms; the log names them once per 10 s.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(occurrences(log(), "accept failed"), 1u) << log();
  EXPECT_EQ(before.request("GET", "/readyz").status, 200) << log();

  idle.clear();
  EXPECT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; })) << log();
}

TEST_F(listener_test, a_connection_cap_the_open_file_limit_cannot_hold_stops_the_node) {
  spawn_node(write_config("max_connections = 5000\n"), "256:256");
  EXPECT_EQ(wait_child(), 1) << log();
  EXPECT_NE(log().find("[http] max_connections = 5000 is more than the open files allow: the "
                       "open-file limit 256 minus a reserve of "),
            std::string::npos)
      << log();
  EXPECT_EQ(log().find("dashboard:"), std::string::npos) << log();
}

}  // namespace
}  // namespace tixsync::testing
