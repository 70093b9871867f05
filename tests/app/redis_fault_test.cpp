// `tixsync run` and the queue CLI when Redis misbehaves: a Redis that closes idle clients (its
// `timeout`) over a unix socket or TCP leaves the node alive and ready; the embedded redis-server
// killed under a running node is logged and restarted, and one exit too many stops the node with
// exit 3; the embedded data folder and its files are its owner's only; a server at the Redis
// address that is not Redis (an HTTP port) is named and refused with exit 3.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/support/canned_server.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

/// What a web server answers a Redis client.
const std::string http_400 =
    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";

class redis_fault_test : public node_child_test {
 protected:
  /// A config with an [http] listener on a free port; `redis_url` empty: embedded Redis.
  std::string write_config(const std::string& redis_url) {
    const std::string path = dir_ + "/tixsync.toml";
    std::ofstream out(path);
    if (!redis_url.empty()) out << "[redis]\nurl = \"" << redis_url << "\"\n";
    out << "[node]\nname = \"fault-node\"\n"
        << "[http]\nport = 0\napi_token_env = \"FAULT_TOKEN\"\n"
        << "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \"" << examples
        << "/mappings.json\"\n";
    return path;
  }

  void spawn_node(const std::string& config) {
    spawn({TIXSYNC_BINARY, "run", "--config", config, "--data-dir", dir_ + "/data"},
          {{"FAULT_TOKEN", "fault-token"}});
  }

  /// True while the node runs; once it has ended, false (and reaped: wait_child() then is -1).
  bool node_alive() {
    int status = 0;
    if (child_ <= 0) return false;
    if (::waitpid(child_, &status, WNOHANG) == 0) return true;
    ADD_FAILURE() << "the node ended: "
                  << (WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                          : "exit " + std::to_string(WEXITSTATUS(status)))
                  << "\n"
                  << file("stderr");
    child_ = -1;
    return false;
  }

  /// The pid of the newest "embedded redis-server (pid N)" or "embedded redis-server restarted
  /// (pid N)" line, once there are `lines` of them (bounded wait); -1 when they did not come.
  pid_t embedded_pid(std::size_t lines) const {
    const std::regex line("(^|\n|\")embedded redis-server (restarted )?\\(pid ([0-9]+)\\)");
    pid_t pid = -1;
    std::size_t seen = 0;
    eventually(
        [&] {
          const std::string text = file("stderr");
          seen = 0;
          for (std::sregex_iterator it(text.begin(), text.end(), line), end; it != end; ++it) {
            ++seen;
            pid = static_cast<pid_t>(std::stoi((*it)[3]));
          }
          return seen >= lines;
        },
        30s, 20ms);
    return seen >= lines ? pid : -1;
  }

  /// stderr has `text` (bounded wait).
  bool logs(const std::string& text) const {
    return eventually([&] { return file("stderr").find(text) != std::string::npos; }, 30s, 20ms);
  }
};

// Redis closes idle clients after a second. A write to a unix socket whose peer has gone raises
// SIGPIPE, which would end the node without a word (exit 141) unless it is ignored.
TEST_F(redis_fault_test, redis_closing_idle_unix_socket_clients_leaves_the_node_ready) {
  redis_server_options o;
  o.extra_args = {"--timeout", "1"};
  redis_server redis(o);
  spawn_node(write_config("unix://" + redis.unix_socket()));
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  ASSERT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }))
      << file("stderr");
  std::this_thread::sleep_for(3s);  // more than `timeout`: Redis has closed the idle clients
  auto ready = fetch("GET", port, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body << ready.error << "\n" << file("stderr");
  ASSERT_TRUE(node_alive());
  ASSERT_EQ(::kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

// With `timeout` below the request interval every API request meets a connection Redis has
// closed; it is replaced, never answered with a 503 that makes a load balancer pull the node.
TEST_F(redis_fault_test, readyz_against_a_redis_that_closes_idle_clients_is_always_200) {
  redis_server_options o;
  o.extra_args = {"--timeout", "1"};
  redis_server redis(o);
  spawn_node(write_config("redis://127.0.0.1:" + std::to_string(redis.port()) + "/0"));
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  ASSERT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }))
      << file("stderr");
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(2500ms);
    auto ready = fetch("GET", port, "/readyz");
    EXPECT_EQ(ready.status, 200) << "request " << i << ": " << ready.body << ready.error;
  }
  // Redis down: /readyz says so as it is, not as a closed connection.
  redis.stop();
  auto down = fetch("GET", port, "/readyz");
  EXPECT_EQ(down.status, 503);
  const auto body = nlohmann::json::parse(down.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << down.body;
  EXPECT_EQ(body["redis"], "unreachable") << down.body;
  EXPECT_EQ(body["error"]["message"].get<std::string>().rfind(
                "Redis unreachable: cannot connect to Redis at 127.0.0.1:", 0),
            0u)
      << down.body;
  redis.start();
  ASSERT_TRUE(node_alive());
  ASSERT_EQ(::kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

TEST_F(redis_fault_test, embedded_redis_killed_is_logged_and_restarted) {
  spawn_node(write_config(""));
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  const pid_t first = embedded_pid(1);
  ASSERT_GT(first, 0) << file("stderr");
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  EXPECT_TRUE(
      logs("the embedded redis-server (pid " + std::to_string(first) + ") was killed by signal 9"))
      << file("stderr");
  const pid_t second = embedded_pid(2);
  ASSERT_GT(second, 0) << file("stderr");
  EXPECT_NE(second, first);
  EXPECT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }))
      << file("stderr");
  ASSERT_TRUE(node_alive());
  ASSERT_EQ(::kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

TEST_F(redis_fault_test, embedded_redis_exiting_once_too_often_stops_the_node_with_exit_3) {
  spawn_node(write_config(""));
  // The first kill must meet a running node: one killed while the node still connects is a
  // failed start (exit 3, "connecting to Redis"), not the restart this test counts.
  ASSERT_GT(dashboard_port(), 0) << file("stderr");
  for (std::size_t kills = 1; kills <= 4; ++kills) {
    const pid_t pid = embedded_pid(kills);
    ASSERT_GT(pid, 0) << file("stderr");
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    ASSERT_TRUE(logs("(pid " + std::to_string(pid) + ") was killed by signal 9")) << file("stderr");
  }
  EXPECT_EQ(wait_child(), 3) << file("stderr");  // not 141, not a silent end
  EXPECT_NE(file("stderr").find("restarted 3 times within 10 min, so the node stops"),
            std::string::npos)
      << file("stderr");
  EXPECT_NE(file("stderr").find("the embedded redis-server is gone"), std::string::npos);
}

TEST_F(redis_fault_test, embedded_data_folder_and_its_files_are_the_owners_only) {
  const mode_t old_mask = ::umask(022);  // a usual umask: files 0644, folders 0755
  const std::string data = dir_ + "/data";
  fs::create_directories(data);
  std::ofstream(data + "/older-release.aof") << "*1\r\n$4\r\nPING\r\n";
  ASSERT_EQ(fs::status(data).permissions() & fs::perms::others_read, fs::perms::others_read);
  auto r = run_tixsync({"run", "--config", examples + "/demo.toml", "--data-dir", data, "--feed",
                        examples + "/sample-orders.jsonl", "--feed-event",
                        examples + "/sample-event.json", "--exit-when-drained"});
  ::umask(old_mask);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("was open to other users (mode 0755)"), std::string::npos) << r.err;
  const auto others = fs::perms::group_all | fs::perms::others_all;
  EXPECT_EQ(fs::status(data).permissions() & others, fs::perms::none);
  std::size_t aof_files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data)) {
    struct stat st {};
    ASSERT_EQ(::lstat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 077, 0u) << entry.path() << " has mode " << std::oct << st.st_mode;
    if (entry.path().string().find("appendonly") != std::string::npos) ++aof_files;
  }
  EXPECT_GT(aof_files, 0u) << "the AOF is in the data folder";
}

TEST_F(redis_fault_test, jobs_against_an_http_port_exits_3_naming_what_answered) {
  canned_server web(http_400);
  auto r = run_tixsync({"jobs", "--provider", "crm", "--redis",
                        "redis://127.0.0.1:" + std::to_string(web.port()) + "/0"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("not a Redis server"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("answered PING with 'HTTP/1.1 400 Bad Request'"), std::string::npos)
      << r.err;
}

TEST_F(redis_fault_test, run_against_an_http_port_exits_3_naming_what_answered) {
  canned_server web(http_400);
  const std::string config = write_config("redis://127.0.0.1:" + std::to_string(web.port()) + "/0");
  spawn_node(config);
  command_result r;
  r.exit_code = wait_child();
  r.err = file("stderr");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("not a Redis server"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("answered PING with 'HTTP/1.1 400 Bad Request'"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("running"), std::string::npos) << "the node must not start: " << r.err;
}

}  // namespace
}  // namespace tixsync::testing
