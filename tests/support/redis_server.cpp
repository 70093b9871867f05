// Starting, waiting for, stopping and cleaning up a redis-server child process.
#include "tests/support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace tixsync::testing {
namespace fs = std::filesystem;
using steady = std::chrono::steady_clock;

namespace {

std::string make_temp_dir() {
  std::string base = fs::temp_directory_path().string();
  if (base.size() > 60) base = "/tmp";  // the unix socket path must stay short (< 108 bytes)
  std::string pattern = base + "/tixsync-redis-XXXXXX";
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed: " + pattern);
  return pattern;
}

int connect_loopback(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  timeval tv{0, 200 * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::string redis_server::find_binary() {
  if (const char* path = std::getenv("PATH")) {
    std::string dirs = path;
    for (std::size_t start = 0; start <= dirs.size();) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      fs::path candidate = fs::path(dirs.substr(start, end - start)) / "redis-server";
      if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      start = end + 1;
    }
  }
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  throw std::runtime_error("redis-server not found on PATH or in /usr/bin");
}

int redis_server::free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool redis_server::ping(const std::string& host, int port, std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  do {
    int fd = connect_loopback(host, port);
    if (fd >= 0) {
      char buffer[64] = {};
      bool pong = ::send(fd, "PING\r\n", 6, MSG_NOSIGNAL) == 6 &&
                  ::recv(fd, buffer, sizeof buffer - 1, 0) > 0 &&
                  std::strncmp(buffer, "+PONG", 5) == 0;
      ::close(fd);
      if (pong) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (steady::now() < deadline);
  return false;
}

redis_server::redis_server(redis_server_options options) : options_(std::move(options)) {
  binary_ = find_binary();
  dir_ = make_temp_dir();
  socket_ = dir_ + "/redis.sock";
  // Another process may take the port between free_port() and bind: try a few ports.
  for (int attempt = 0; attempt < 3 && !running(); ++attempt) {
    port_ = free_port();
    spawn();
    if (!wait_ready()) kill();
  }
  if (!running()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw std::runtime_error("redis-server did not start (see its log in a kept run)");
  }
}

redis_server::~redis_server() {
  if (running()) kill();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void redis_server::spawn() {
  std::vector<std::string> args = {binary_};
  if (!options_.config_text.empty()) {
    const std::string config = dir_ + "/redis.conf";
    if (!fs::exists(config)) std::ofstream(config) << options_.config_text;
    args.push_back(config);
    if (options_.sentinel) args.push_back("--sentinel");
  }
  args.insert(args.end(), {"--port",
                           std::to_string(port_),
                           "--bind",
                           host_,
                           "--dir",
                           dir_,
                           "--unixsocket",
                           socket_,
                           "--unixsocketperm",
                           "700",
                           "--appendonly",
                           "yes",
                           "--appendfsync",
                           "always",
                           "--save",
                           "",
                           "--daemonize",
                           "no",
                           "--logfile",
                           dir_ + "/redis.log"});
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (::getppid() != parent) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
}

bool redis_server::wait_ready() {
  const auto deadline = steady::now() + options_.start_timeout;
  while (steady::now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {  // exited: port taken or bad option
      pid_ = -1;
      return false;
    }
    if (ping(host_, port_, std::chrono::milliseconds(50))) return true;
  }
  return false;
}

void redis_server::reap(std::chrono::milliseconds timeout) {
  const auto deadline = steady::now() + timeout;
  while (steady::now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) return void(pid_ = -1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void redis_server::start() {
  if (running()) return;
  spawn();
  if (!wait_ready()) {
    if (running()) kill();
    throw std::runtime_error("redis-server did not restart on port " + std::to_string(port_));
  }
}

void redis_server::stop() {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  reap(options_.stop_timeout);
}

void redis_server::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  reap(options_.stop_timeout);
}

void redis_server::restart() {
  stop();
  start();
}

}  // namespace tixsync::testing
