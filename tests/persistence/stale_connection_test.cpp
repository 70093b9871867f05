// Stale connections against a real redis-server with `timeout 1`: a connection Redis closed while
// idle (over TCP and over the unix socket) or dropped by a restart is replaced before the next
// command; a read-only command whose connection is lost after it was sent is resent once, a write
// is not (it may have run).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <thread>

#include "persistence/redis_connection.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::persistence::testing {
namespace {

using namespace std::chrono_literals;
using tixsync::testing::eventually;
using tixsync::testing::redis_server;
using tixsync::testing::redis_server_options;

class stale_connection_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_server_options o;
    o.extra_args = {"--timeout", "1"};  // Redis closes clients idle for more than a second
    server_ = std::make_unique<redis_server>(o);
  }
  static void TearDownTestSuite() { server_.reset(); }

  void SetUp() override {
    if (!server_->running()) server_->start();
    ASSERT_TRUE(redis_connection(tcp()).command({"FLUSHALL"}).ok());
  }

  static connection_options tcp() {
    connection_options o;
    o.host = server_->host();
    o.port = server_->port();
    return o;
  }
  static connection_options unix_socket() {
    connection_options o;
    o.unix_socket = server_->unix_socket();
    return o;
  }

  /// Waits (bounded) until Redis has closed every idle client: the only one left is the fresh
  /// connection that asks.
  static bool idle_clients_closed() {
    return eventually(
        [] {
          auto info = redis_connection(tcp()).command({"INFO", "clients"});
          return info.ok() && info->str.find("connected_clients:1\r\n") != std::string::npos;
        },
        10s, 100ms);
  }

  /// Runs `call` on another thread while Redis is stopped (SIGSTOP), so its command is sent but
  /// not answered, and meanwhile kills and restarts Redis: the connection is lost in flight.
  /// Redis is restarted from the test's own thread: its parent-death signal follows the thread
  /// that started it.
  template <class F>
  static auto lost_in_flight(F call) {
    EXPECT_EQ(::kill(server_->pid(), SIGSTOP), 0);
    decltype(call()) result = status(persistence_errc::invalid_argument, "not run");
    std::thread caller([&] { result = call(); });
    std::this_thread::sleep_for(1s);  // the command is on its way by then
    server_->kill();
    server_->start();
    caller.join();
    return result;
  }

  /// Options that outlast the restart: a 5 s answer bound, reconnects for several seconds.
  static connection_options patient(connection_options o) {
    o.command_timeout = 5s;
    o.connect_attempts = 40;
    o.initial_backoff = 50ms;
    o.max_backoff = 200ms;
    return o;
  }

  static std::unique_ptr<redis_server> server_;
};

std::unique_ptr<redis_server> stale_connection_test::server_;

TEST_F(stale_connection_test, tcp_connection_closed_by_redis_timeout_is_replaced_before_use) {
  redis_connection c(tcp());
  ASSERT_TRUE(c.command({"SET", "k", "v"}).ok());
  ASSERT_TRUE(idle_clients_closed());
  auto incr = c.command({"INCR", "n"});  // a write: it succeeds without being resent
  ASSERT_TRUE(incr.ok()) << incr.error().to_string();
  EXPECT_EQ(incr->integer, 1);
  EXPECT_EQ(c.connects(), 2u);
  EXPECT_EQ(c.resent(), 0u);
}

TEST_F(stale_connection_test, unix_socket_closed_by_redis_timeout_is_replaced_before_use) {
  redis_connection c(unix_socket());
  ASSERT_TRUE(c.command({"SET", "k", "v"}).ok());
  ASSERT_TRUE(idle_clients_closed());
  auto get = c.command({"GET", "k"});
  ASSERT_TRUE(get.ok()) << get.error().to_string();
  EXPECT_EQ(get->str, "v");
  auto pipeline = c.pipeline({{"INCR", "n"}, {"INCR", "n"}});
  ASSERT_TRUE(pipeline.ok()) << pipeline.error().to_string();
  EXPECT_EQ((*pipeline)[1].integer, 2);
  EXPECT_EQ(c.connects(), 2u);
}

TEST_F(stale_connection_test, redis_restarted_on_the_same_port_the_next_command_succeeds) {
  redis_connection c(tcp());
  ASSERT_TRUE(c.command({"SET", "durable", "yes"}).ok());
  server_->restart();
  auto incr = c.command({"INCR", "n"});
  ASSERT_TRUE(incr.ok()) << incr.error().to_string();
  auto get = c.command({"GET", "durable"});
  ASSERT_TRUE(get.ok()) << get.error().to_string();
  EXPECT_EQ(get->str, "yes");  // AOF with appendfsync always
  EXPECT_EQ(c.connects(), 2u);
}

TEST_F(stale_connection_test, read_only_command_lost_in_flight_is_resent_once) {
  redis_connection c(patient(tcp()));
  ASSERT_TRUE(c.command({"SET", "k", "v"}).ok());
  auto get = lost_in_flight([&] { return c.command({"GET", "k"}); });
  ASSERT_TRUE(get.ok()) << get.error().to_string();
  EXPECT_EQ(get->str, "v");
  EXPECT_EQ(c.resent(), 1u);
  EXPECT_EQ(c.connects(), 2u);
}

TEST_F(stale_connection_test, write_lost_in_flight_is_not_resent) {
  redis_connection c(patient(tcp()));
  ASSERT_TRUE(c.command({"SET", "k", "v"}).ok());
  auto incr = lost_in_flight([&] { return c.command({"INCR", "n"}); });
  ASSERT_FALSE(incr.ok());
  EXPECT_EQ(incr.code(), persistence_errc::connection_lost) << incr.error().to_string();
  EXPECT_EQ(c.resent(), 0u);
  auto n = c.command({"GET", "n"});  // the next call reconnects; the INCR never ran
  ASSERT_TRUE(n.ok()) << n.error().to_string();
  EXPECT_TRUE(n->is_nil());
}

TEST(redis_connection_read_only, knows_which_commands_only_read) {
  EXPECT_TRUE(redis_connection::is_read_only({"PING"}));
  EXPECT_TRUE(redis_connection::is_read_only({"hgetall", "k"}));
  EXPECT_TRUE(redis_connection::is_read_only({"SCRIPT", "exists", "abc"}));
  EXPECT_FALSE(redis_connection::is_read_only({"SCRIPT", "FLUSH"}));
  EXPECT_FALSE(redis_connection::is_read_only({"INCR", "n"}));
  EXPECT_FALSE(redis_connection::is_read_only({"EVALSHA", "abc", "0"}));
  EXPECT_FALSE(redis_connection::is_read_only({}));
}

}  // namespace
}  // namespace tixsync::persistence::testing
