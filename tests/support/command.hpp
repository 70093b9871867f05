// Runs a program (usually build/tixsync) as a child process for a test and captures its exit
// code, stdout and stderr. Bounded in time: a child that outlives the timeout is killed by PID.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace tixsync::testing {

struct command_result {
  int exit_code = -1;  ///< -1 when killed by a signal or by the timeout
  std::string out;
  std::string err;
};

/// Runs `argv[0]` with the arguments; `stdin_text` is fed to its standard input.
command_result run_command(const std::vector<std::string>& argv, const std::string& stdin_text = "",
                           std::chrono::seconds timeout = std::chrono::seconds(60));

/// Runs build/tixsync with the arguments.
command_result run_tixsync(const std::vector<std::string>& args, const std::string& stdin_text = "");

}  // namespace tixsync::testing
