// Starts, watches, restarts and stops the embedded redis-server child of `tixsync run`, in a
// data folder only the node's user can read.
#include "app/embedded_redis.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
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

std::string mode_text(std::filesystem::perms p) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(p) & 07777u);
  return text;
}

/// Takes group and other access away from `path`; throws when the owner cannot.
void restrict_to_owner(const std::filesystem::path& path, bool report) {
  namespace fs = std::filesystem;
  const auto before = fs::status(path).permissions();
  const auto others = fs::perms::group_all | fs::perms::others_all;
  if ((before & others) == fs::perms::none) return;
  std::error_code ec;
  fs::permissions(path, others, fs::perm_options::remove, ec);
  if (ec) {
    throw command_error(exit_bad_input, path.string() + " is open to other users (mode " +
                                            mode_text(before) + ") and cannot be restricted to " +
                                            "its owner: " + ec.message());
  }
  if (report) {
    std::cerr << "warning: the data folder " << path.string() << " was open to other users (mode "
              << mode_text(before) << "); restricted it and its files to the owner\n";
  }
}

/// The data folder holds the AOF, i.e. every order snapshot (personal data): owner only. An
/// existing folder and what is in it (from an older release, or made by hand) are tightened.
void prepare_data_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (!existed) {
    fs::create_directories(dir, ec);
    if (!ec) fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      throw command_error(exit_bad_input,
                          "cannot create the data folder " + dir + ": " + ec.message());
    }
  }
  if (!fs::is_directory(dir, ec)) {
    throw command_error(exit_bad_input, "the data folder " + dir + " is not a folder");
  }
  restrict_to_owner(dir, existed);
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_symlink()) restrict_to_owner(it->path(), false);
  }
  if (ec)
    throw command_error(exit_bad_input, "cannot list the data folder " + dir + ": " + ec.message());
}

std::string describe_end(int status) {
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return "was killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

embedded_redis::embedded_redis(const std::string& data_dir)
    : data_dir_(std::filesystem::absolute(data_dir).string()) {
  prepare_data_dir(data_dir_);
  socket_ = data_dir_ + "/redis.sock";
  binary_ = find_redis_server();
  spawn();
  wait_ready();
}

void embedded_redis::spawn() {
  // clang-format off
  std::vector<std::string> args = {
      binary_, "--port", "0", "--unixsocket", socket_, "--unixsocketperm", "700",
      "--dir", data_dir_, "--appendonly", "yes", "--appendfsync", "always", "--save", "",
      "--daemonize", "no", "--logfile", data_dir_ + "/redis.log"};
  // clang-format on
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw command_error(exit_unavailable, "cannot start redis-server: fork failed");
  if (pid_ == 0) {
    // The node may block signals for its own handling and ignores SIGPIPE; the server gets
    // the defaults. Its AOF, RDB, log and socket are for the owner only.
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_UNBLOCK, &all, nullptr);
    signal(SIGPIPE, SIG_DFL);
    umask(077);
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // node killed -> server stops too
    if (getppid() != parent) _exit(1);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary_.c_str(), argv.data());
    _exit(127);
  }
}

void embedded_redis::wait_ready() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw command_error(exit_unavailable, "the embedded redis-server " + describe_end(status) +
                                                " at start; see " + data_dir_ + "/redis.log");
    }
    if (access(socket_.c_str(), F_OK) == 0 && answers_ping(socket_)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw command_error(exit_unavailable, "the embedded redis-server did not answer within 15 s");
}

std::optional<std::string> embedded_redis::exited() {
  int status = 0;
  if (pid_ <= 0 || waitpid(pid_, &status, WNOHANG) != pid_) return std::nullopt;
  pid_ = -1;
  return describe_end(status);
}

bool embedded_redis::keep_alive(const std::function<void(const std::string&)>& log) {
  const pid_t old_pid = pid_;
  const auto ended = exited();
  if (!ended) return true;
  const auto now = std::chrono::steady_clock::now();
  while (!restarts_.empty() && now - restarts_.front() > restart_window) restarts_.pop_front();
  const std::string what = "the embedded redis-server (pid " + std::to_string(old_pid) + ") " +
                           *ended + "; see " + data_dir_ + "/redis.log";
  if (static_cast<int>(restarts_.size()) >= max_restarts) {
    log(what + "; it was restarted " + std::to_string(max_restarts) + " times within " +
        std::to_string(restart_window.count()) + " min, so the node stops");
    return false;
  }
  log(what + "; restarting it");
  restarts_.push_back(now);
  try {
    spawn();
    wait_ready();
  } catch (const command_error& e) {
    log(std::string("the embedded redis-server could not be restarted, so the node stops: ") +
        e.what());
    return false;
  }
  log("embedded redis-server restarted (pid " + std::to_string(pid_) + ") at " + socket_);
  return true;
}

embedded_redis::~embedded_redis() {
  stop();
}

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
