// A loopback TCP server that answers every connection with the same bytes (an HTTP 400, say) and
// keeps what it received: a service at an address where a client expects another one (a Redis
// URL pointing at a web server). Its thread is joined, and its socket closed, by the destructor.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace tixsync::testing {

class canned_server {
 public:
  /// Listens on a free 127.0.0.1 port; throws std::runtime_error when it cannot.
  explicit canned_server(std::string answer);
  ~canned_server();
  canned_server(const canned_server&) = delete;
  canned_server& operator=(const canned_server&) = delete;

  int port() const { return port_; }
  /// Everything the clients sent so far (their first read each).
  std::string received() const;

 private:
  void serve();

  std::string answer_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::string received_;
  std::thread thread_;
};

}  // namespace tixsync::testing
