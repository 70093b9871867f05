// The hiredis connection: tcp and unix socket, pipelines, error replies as values, clear errors
// for an unreachable server, a timeout, a refused AUTH, a server that is not Redis, and
// reconnecting after a server restart.
#include "persistence/redis_connection.hpp"

#include <chrono>

#include "tests/persistence/redis_fixture.hpp"
#include "tests/support/canned_server.hpp"

namespace tixsync::persistence::testing {
namespace {

using namespace std::chrono_literals;
using tixsync::testing::redis_server;

class redis_connection_test : public redis_fixture {};

TEST_F(redis_connection_test, commands_and_pipelines_over_tcp) {
  auto set = connection().command({"SET", "k", std::string("v\0w", 3)});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->type, redis_value::kind::status);
  auto get = connection().command({"GET", "k"});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->str, std::string("v\0w", 3));  // binary safe
  auto replies = connection().pipeline({{"INCR", "n"},
                                        {"INCR", "n"},
                                        {"HGET", "k", "f"},
                                        {"GET", "missing"},
                                        {"LRANGE", "n", "0", "-1"}});
  ASSERT_TRUE(replies.ok());
  ASSERT_EQ(replies->size(), 5u);
  EXPECT_EQ((*replies)[1].integer, 2);
  EXPECT_TRUE((*replies)[2].is_error());  // WRONGTYPE is a value, not a failure
  EXPECT_TRUE((*replies)[3].is_nil());
  EXPECT_TRUE((*replies)[4].is_error());
  EXPECT_TRUE(connection().connected());
}

TEST_F(redis_connection_test, unix_socket) {
  connection_options o;
  o.unix_socket = server().unix_socket();
  redis_connection c(o);
  auto pong = c.command({"PING"});
  ASSERT_TRUE(pong.ok()) << pong.error().to_string();
  EXPECT_EQ(pong->str, "PONG");
}

TEST_F(redis_connection_test, unreachable_server_is_a_clear_bounded_error) {
  connection_options o;
  o.port = redis_server::free_port();  // nobody listens here
  o.connect_attempts = 3;
  o.initial_backoff = 20ms;
  redis_connection c(o);
  const auto start = std::chrono::steady_clock::now();
  auto r = c.command({"PING"});
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), persistence_errc::unreachable);
  EXPECT_NE(r.error().message().find("127.0.0.1:" + std::to_string(o.port)), std::string::npos);
  EXPECT_NE(r.error().message().find("3 attempts"), std::string::npos);
  EXPECT_LT(took, 2s);
  connection_options bad_socket;
  bad_socket.unix_socket = server().dir() + "/missing.sock";
  bad_socket.connect_attempts = 1;
  EXPECT_EQ(redis_connection(bad_socket).command({"PING"}).code(), persistence_errc::unreachable);
}

TEST_F(redis_connection_test, slow_command_times_out_and_the_next_call_reconnects) {
  connection_options o = options();
  o.command_timeout = 100ms;
  redis_connection c(o);
  ASSERT_TRUE(c.connect().ok());
  const auto start = std::chrono::steady_clock::now();
  auto r = c.command({"BLPOP", "never-filled", "2"});  // blocks for 2 s on the server
  EXPECT_EQ(r.code(), persistence_errc::timeout);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(c.connected());
  auto again = c.command({"PING"});
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(c.connects(), 2u);
}

TEST_F(redis_connection_test, wrong_password_is_auth_failed) {
  connection_options o = options();
  o.password = "wrong";
  redis_connection c(o);
  auto r = c.command({"PING"});
  EXPECT_EQ(r.code(), persistence_errc::auth_failed);
}

TEST_F(redis_connection_test, selects_the_configured_db) {
  connection_options o = options();
  o.db = 3;
  redis_connection c(o);
  ASSERT_TRUE(c.command({"SET", "in-db-3", "1"}).ok());
  EXPECT_TRUE(raw({"GET", "in-db-3"}).is_nil());
  EXPECT_EQ(raw({"SELECT", "3"}).str, "OK");
  EXPECT_EQ(raw({"GET", "in-db-3"}).str, "1");
}

TEST_F(redis_connection_test, reconnects_after_the_server_restarts) {
  ASSERT_TRUE(connection().command({"SET", "durable", "yes"}).ok());
  server().restart();
  // The old socket was closed by the server: it is noticed and replaced before sending.
  auto first = connection().command({"GET", "durable"});
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->str, "yes");  // AOF with appendfsync always
}

TEST_F(redis_connection_test, a_server_that_is_not_redis_is_named_and_never_gets_the_password) {
  tixsync::testing::canned_server web(
      "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  connection_options o;
  o.port = web.port();
  o.password = "not-for-a-web-server";
  redis_connection c(o);
  auto r = c.connect();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.code(), persistence_errc::not_redis);
  EXPECT_EQ(r.to_string(), "not a Redis server: 127.0.0.1:" + std::to_string(web.port()) +
                               " answered PING with 'HTTP/1.1 400 Bad Request'");
  EXPECT_EQ(web.received().find("not-for-a-web-server"), std::string::npos) << web.received();
  EXPECT_FALSE(c.connected());
}

TEST_F(redis_connection_test, empty_command_is_refused) {
  EXPECT_EQ(connection().command({}).code(), persistence_errc::invalid_argument);
}

}  // namespace
}  // namespace tixsync::persistence::testing
