// The subcommands of the tixsync program. Each command lives in its own <name>_command.cpp and
// registers itself on the CLI11 app; main.cpp only wires them up and maps errors to exit codes.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace tixsync::app {

/// Exit codes scripts can rely on.
enum exit_code : int {
  exit_ok = 0,
  exit_bad_input = 1,  ///< the input (a file, JSON, mappings) is wrong; nothing was changed
  exit_usage = 2,      ///< the command line is wrong
  exit_unavailable = 3,  ///< a service the command needs (Redis, ...) is not reachable
  exit_not_found = 4,    ///< the queue item (or other thing) named does not exist
  exit_refused = 5,      ///< refused in this state, e.g. cancel of an in-flight job
};

/// A failure a command reports to the user: printed as "tixsync: <message>" on stderr, exit `code`.
struct command_error : std::runtime_error {
  command_error(exit_code code, const std::string& message)
      : std::runtime_error(message), code(code) {}
  exit_code code;
};

/// A registered command sets `run` to what it does once the command line is parsed.
using command_action = std::function<void()>;

void register_fields_command(CLI::App& app, command_action& run);
void register_preview_command(CLI::App& app, command_action& run);
void register_check_config_command(CLI::App& app, command_action& run);
void register_enqueue_command(CLI::App& app, command_action& run);
void register_jobs_command(CLI::App& app, command_action& run);
/// `retry` and `cancel`: the same options and code, one verb each.
void register_manual_commands(CLI::App& app, command_action& run);
void register_explain_command(CLI::App& app, command_action& run);
/// `forget`: erases an order's data (a customer's erasure request).
void register_forget_command(CLI::App& app, command_action& run);
/// `pause` and `resume`: stop and restart the syncing of one provider, fleet-wide.
void register_pause_commands(CLI::App& app, command_action& run);
void register_resync_command(CLI::App& app, command_action& run);
void register_run_command(CLI::App& app, command_action& run);
/// `mock-crm`: the mock CRM server for demos, tests and benchmarks.
void register_mock_crm_command(CLI::App& app, command_action& run);

}  // namespace tixsync::app
