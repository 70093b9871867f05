// Child-process runner for tests: fork/exec with stdout and stderr captured in temporary files,
// a deadline enforced with waitpid polling, and a kill by PID when the deadline passes.
#include "tests/support/command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tixsync::testing {
namespace {

std::string temp_file_with(const std::string& content) {
  char name[] = "/tmp/tixsync-test-XXXXXX";
  int fd = mkstemp(name);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  if (!content.empty() && write(fd, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
    close(fd);
    throw std::runtime_error("write failed");
  }
  close(fd);
  return name;
}

std::string slurp_and_remove(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  std::remove(path.c_str());
  return buffer.str();
}

}  // namespace

command_result run_command(const std::vector<std::string>& argv, const std::string& stdin_text,
                           std::chrono::seconds timeout) {
  const std::string in_path = temp_file_with(stdin_text);
  const std::string out_path = temp_file_with("");
  const std::string err_path = temp_file_with("");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int in = open(in_path.c_str(), O_RDONLY);
    int out = open(out_path.c_str(), O_WRONLY | O_TRUNC);
    int err = open(err_path.c_str(), O_WRONLY | O_TRUNC);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  command_result result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.err = "[killed after timeout]\n";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  std::remove(in_path.c_str());
  result.out = slurp_and_remove(out_path);
  result.err += slurp_and_remove(err_path);
  return result;
}

command_result run_tixsync(const std::vector<std::string>& args, const std::string& stdin_text) {
  std::vector<std::string> argv{TIXSYNC_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, stdin_text);
}

}  // namespace tixsync::testing
