// One blocking connection to Redis over hiredis: RAII over redisContext/redisReply, commands built
// from argv, pipelining, bounded connect/command timeouts, a PING check of what answers, the
// master found through Redis Sentinel, and reconnect with backoff when the context died, Redis
// closed it or the master moved. Not thread-safe: one connection per worker thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "persistence/errors.hpp"

struct redisContext;

namespace tixsync::persistence {

/// A Redis Sentinel to ask where the master is.
struct sentinel_address {
  std::string host;
  int port = 26379;
};

/// Finding the master through Redis Sentinel, and confirming writes on replicas.
struct failover_options {
  /// Asked in order for `master_name`; empty: the connection's host/port/socket is the server.
  std::vector<sentinel_address> sentinels;
  std::string master_name;
  std::string sentinel_password;  ///< AUTH to the sentinels when non-empty
  /// How long (and how many tries) a call keeps looking for the master while a failover runs.
  std::chrono::milliseconds max_wait{20000};
  int max_attempts = 40;
  /// Replicas that must confirm an acknowledging write (WAIT; script_runner); 0: none asked.
  int min_replicas_acked = 0;
  std::chrono::milliseconds replica_ack_timeout{2000};
  /// Told when the master moves or is being looked for; may be empty. Must be thread-safe.
  std::function<void(const std::string&)> log;

  bool enabled() const { return !sentinels.empty(); }
};

/// Where and how to connect.
struct connection_options {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  ///< when set, used instead of host:port
  std::string username;     ///< ACL user: AUTH username password (with a password)
  std::string password;     ///< AUTH after connecting when non-empty
  int db = 0;               ///< SELECT after connecting when non-zero
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{2000};
  int connect_attempts = 3;                       ///< per call, before giving up (>= 1)
  std::chrono::milliseconds initial_backoff{50};  ///< sleep before the 2nd attempt, doubling
  std::chrono::milliseconds max_backoff{1000};
  /// Called after each successful round trip (one command or one whole pipeline) with its
  /// duration, for the Redis round-trip histogram; empty: not measured. Must be cheap and
  /// thread-safe (each connection calls it from its own thread).
  std::function<void(std::chrono::microseconds)> round_trip;
  /// Sentinels: host and port above are then those of the master last found.
  failover_options failover;

  /// "unix:<path>" or "<host>:<port>", for messages.
  std::string endpoint() const;
};

/// An owned copy of one Redis reply (a tree for arrays).
struct redis_value {
  enum class kind { nil, integer, string, status, error, array };
  kind type = kind::nil;
  std::int64_t integer = 0;
  std::string str;  ///< string, status and error replies
  std::vector<redis_value> elements;

  bool is_nil() const { return type == kind::nil; }
  bool is_error() const { return type == kind::error; }
  bool is_array() const { return type == kind::array; }
};

/// A connection that (re)connects lazily: the first command, or the first one after the context
/// died, connects with up to `connect_attempts` tries and exponential backoff. Each connect first
/// sends PING (before AUTH, so the password never goes to something else): a server whose answer
/// is not Redis's fails with not_redis, naming what it answered.
///
/// Before each command the connection checks, without blocking, whether Redis has closed the
/// socket meanwhile (its `timeout` setting, a restart) and then reconnects first. When a command
/// still fails on I/O on a connection that was open before the call (connection_lost), it is
/// resent once on a new connection only if repeating it is safe: every command of the call is
/// read-only (PING, GET, HGETALL, ...; see `is_read_only`), or no byte of it was sent. Otherwise
/// it is not resent (it may have run); the error says so and the next call reconnects. Writes go
/// out with MSG_NOSIGNAL, so a peer that has gone is an error, never a SIGPIPE.
///
/// With sentinels (failover_options), each connect asks them for the master's address and
/// checks with ROLE that the server is the master. While a failover runs (the master named is
/// down or not yet promoted) connecting is retried within failover_options::max_wait, unless
/// `connect_attempts` is 1 (a caller that must not block); when no sentinel answers it fails
/// after `connect_attempts`. A call whose every writing command was
/// answered READONLY or MASTERDOWN (the server was demoted) did nothing: the connection finds
/// the master again and resends it, a bounded number of times.
class redis_connection {
 public:
  explicit redis_connection(connection_options options);
  ~redis_connection();
  redis_connection(redis_connection&&) noexcept;
  redis_connection& operator=(redis_connection&&) noexcept;
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  /// Connects now if not connected (useful at start-up to fail fast).
  status connect();
  /// Closes the connection; the next command reconnects.
  void disconnect();
  bool connected() const;

  /// Runs one command. An error *reply* is returned as a value of kind error.
  status_or<redis_value> command(const std::vector<std::string>& argv);
  /// Sends all commands in one write and reads all replies (one round trip). Error replies are
  /// values; a connection failure fails the whole call.
  status_or<std::vector<redis_value>> pipeline(const std::vector<std::vector<std::string>>& cmds);

  const connection_options& options() const { return options_; }
  /// How many times a context was (re)established; for tests and metrics.
  std::uint64_t connects() const { return connects_; }
  /// How many commands were sent (each pipeline entry counts); for metrics and benchmarks.
  std::uint64_t commands_sent() const { return commands_sent_; }
  /// How many calls were resent after their connection was lost (see the class comment).
  std::uint64_t resent() const { return resent_; }

  /// Whether a command only reads (running it twice has no other effect than running it once).
  static bool is_read_only(const std::vector<std::string>& argv);
  /// Whether a reply says the server is no longer the master (READONLY, MASTERDOWN).
  static bool is_demoted_reply(const redis_value& reply);

 private:
  struct context_deleter {
    void operator()(redisContext* c) const;
  };
  status connect_once();
  status connect_server();
  status authenticate();
  status locate_master();
  status check_master_role();
  status probe_redis();
  status ensure_connected();
  void drop_if_closed_by_peer();
  /// The commands of one call, viewed in place (a command's argv is not copied): one command,
  /// or the commands of a pipeline.
  struct call_view {
    const std::vector<std::string>* first;
    std::size_t count;
    bool pipeline;
    const std::vector<std::string>* begin() const { return first; }
    const std::vector<std::string>* end() const { return first + count; }
    /// "Redis GET failed on", "Redis pipeline failed on": built only when a call failed.
    std::string doing() const;
  };
  status_or<std::vector<redis_value>> exchange(call_view call);
  status_or<std::vector<redis_value>> resend_to_master(call_view call,
                                                       status_or<std::vector<redis_value>> replies);
  static bool nothing_ran(call_view call, const std::vector<redis_value>& replies);
  void log(const std::string& message) const;
  status_or<std::vector<redis_value>> exchange_once(call_view call, bool& sent_any);
  status send_failed(const std::string& doing, int error);
  status fail(persistence_errc fallback, const std::string& doing);
  void observe_round_trip(std::chrono::steady_clock::time_point started) const;

  connection_options options_;
  std::unique_ptr<redisContext, context_deleter> ctx_;
  std::uint64_t connects_ = 0;
  std::uint64_t commands_sent_ = 0;
  std::uint64_t resent_ = 0;
  bool no_sentinel_answered_ = false;  ///< the last connect learnt no master address
  std::string master_at_;              ///< the master last found through the sentinels
};

/// Asks the sentinels of `options.failover` in order where the master is: "host:port" (as
/// host and port), or unreachable when none answers, not_found when none knows the master.
status_or<sentinel_address> find_master(const connection_options& options);

}  // namespace tixsync::persistence
