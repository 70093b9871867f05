// Runs the embedded Lua scripts (persistence/scripts/*.lua) with EVALSHA, loading a script and
// retrying once when Redis answers NOSCRIPT (first use, Redis restart, SCRIPT FLUSH). Supports
// pipelines of script calls so batches cost one round trip.
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

/// Runs scripts over a connection it does not own.
class script_runner {
 public:
  explicit script_runner(redis_connection& connection) : connection_(connection) {}

  /// Runs one script. An error reply from the script becomes server_error.
  status_or<redis_value> run(const script_call& call);
  /// Runs several calls in one pipeline; calls answered NOSCRIPT are loaded and rerun (in their
  /// order) once. The results keep the order of `calls`; error replies become server_error.
  status_or<std::vector<redis_value>> run_many(const std::vector<script_call>& calls);
  /// Loads every embedded script (SCRIPT LOAD); optional warm-up.
  status load_all();

  redis_connection& connection() { return connection_; }

 private:
  status load(const detail::embedded_script& script);
  redis_connection& connection_;
};

}  // namespace tixsync::persistence
