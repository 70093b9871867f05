// node_child_test: the temporary folder, fork/exec with redirected output, and reaping by PID.
#include "tests/support/node_child.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace tixsync::testing {

void node_child_test::SetUp() {
  char name[] = "/tmp/tixsync-node-XXXXXX";
  ASSERT_NE(mkdtemp(name), nullptr);
  dir_ = name;
}

void node_child_test::TearDown() {
  if (child_ > 0) {
    kill(child_, SIGKILL);
    waitpid(child_, nullptr, 0);
    child_ = -1;
  }
  std::filesystem::remove_all(dir_);
}

void node_child_test::spawn(const std::vector<std::string>& argv,
                            const std::vector<std::pair<std::string, std::string>>& env) {
  child_ = fork();
  ASSERT_GE(child_, 0);
  if (child_ == 0) {
    FILE* err = std::freopen((dir_ + "/stderr").c_str(), "w", stderr);
    FILE* out = std::freopen((dir_ + "/stdout").c_str(), "w", stdout);
    (void)err;
    (void)out;
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
}

std::string node_child_test::file(const std::string& name) const {
  std::ifstream in(dir_ + "/" + name);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

int node_child_test::wait_child(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(child_, &status, WNOHANG) == child_) {
      child_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

int node_child_test::dashboard_port() const {
  const std::regex line("dashboard: http://127\\.0\\.0\\.1:([0-9]+)/");
  for (int i = 0; i < 1000; ++i) {
    std::smatch m;
    const std::string text = file("stderr");
    if (std::regex_search(text, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

}  // namespace tixsync::testing
