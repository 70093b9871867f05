// A scripted HTTP/1.1 server on 127.0.0.1 (port chosen by binding port 0) for the HTTP client
// tests, plain or TLS. A handler decides per request how to misbehave: answer (now or after a
// delay, keeping the connection or closing it), never answer, close mid-response, or close
// without answering. The server counts connections and records requests; it runs one I/O thread
// and stops (closing every connection) in its destructor.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "providers/http/http_client.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::testing {

struct received_request {
  std::string method;
  std::string target;
  providers::http::header_list headers;
  std::string body;
  std::size_t connection_id = 0;        ///< 1 for the server's first connection, ...
  std::size_t index_on_connection = 0;  ///< 1 for the first request on its connection, ...
  /// The first header of this name (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

enum class reply_action {
  respond,       ///< send the response (after `delay`)
  never_answer,  ///< read nothing more, send nothing, keep the connection open
  cut_mid_body,  ///< send the headers and half of the body, then close
  drop,          ///< close the connection without answering
  raw,           ///< send `body` as is (not HTTP unless it says so), then close
  trickle,       ///< send the headers, then the body one byte per `delay`
  segments,      ///< send `segments` as they are (a whole response), `delay` apart, and keep
                 ///< the connection for the next request
};

struct scripted_reply {
  reply_action action = reply_action::respond;
  int status = 200;
  providers::http::header_list headers;
  std::string body;
  std::chrono::milliseconds delay{0};
  /// false: answer with "Connection: close" and close after the response.
  bool keep_alive = true;
  /// For reply_action::segments: the raw response, one write per element.
  std::vector<std::string> segments;
};

struct server_tls_files {
  std::string certificate_chain;  ///< PEM
  std::string private_key;        ///< PEM
};

class loopback_server {
 public:
  using handler = std::function<scripted_reply(const received_request&)>;

  /// Starts listening; `tls` makes it an HTTPS server.
  explicit loopback_server(handler on_request, std::optional<server_tls_files> tls = std::nullopt);
  ~loopback_server();
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  std::uint16_t port() const { return port_; }
  /// "http(s)://127.0.0.1:<port>" + target.
  std::string url(const std::string& target = "/") const;

  std::size_t connections_accepted() const;
  /// Connections the server has seen end (closed by either side).
  std::size_t connections_closed() const;
  /// The most connections that were open at the same time.
  std::size_t peak_open_connections() const;
  std::size_t requests_received() const;
  std::vector<received_request> requests() const;

  struct state;

 private:
  std::unique_ptr<state> state_;
  std::uint16_t port_ = 0;
  bool tls_ = false;
  std::thread thread_;
};

}  // namespace tixsync::testing
