// `tixsync mock-crm` as a child process for end-to-end tests: started on a free port with its
// token and webhook secret from the environment (CRM_TOKEN, HOOK_SECRET), its port read from the
// first line it prints, stopped by PID (by the test, or when the test ends).
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_fetch.hpp"

namespace tixsync::testing {

/// `tixsync mock-crm --port 0 --token-env CRM_TOKEN --hook-secret-env HOOK_SECRET` as a child
/// (it refuses webhook deliveries whose signature it cannot verify); its port read from the first
/// line of its stdout. Stopped by PID (SIGTERM, then SIGKILL) when the test ends.
class mock_crm_child {
 public:
  mock_crm_child()
      : mock_crm_child(
            {"--port", "0", "--token-env", "CRM_TOKEN", "--hook-secret-env", "HOOK_SECRET"}) {}
  /// `tixsync mock-crm ARGS...` (ARGS must include --port 0).
  explicit mock_crm_child(const std::vector<std::string>& args) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      std::vector<std::string> argv{TIXSYNC_BINARY, "mock-crm"};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execv(raw[0], raw.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    const std::string line = first_line();
    const std::string prefix = "mock-crm listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) == 0) port_ = std::stoi(line.substr(prefix.size()));
  }
  ~mock_crm_child() {
    if (pid_ > 0 && terminate() == -1 && pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
  }
  mock_crm_child(const mock_crm_child&) = delete;
  mock_crm_child& operator=(const mock_crm_child&) = delete;

  /// Sends SIGTERM and waits at most 10 s: the exit code, -1 when it did not exit normally (a
  /// signal, or still running: then the destructor kills it).
  int terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 1000; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  /// 0 when the mock did not say where it listens.
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  nlohmann::json get(const std::string& target) const {
    const auto r = fetch("GET", port_, target);
    return nlohmann::json::parse(r.body, nullptr, false);
  }

 private:
  std::string first_line() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    char c = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      if (read(out_, &c, 1) != 1 || c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

}  // namespace tixsync::testing
