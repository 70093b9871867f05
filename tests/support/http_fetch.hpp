// A small blocking HTTP/1.1 client for tests (Beast over loopback, every call bounded by a
// timeout): one-shot fetch(), a keep-alive connection for several requests, and a raw socket
// that sends arbitrary bytes (malformed requests, slow senders) and reads what comes back.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tixsync::testing {

using http_headers = std::vector<std::pair<std::string, std::string>>;

struct fetch_response {
  int status = 0;  ///< 0 when no response arrived; `error` says why
  http_headers headers;
  std::string body;
  std::string error;  ///< e.g. "connect: Connection refused", "read: end of stream", "timeout"

  /// The first header of this name (case-insensitive), or nullopt.
  std::optional<std::string> header(const std::string& name) const;
};

constexpr std::chrono::milliseconds default_fetch_timeout{10000};

/// One request on a new connection to 127.0.0.1:`port`; `target` is path and query. Never
/// throws for network trouble: the response says what happened.
fetch_response fetch(const std::string& method, int port, const std::string& target,
                     const std::string& body = "", const http_headers& headers = {},
                     std::chrono::milliseconds timeout = default_fetch_timeout);

/// The same with an URL "http://HOST:PORT/target" (HOST 127.0.0.1 or localhost).
fetch_response fetch(const std::string& method, const std::string& url,
                     const std::string& body = "", const http_headers& headers = {},
                     std::chrono::milliseconds timeout = default_fetch_timeout);

/// A keep-alive connection: several requests in a row over one socket.
class http_test_connection {
 public:
  /// Connects to 127.0.0.1:`port`; throws std::runtime_error when it cannot.
  explicit http_test_connection(int port,
                                std::chrono::milliseconds timeout = default_fetch_timeout);
  ~http_test_connection();
  http_test_connection(const http_test_connection&) = delete;
  http_test_connection& operator=(const http_test_connection&) = delete;

  /// Sends a request and reads its response; after an error the connection is unusable.
  fetch_response request(const std::string& method, const std::string& target,
                         const std::string& body = "", const http_headers& headers = {});
  /// False after an error or a response that closed the connection.
  bool open() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A plain TCP connection for bytes that are not (or not yet) a valid request.
class raw_connection {
 public:
  /// Connects to 127.0.0.1:`port`; throws std::runtime_error when it cannot.
  explicit raw_connection(int port);
  ~raw_connection();
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Sends all bytes; false when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  /// Everything that arrives until the peer closes the connection or `timeout` passes.
  std::string receive_until_closed(std::chrono::milliseconds timeout);
  /// Waits until the peer closes or resets the connection; false on timeout. What arrives
  /// meanwhile is kept in received().
  bool wait_closed(std::chrono::milliseconds timeout);
  /// Everything read from the connection so far.
  const std::string& received() const { return received_; }
  /// Closes our side.
  void close();

 private:
  int fd_ = -1;
  std::string received_;
};

/// Sends `bytes` on a new connection and returns everything read until the server closes it
/// or `timeout` passes.
std::string raw_exchange(int port, const std::string& bytes,
                         std::chrono::milliseconds timeout = default_fetch_timeout);

}  // namespace tixsync::testing
