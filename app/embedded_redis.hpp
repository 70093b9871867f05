// The embedded default of `tixsync run`: when the config names no Redis, the node starts its own
// redis-server as a child process (unix socket, AOF with appendfsync always, in a data folder)
// and stops it on exit. The child gets SIGTERM if the node dies, so no redis-server is orphaned.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>

namespace tixsync::app {

class embedded_redis {
 public:
  /// Starts redis-server with its data and socket in `data_dir` (created if missing) and waits
  /// until it answers PING. Throws command_error(exit_unavailable) when it cannot.
  explicit embedded_redis(const std::string& data_dir);
  /// Stops the server (SIGTERM, then SIGKILL after a bounded wait).
  ~embedded_redis();
  embedded_redis(const embedded_redis&) = delete;
  embedded_redis& operator=(const embedded_redis&) = delete;

  const std::string& socket_path() const { return socket_; }
  pid_t pid() const { return pid_; }
  void stop();

 private:
  std::string data_dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace tixsync::app
