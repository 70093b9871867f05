// Entry point of the tixsync program: parses the command line with CLI11, runs the chosen
// subcommand and turns its errors into a message on stderr and a documented exit code.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.hpp"

int main(int argc, char** argv) {
  using namespace tixsync::app;
  // A write to a socket whose peer has gone (a Redis that closed an idle client or restarted, a
  // client that hung up) must be an EPIPE error the caller handles, not a signal that ends the
  // process without a word. Set before any thread starts, so every thread inherits it.
  signal(SIGPIPE, SIG_IGN);
  CLI::App app{
      "tixsync: pushes pretix orders into external systems (CRMs, mailing lists, webhooks)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tixsync ") + TIXSYNC_VERSION);

  command_action run;
  register_fields_command(app, run);
  register_preview_command(app, run);
  register_check_config_command(app, run);
  register_enqueue_command(app, run);
  register_jobs_command(app, run);
  register_manual_commands(app, run);
  register_explain_command(app, run);
  register_forget_command(app, run);
  register_pause_commands(app, run);
  register_resync_command(app, run);
  register_run_command(app, run);
  register_mock_crm_command(app, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return exit_usage;
  }

  try {
    if (run) run();
    return exit_ok;
  } catch (const command_error& e) {
    std::cerr << "tixsync: " << e.what() << "\n";
    return e.code;
  } catch (const std::exception& e) {
    std::cerr << "tixsync: internal error: " << e.what() << "\n";
    return exit_bad_input;
  }
}
