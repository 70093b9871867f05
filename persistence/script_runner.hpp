// Runs the embedded Lua scripts (persistence/scripts/*.lua) with EVALSHA, loading a script and
// retrying once when Redis answers NOSCRIPT (first use, Redis restart, SCRIPT FLUSH, a new master
// after a failover). Supports pipelines of script calls so batches cost one round trip; calls that
// acknowledge something are confirmed by replicas (WAIT) when the connection asks for it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/errors.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

namespace detail {
/// One script as embedded at build time: prelude + body, with its SHA1.
struct embedded_script {
  const char* name;  ///< the verb, e.g. "claim"
  int fixed_keys;    ///< the number in the file name: KEYS every call passes first
  const char* sha1;  ///< hex SHA1 of `source`
  const char* source;
};
extern const embedded_script embedded_scripts[];
extern const std::size_t embedded_script_count;
}  // namespace detail

/// The embedded script named `name`, or nullptr.
const detail::embedded_script* find_script(std::string_view name);

/// One script invocation.
struct script_call {
  std::string script;             ///< verb, e.g. "enqueue"
  std::vector<std::string> keys;  ///< at least the script's fixed keys
  std::vector<std::string> args;
};

/// Whether a script's effect is acknowledged to someone (an enqueue answered to pretix, a stored
/// sync outcome, a manual change): false for lease and token bookkeeping that is redone anyway.
bool acknowledges(std::string_view script);

/// Runs scripts over a connection it does not own. When the connection's
/// failover_options::min_replicas_acked is above 0, a pipeline with an acknowledging call ends
/// with WAIT: fewer confirming replicas within replica_ack_timeout fail the call (timeout) and
/// drop the connection, so that the next call asks the sentinels where the master is.
class script_runner {
 public:
  explicit script_runner(redis_connection& connection) : connection_(connection) {}

  /// Runs one script. An error reply from the script becomes server_error.
  status_or<redis_value> run(const script_call& call);
  /// Runs several calls in one pipeline; calls answered NOSCRIPT are loaded and rerun (in their
  /// order) once. The results keep the order of `calls`; error replies become server_error.
  status_or<std::vector<redis_value>> run_many(const std::vector<script_call>& calls);
  /// Runs plain write commands in one pipeline and confirms them as an acknowledging script is
  /// confirmed: ended by WAIT when the connection asks replicas to confirm. Error replies are
  /// returned as they came; too few confirming replicas fail the call (timeout).
  status_or<std::vector<redis_value>> run_acknowledged(std::vector<std::vector<std::string>> argvs);
  /// Loads every embedded script (SCRIPT LOAD); optional warm-up.
  status load_all();

  redis_connection& connection() { return connection_; }

 private:
  status load(const detail::embedded_script& script);
  /// The pipeline of `argvs`; when `confirmed`, ended by WAIT whose answer must say enough.
  status_or<std::vector<redis_value>> pipeline_confirmed(
      std::vector<std::vector<std::string>>& argvs, bool confirmed);
  status confirm(redis_value wait_reply);
  redis_connection& connection_;
};

}  // namespace tixsync::persistence
