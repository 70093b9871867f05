// A real redis-server for tests and benchmarks: started on a free loopback port (and a unix
// socket) in a fresh temporary directory with AOF `appendfsync always`, stopped by PID.
// Reusable by every test that needs Redis (persistence, actors, e2e).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace tixsync::testing {

struct redis_server_options {
  std::vector<std::string> extra_args;             ///< more redis-server options
  /// When set: written to DIR/redis.conf before the first start and passed as the config file
  /// (a sentinel rewrites it; restarts keep what it wrote).
  std::string config_text;
  bool sentinel = false;  ///< run as a Redis Sentinel (`--sentinel`; needs config_text)
  std::chrono::milliseconds start_timeout{10000};  ///< until PING answers PONG
  std::chrono::milliseconds stop_timeout{10000};   ///< after SIGTERM, then SIGKILL
};

/// Owns one redis-server process and its directory. The constructor starts it (throws
/// std::runtime_error when it cannot); the destructor kills it (SIGKILL by PID) if still running
/// and removes the directory. stop()/start()/restart() keep directory, port and socket, so data
/// persisted in the AOF survives a restart.
class redis_server {
 public:
  explicit redis_server(redis_server_options options = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  /// Starts the server (no-op when running) and waits until it answers PING.
  void start();
  /// Graceful stop: SIGTERM, wait (bounded), SIGKILL if needed.
  void stop();
  /// Crash: SIGKILL by PID, then reap.
  void kill();
  /// stop() then start() on the same port and directory.
  void restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& host() const { return host_; }
  int port() const { return port_; }
  const std::string& unix_socket() const { return socket_; }
  const std::string& dir() const { return dir_; }

  /// The redis-server binary: from PATH, else /usr/bin; throws when missing.
  static std::string find_binary();
  /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0).
  static int free_port();
  /// True when PING over TCP answers +PONG within `timeout`.
  static bool ping(const std::string& host, int port, std::chrono::milliseconds timeout);

 private:
  void spawn();
  bool wait_ready();
  void reap(std::chrono::milliseconds timeout);

  redis_server_options options_;
  std::string binary_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  std::string dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace tixsync::testing
