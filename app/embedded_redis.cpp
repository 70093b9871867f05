// Starts and stops the embedded redis-server child of `tixsync run`.
#include "app/embedded_redis.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "app/commands.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::app {
namespace {

/// The redis-server binary: from PATH, else /usr/bin.
std::string find_redis_server() {
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    std::size_t start = 0;
    while (start <= dirs.size()) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string candidate = dirs.substr(start, end - start) + "/redis-server";
      if (access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
  }
  if (access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  throw command_error(exit_unavailable,
                      "no redis-server found on PATH: install redis-server, or name a Redis "
                      "in the config's [redis] section");
}

bool answers_ping(const std::string& socket) {
  persistence::connection_options options;
  options.unix_socket = socket;
  options.connect_attempts = 1;
  options.connect_timeout = std::chrono::milliseconds(200);
  persistence::redis_connection connection(options);
  auto reply = connection.command({"PING"});
  return reply.ok() && reply->str == "PONG";
}

}  // namespace

embedded_redis::embedded_redis(const std::string& data_dir)
    : data_dir_(std::filesystem::absolute(data_dir).string()) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir_, ec);
  if (ec) {
    throw command_error(exit_bad_input, "cannot create the data folder " + data_dir_ + ": " +
                                            ec.message());
  }
  socket_ = data_dir_ + "/redis.sock";
  const std::string binary = find_redis_server();
  std::vector<std::string> args = {binary,          "--port",         "0",
                                   "--unixsocket",  socket_,          "--unixsocketperm",
                                   "700",           "--dir",          data_dir_,
                                   "--appendonly",  "yes",            "--appendfsync",
                                   "always",        "--save",         "",
                                   "--daemonize",   "no",             "--logfile",
                                   data_dir_ + "/redis.log"};
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw command_error(exit_unavailable, "cannot start redis-server: fork failed");
  if (pid_ == 0) {
    // The node may block signals for its own handling; the server must see them.
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // node killed -> server stops too
    if (getppid() != parent) _exit(1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw command_error(exit_unavailable, "the embedded redis-server exited at start; see " +
                                                data_dir_ + "/redis.log");
    }
    if (access(socket_.c_str(), F_OK) == 0 && answers_ping(socket_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw command_error(exit_unavailable, "the embedded redis-server did not answer within 15 s");
}

embedded_redis::~embedded_redis() { stop(); }

void embedded_redis::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_ = -1;
}

}  // namespace tixsync::app
