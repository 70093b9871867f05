// One keep-alive connection (see connection.hpp): the resolve -> connect -> handshake -> write ->
// read steps as do_x/on_x pairs, a deadline for every step (checked lazily on one timer), a
// request written at once when the socket takes it, and the mapping of each failure to a
// transport_error that says what failed and where.
#include "providers/http/connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <optional>

#include "providers/http/host_pool.hpp"

namespace tixsync::providers::http::detail {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// Response headers beyond this are a protocol error (Beast's default of 8 KiB is too tight for
// some APIs' cookies and link headers).
constexpr std::uint32_t header_limit = 64 * 1024;
// Room offered to each read: a typical API response whole, whatever pieces the server wrote it
// in, without reserving much per idle connection.
constexpr std::size_t min_read = 4096;
constexpr std::size_t max_read = 64 * 1024;

std::string ms(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + " ms";
}

/// The address `host` spells, when it is an address literal rather than a name.
std::optional<asio::ip::address> address_literal(const std::string& host) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return std::nullopt;
  return address;
}

/// The server closed or reset the connection.
bool is_disconnect(const boost::system::error_code& ec) {
  return ec == asio::error::eof || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::connection_aborted ||
         ec == asio::error::not_connected || ec == asio::ssl::error::stream_truncated ||
         ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message;
}

bool is_http_error(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category();
}

}  // namespace

connection::connection(pool_executor executor, asio::ssl::context* tls_context, parsed_url origin,
                       const client_options& options, client_counters& counters,
                       std::shared_ptr<host_pool> pool)
    : executor_(executor),
      origin_(std::move(origin)),
      where_(endpoint_text(origin_)),
      options_(options),
      counters_(counters),
      pool_(std::move(pool)),
      resolver_(executor),
      deadline_timer_(executor) {
  if (origin_.tls) {
    tls_.emplace(executor, *tls_context);
  } else {
    plain_.emplace(executor);
  }
}

beast::tcp_stream& connection::lowest() {
  return tls_ ? beast::get_lowest_layer(*tls_) : *plain_;
}

template <class Operation>
void connection::with_stream(Operation&& operation) {
  if (tls_) {
    operation(*tls_);
  } else {
    operation(plain_->socket());  // the deadline timer bounds it, not the stream's own timer
  }
}

void connection::arm(steady_time limit) {
  const steady_time deadline = ex_->deadline();
  deadline_binds_ = deadline <= limit;
  deadline_ = deadline_binds_ ? deadline : limit;
  if (!timer_waiting_ || timer_expiry_ > deadline_) wait_for_deadline(deadline_);
}

void connection::wait_for_deadline(steady_time at) {
  timer_waiting_ = true;
  timer_expiry_ = at;
  deadline_timer_.expires_at(at);  // a wait still outstanding ends as cancelled
  deadline_timer_.async_wait(beast::bind_front_handler(&connection::on_deadline_timer,
                                                       shared_from_this(), ++timer_waits_));
}

void connection::on_deadline_timer(std::uint64_t wait, error_code ec) {
  if (wait != timer_waits_) return;  // replaced by a wait for an earlier deadline
  timer_waiting_ = false;
  if (ec || closed_ || deadline_ == steady_time::max()) return;
  if (std::chrono::steady_clock::now() < deadline_) return wait_for_deadline(deadline_);
  // The step in progress ran out of time: closing the socket ends its operation, whose
  // completion then finds the connection closed.
  fail(beast::error::timeout);
}

void connection::run(std::shared_ptr<exchange> ex) {
  ex_ = std::move(ex);
  got_response_bytes_ = false;
  if (open_) {
    write_request();
  } else {
    start_resolve();
  }
}

void connection::close() {
  if (closed_) return;
  close_socket();
  if (auto ex = std::move(ex_)) {
    ex->fail(transport_error_kind::shutdown,
             "the HTTP client stopped before the request to " + where_ + " finished");
  }
}

void connection::close_socket() {
  closed_ = true;
  open_ = false;
  deadline_timer_.cancel();
  resolver_.cancel();
  lowest().close();
}

void connection::start_resolve() {
  step_ = step::resolve;
  connect_limit_ = std::chrono::steady_clock::now() + options_.connect_timeout;
  arm(connect_limit_);  // resolve, connect and TLS handshake, together
  // An address literal (a CRM on loopback or a service address) needs no lookup; skipping the
  // resolver saves each new connection a round trip through Asio's resolver thread.
  if (const auto address = address_literal(origin_.host)) {
    step_ = step::connect;
    const asio::ip::tcp::endpoint endpoint(*address, origin_.port);
    lowest().async_connect(endpoint, [self = shared_from_this(), endpoint](error_code ec) {
      self->on_connect(ec, endpoint);
    });
    return;
  }
  resolver_.async_resolve(origin_.host, std::to_string(origin_.port),
                          asio::ip::tcp::resolver::numeric_service,
                          beast::bind_front_handler(&connection::on_resolve, shared_from_this()));
}

void connection::on_resolve(error_code ec, asio::ip::tcp::resolver::results_type endpoints) {
  if (closed_) return;
  if (ec) return fail(ec);
  step_ = step::connect;
  lowest().async_connect(endpoints,
                         beast::bind_front_handler(&connection::on_connect, shared_from_this()));
}

void connection::on_connect(error_code ec, const asio::ip::tcp::endpoint&) {
  if (closed_) return;
  if (ec) return fail(ec);
  counters_.connections_opened++;
  // Requests go out in one write each; never hold one back waiting for an ACK (Nagle).
  error_code ignored;
  lowest().socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  if (tls_) return start_handshake();
  // For write_at_once(); Asio's own asynchronous operations are not affected by this mode.
  lowest().socket().non_blocking(true, ignored);
  open_ = true;
  write_request();
}

void connection::start_handshake() {
  step_ = step::handshake;
  SSL* ssl = tls_->native_handle();
  const bool ip = address_literal(origin_.host).has_value();
  // SNI carries host names only, never address literals (RFC 6066).
  if (!ip && SSL_set_tlsext_host_name(ssl, origin_.host.c_str()) != 1) {
    return fail({transport_error_kind::tls, "cannot set the TLS server name for " + where_}, false);
  }
  if (options_.verify_tls) {
    // OpenSSL checks the name during chain verification, so a mismatch is reported as such.
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    const int set = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, origin_.host.c_str())
                       : X509_VERIFY_PARAM_set1_host(param, origin_.host.c_str(), 0);
    if (set != 1) {
      return fail({transport_error_kind::tls, "cannot verify the host name of " + where_}, false);
    }
    tls_->set_verify_mode(asio::ssl::verify_peer);
  } else {
    tls_->set_verify_mode(asio::ssl::verify_none);
  }
  tls_->async_handshake(asio::ssl::stream_base::client,
                        beast::bind_front_handler(&connection::on_handshake, shared_from_this()));
}

void connection::on_handshake(error_code ec) {
  if (closed_) return;
  if (ec) return fail(ec);
  open_ = true;
  write_request();
}

void connection::write_request() {
  step_ = step::write;
  std::size_t written = 0;
  if (plain_ && write_at_once(written)) return;
  // What the socket did not take at once goes out asynchronously, under the read timeout.
  arm(std::chrono::steady_clock::now() + options_.read_timeout);
  with_stream([this, written](auto& stream) {
    asio::async_write(stream, asio::buffer(ex_->wire()) + written,
                      beast::bind_front_handler(&connection::on_write, shared_from_this()));
  });
}

// A request usually fits the socket's send buffer: one send() and straight on to reading. This
// skips arming the stream's timer for the write and the completion Asio would post.
bool connection::write_at_once(std::size_t& written) {
  const std::string& wire = ex_->wire();
  error_code ec;
  const std::size_t sent = plain_->socket().write_some(asio::buffer(wire), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return false;
  if (ec) {
    fail(ec);
    return true;
  }
  written = sent;
  if (sent < wire.size()) return false;
  on_write({}, sent);
  return true;
}

void connection::on_write(error_code ec, std::size_t) {
  if (closed_) return;
  if (ec) return fail(ec);
  step_ = step::read;
  buffer_.clear();
  start_parser();
  read_some();
}

void connection::start_parser() {
  parser_.emplace(options_.max_response_bytes, header_limit, ex_->is_head());
}

void connection::read_some() {
  arm(std::chrono::steady_clock::now() + options_.read_timeout);
  const std::size_t room = buffer_.capacity() - buffer_.size();
  const auto space = buffer_.prepare(std::clamp(room, min_read, max_read));
  with_stream([this, space](auto& stream) {
    stream.async_read_some(space,
                           beast::bind_front_handler(&connection::on_read, shared_from_this()));
  });
}

void connection::on_read(error_code ec, std::size_t bytes) {
  if (closed_) return;
  counters_.response_reads++;
  buffer_.commit(bytes);
  if (bytes > 0 || buffer_.size() > 0) got_response_bytes_ = true;
  if (ec == asio::error::eof) {
    // The end of a body that runs until the server closes; else the response is cut short.
    if (!parser_->got_some()) return fail(bhttp::error::end_of_stream);
    ec = {};
    parser_->put_eof(ec);
    if (ec) return fail(ec);
    return complete();
  }
  if (ec) return fail(ec);
  parse_buffered();
}

// The parser is eager: one put() takes the header and all the body bytes the buffer holds.
void connection::parse_buffered() {
  while (buffer_.size() > 0) {
    error_code ec;
    const std::size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) break;
    if (ec) return fail(ec);
    if (!parser_->is_done()) {
      if (used == 0) break;
      continue;
    }
    const int status = parser_->response().status;
    if (status < 100 || status >= 200 || status == 101) return complete();
    // An interim response (e.g. 100 Continue): the final one follows on the same connection,
    // maybe in the same read.
    start_parser();
  }
  read_some();
}

void connection::complete() {
  const bool keep_alive = parser_->keep_alive();
  disarm();
  auto ex = std::move(ex_);
  http_response response = std::move(parser_->response());
  parser_.reset();
  ++exchanges_done_;
  if (!keep_alive) close_socket();  // the server said Connection: close (or spoke HTTP/1.0)
  // Back in the pool first, so that a request the callback sends can reuse this connection.
  pool_->connection_done(shared_from_this(), keep_alive, nullptr);
  ex->succeed(std::move(response));
}

void connection::fail(error_code ec) {
  // A reused connection the server had already closed: nothing of the request was processed,
  // so it is resent once on a fresh connection. Never after a response byte arrived.
  const bool resend = ex_ && exchanges_done_ > 0 && !got_response_bytes_ && !ex_->retried() &&
                      (step_ == step::write || step_ == step::read) && is_disconnect(ec);
  fail(describe(ec), resend);
}

void connection::fail(transport_error error, bool resend) {
  auto ex = std::move(ex_);
  close_socket();
  if (ex && resend) {
    ex->mark_retried();
    counters_.stale_retries++;
    pool_->connection_done(shared_from_this(), false, std::move(ex));
    return;
  }
  pool_->connection_done(shared_from_this(), false, nullptr);
  if (ex) ex->fail(error.kind, std::move(error.message));
}

std::string connection::verify_failure() {
  if (!tls_) return "";
  const long result = SSL_get_verify_result(tls_->native_handle());
  if (result == X509_V_OK) return "";
  return std::string(" (") + X509_verify_cert_error_string(result) + ")";
}

transport_error connection::describe(error_code ec) {
  using kind = transport_error_kind;
  if (ec == beast::error::timeout) {
    if (deadline_binds_) {
      return {kind::timeout, "request to " + where_ +
                                 " did not finish within the total timeout of " +
                                 ms(ex_ ? ex_->total_timeout() : options_.total_timeout)};
    }
    switch (step_) {
      case step::resolve:
        return {kind::resolve,
                "resolving " + origin_.host + " timed out after " + ms(options_.connect_timeout)};
      case step::connect:
        return {kind::connect,
                "connect to " + where_ + " timed out after " + ms(options_.connect_timeout)};
      case step::handshake:
        return {kind::connect, "TLS handshake with " + where_ + " timed out after " +
                                   ms(options_.connect_timeout) + " (connect timeout)"};
      case step::write:
        return {kind::timeout, "sending the request to " + where_ + " timed out after " +
                                   ms(options_.read_timeout)};
      case step::read:
        return {kind::timeout,
                "read from " + where_ + " timed out after " + ms(options_.read_timeout)};
    }
  }
  switch (step_) {
    case step::resolve:
      return {kind::resolve, "resolving " + origin_.host + " failed: " + ec.message()};
    case step::connect:
      return {kind::connect, "connect to " + where_ + " failed: " + ec.message()};
    case step::handshake:
      return {kind::tls,
              "TLS handshake with " + where_ + " failed: " + ec.message() + verify_failure()};
    case step::write:
    case step::read:
      break;
  }
  if (ec == bhttp::error::body_limit) {
    return {kind::body_too_large, "response body from " + where_ + " exceeds the limit of " +
                                      std::to_string(options_.max_response_bytes) + " bytes"};
  }
  if (is_disconnect(ec)) {
    return {kind::closed,
            where_ + " closed the connection before a complete response (" + ec.message() + ")"};
  }
  if (is_http_error(ec)) {
    return {kind::protocol, "invalid HTTP response from " + where_ + ": " + ec.message()};
  }
  const char* doing =
      step_ == step::write ? "sending the request to " : "reading the response from ";
  return {kind::closed, doing + where_ + " failed: " + ec.message()};
}

}  // namespace tixsync::providers::http::detail
