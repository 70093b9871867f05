// The HTTP client against a server that accepts its connections slowly and holds only a few it has
// not accepted yet (a listen backlog of 100): a burst of 300 requests, each on its own connection,
// must not open more connections at once than such a server holds, or TCP drops the rest and
// retries them after a second, past the connect timeout.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "providers/http/http_client.hpp"
#include "tests/providers/http/completion_log.hpp"

namespace tixsync::providers::http {
namespace {

/// Accepts one connection every 2 ms (a busy server), reads a request and answers it with
/// "Connection: close". Stops after `connections` or when destroyed.
class slow_accepting_server {
 public:
  slow_accepting_server(int backlog, int connections) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, backlog) != 0) {
      ADD_FAILURE() << "cannot listen on loopback";
      return;
    }
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this, connections] { serve(connections); });
  }
  ~slow_accepting_server() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
  /// Requests read whole and answered.
  int answered() const { return answered_; }

 private:
  void serve(int connections) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!stop_ && answered_ < connections && std::chrono::steady_clock::now() < deadline) {
      pollfd ready{fd_, POLLIN, 0};
      if (::poll(&ready, 1, 50) <= 0) continue;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      const int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      answer(client);
      ::close(client);
    }
  }
  void answer(int client) {
    std::string request;
    char buffer[4096];
    for (int reads = 0; reads < 100 && request.find("\r\n\r\n") == std::string::npos; ++reads) {
      pollfd readable{client, POLLIN, 0};
      if (::poll(&readable, 1, 5000) <= 0) return;
      const auto n = ::recv(client, buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    // Counted before the answer goes out: the client may see it before send() returns here.
    ++answered_;
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

TEST(http_client_burst, a_burst_of_new_connections_stays_within_a_small_accept_queue) {
  constexpr int requests = 300;
  slow_accepting_server server(/*backlog=*/100, requests);
  client_options options;
  options.max_connections_per_host = requests;
  // Shorter than TCP's first retransmission of a dropped connection request (1 s).
  options.connect_timeout = std::chrono::milliseconds(800);
  options.total_timeout = std::chrono::seconds(30);
  http_client client(options);
  testing::completion_log log;
  for (int i = 0; i < requests; ++i) {
    client.send(testing::get(server.url()), log.callback(static_cast<std::size_t>(i)));
  }
  ASSERT_TRUE(log.wait_for(requests, std::chrono::seconds(60)));
  int ok = 0;
  std::string first_failure;
  for (const auto& result : log.results()) {
    if (result.ok()) {
      ++ok;
    } else if (first_failure.empty()) {
      first_failure = result.error ? result.error->message : "no response";
    }
  }
  EXPECT_EQ(ok, requests) << "first failure: " << first_failure;
  EXPECT_EQ(server.answered(), requests);
}

}  // namespace
}  // namespace tixsync::providers::http
