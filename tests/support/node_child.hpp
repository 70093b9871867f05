// A test fixture for tests that run `tixsync` as a background child process: a temporary folder
// (removed afterwards) that receives the child's stdout and stderr, spawning with extra
// environment variables, reading those files, a bounded wait for the exit, and bounded polling
// (the port a `tixsync run` child serves on, a condition). A child still running at the end of a
// test is killed by PID.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/eventually.hpp"

namespace tixsync::testing {

class node_child_test : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Starts argv[0] with the arguments (and `env` added to the environment), stdout and stderr
  /// going to the files "stdout" and "stderr" of dir_.
  void spawn(const std::vector<std::string>& argv,
             const std::vector<std::pair<std::string, std::string>>& env = {});
  /// The content of a file in dir_ ("" when it does not exist).
  std::string file(const std::string& name) const;
  /// Waits (bounded) for the child to exit; its exit code, or -1 (killed by a signal, timeout).
  int wait_child(std::chrono::seconds limit = std::chrono::seconds(60));
  /// The port of the "dashboard: http://127.0.0.1:PORT/" line a `tixsync run` child writes to
  /// stderr, waiting up to 20 s for it; -1 when it did not come.
  int dashboard_port() const;

  std::string dir_;
  pid_t child_ = -1;
};

}  // namespace tixsync::testing
