// The embedded default of `tixsync run`: when the config names no Redis, the node starts its own
// redis-server as a child process (unix socket, AOF with appendfsync always, in a data folder
// only its owner can read) and stops it on exit. The child gets SIGTERM if the node dies, so no
// redis-server is orphaned; when the child exits while the node runs, it is restarted (bounded).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>

namespace tixsync::app {

class embedded_redis {
 public:
  /// Restarts allowed within `restart_window`; one more exit in that time stops the node.
  static constexpr int max_restarts = 3;
  static constexpr std::chrono::minutes restart_window{10};

  /// Creates `data_dir` for its owner only (0700; an existing folder and its files lose group
  /// and other access), starts redis-server there under umask 077 and waits until it answers
  /// PING. Throws command_error (exit_bad_input: the folder; exit_unavailable: the server).
  explicit embedded_redis(const std::string& data_dir);
  /// Stops the server (SIGTERM, then SIGKILL after a bounded wait).
  ~embedded_redis();
  embedded_redis(const embedded_redis&) = delete;
  embedded_redis& operator=(const embedded_redis&) = delete;

  const std::string& socket_path() const { return socket_; }
  pid_t pid() const { return pid_; }
  void stop();

  /// Called regularly while the node runs (never blocks while the server runs). When the server
  /// has exited, says through `log` how (exit status or signal) and starts it again, at most
  /// `max_restarts` times within `restart_window`. False when it gave up (one exit too many,
  /// or the new server did not answer): the node must stop; `log` has said why.
  bool keep_alive(const std::function<void(const std::string&)>& log);

 private:
  void spawn();
  void wait_ready();
  /// How the server ended ("was killed by signal 9 (Killed)"), reaped; nullopt while it runs.
  std::optional<std::string> exited();

  std::string data_dir_;
  std::string socket_;
  std::string binary_;
  pid_t pid_ = -1;
  std::deque<std::chrono::steady_clock::time_point> restarts_;
};

}  // namespace tixsync::app
