// The blocking test client of http_fetch.hpp: Beast's asynchronous operations on a private
// io_context that the calling thread runs, so tcp_stream's deadline bounds every call; the raw
// connection is a POSIX socket with poll().
#include "tests/support/http_fetch.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace tixsync::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

bool same_name(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string describe(const char* step, const beast::error_code& ec) {
  if (ec == beast::error::timeout) return std::string(step) + ": timeout";
  return std::string(step) + ": " + ec.message();
}

}  // namespace

std::optional<std::string> fetch_response::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return std::nullopt;
}

struct http_test_connection::impl {
  impl(const std::string& host, int port, std::chrono::milliseconds timeout)
      : host(host), timeout(timeout), stream(ioc) {
    beast::error_code result;
    const tcp::endpoint endpoint{net::ip::make_address(host), static_cast<unsigned short>(port)};
    stream.expires_after(timeout);
    stream.async_connect(endpoint, [&](beast::error_code ec) { result = ec; });
    ioc.run();
    if (result) {
      throw std::runtime_error("cannot connect to " + host + ":" + std::to_string(port) + ": " +
                               describe("connect", result));
    }
    is_open = true;
  }

  fetch_response exchange(const std::string& method, const std::string& target,
                          const std::string& body, const http_headers& headers) {
    fetch_response response;
    if (!is_open) {
      response.error = "the connection is closed";
      return response;
    }
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(http::field::host, host);
    request.set(http::field::user_agent, "tixsync-test");
    for (const auto& [name, value] : headers) request.insert(name, value);
    request.body() = body;
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      request.content_length(body.size());
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{256} * 1024 * 1024);
    if (method == "HEAD") parser.skip(true);

    beast::error_code failure;
    const char* step = "write";
    stream.expires_after(timeout);
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        failure = ec;
        return;
      }
      step = "read";
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code ec2, std::size_t) { failure = ec2; });
    });
    ioc.restart();
    ioc.run();
    if (failure) {
      is_open = false;
      response.error = describe(step, failure);
      return response;
    }
    auto message = parser.release();
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) is_open = false;
    return response;
  }

  std::string host;
  std::chrono::milliseconds timeout;
  net::io_context ioc;
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool is_open = false;
};

http_test_connection::http_test_connection(int port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<impl>("127.0.0.1", port, timeout)) {}

http_test_connection::~http_test_connection() = default;

fetch_response http_test_connection::request(const std::string& method, const std::string& target,
                                             const std::string& body, const http_headers& headers) {
  return impl_->exchange(method, target, body, headers);
}

bool http_test_connection::open() const {
  return impl_->is_open;
}

fetch_response fetch(const std::string& method, int port, const std::string& target,
                     const std::string& body, const http_headers& headers,
                     std::chrono::milliseconds timeout) {
  try {
    http_test_connection connection(port, timeout);
    return connection.request(method, target, body, headers);
  } catch (const std::exception& e) {
    fetch_response response;
    response.error = e.what();
    return response;
  }
}

fetch_response fetch(const std::string& method, const std::string& url, const std::string& body,
                     const http_headers& headers, std::chrono::milliseconds timeout) {
  fetch_response response;
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    response.error = "only http:// URLs are supported: " + url;
    return response;
  }
  const auto slash = url.find('/', scheme.size());
  const std::string authority = url.substr(scheme.size(), slash - scheme.size());
  const std::string target = slash == std::string::npos ? "/" : url.substr(slash);
  const auto colon = authority.rfind(':');
  if (colon == std::string::npos) {
    response.error = "the URL names no port: " + url;
    return response;
  }
  const std::string host = authority.substr(0, colon);
  int port = 0;
  try {
    port = std::stoi(authority.substr(colon + 1));
  } catch (const std::exception&) {
    response.error = "bad port in URL: " + url;
    return response;
  }
  if (host != "127.0.0.1" && host != "localhost") {
    response.error = "tests only talk to loopback, not to " + host;
    return response;
  }
  return fetch(method, port, target, body, headers, timeout);
}

raw_connection::raw_connection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0) throw std::runtime_error("socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port) + ": " +
                             std::strerror(error));
  }
}

raw_connection::~raw_connection() {
  close();
}

bool raw_connection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return fd_ >= 0;
}

std::string raw_connection::receive_until_closed(std::chrono::milliseconds timeout) {
  std::string received;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  while (fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // closed or reset
    received.append(chunk, static_cast<std::size_t>(n));
    received_.append(chunk, static_cast<std::size_t>(n));
  }
  return received;
}

bool raw_connection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char chunk[4096];
  while (fd_ >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return false;
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return true;
    received_.append(chunk, static_cast<std::size_t>(n));
  }
  return true;
}

void raw_connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

std::string raw_exchange(int port, const std::string& bytes, std::chrono::milliseconds timeout) {
  raw_connection connection(port);
  connection.send(bytes);
  return connection.receive_until_closed(timeout);
}

}  // namespace tixsync::testing
