// Internal to api/: one client connection of the http_server, in the shape of Beast's async
// server session: do_x/on_x pairs on the connection's strand, a deadline for every phase (idle
// wait, whole request answered 408, response, linger; checked lazily on one timer), a request
// parsed at once when the first read brought it whole and an answer written at once when the
// socket takes it, explicit header/body limits, a head checked for ambiguous framing before its
// body is read (request_head.hpp), keep-alive, and a lingering close after an error answer so
// the client reads it before the socket goes.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <string>

#include "api/request_head.hpp"
#include "api/server_core.hpp"

namespace tixsync::api::detail {

namespace beast = boost::beast;
namespace http = beast::http;

class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  http_connection(tcp::socket&& socket, strand_type strand, server_core& core);

  /// Starts serving; `over_limit` connections are answered 503 at once, without waiting for a
  /// request, and close.
  void start(bool over_limit);
  /// Closes the socket at once. Only while no I/O thread runs (the server's stop()).
  void close_now();

  const strand_type& strand() const { return strand_; }
  bool on_sole_io_thread() const { return core_.on_sole_io_thread(); }
  /// Writes the answer to the request in progress; on the strand. Ignored when none waits.
  void answer(http_response response);
  /// Closes without answering the request in progress; on the strand.
  void drop();

 private:
  void wait_for_request();
  void on_first_bytes(beast::error_code ec, std::size_t bytes);
  void refuse_over_limit();
  void read_request();
  void read_more();
  /// Parses what the buffer already holds; true when that ended the request (complete, or an
  /// error in `ec`), so that no deadline timer and no asynchronous read are needed. The head is
  /// parsed on its own and checked (check_head) before any body byte is.
  bool parse_buffered(beast::error_code& ec);
  /// After a put() of head bytes that ended with `ec`: counts the `used` bytes and notes an
  /// obsolete line fold in them; once the head is complete, true (with `ec` set) when its
  /// framing is refused.
  bool check_head(std::size_t used, beast::error_code& ec);
  void on_read(beast::error_code ec, std::size_t bytes);
  void on_request(beast::error_code ec);
  /// The deadline of the phase the connection is in (waiting for a request, reading one,
  /// writing the answer, lingering), checked lazily: at most one timer wait is outstanding and a
  /// later deadline needs no timer operation; a wait that fires early just waits again.
  enum class phase { none, idle, request, write, linger };
  void set_deadline(phase p, std::chrono::milliseconds within);
  void wait_for_deadline(std::chrono::steady_clock::time_point at);
  void on_deadline_timer(std::uint64_t wait, beast::error_code ec);
  void on_read_error(beast::error_code ec);
  void route_request(http::request<http::string_body>&& message);
  void call_handler(const router::route& route, http_request request);
  void write(http_response response);
  /// Sends what the socket takes now; true when the whole response went out (or failed).
  bool write_at_once(bool close);
  void on_write(bool close, beast::error_code ec, std::size_t bytes);
  void linger();
  void on_linger(beast::error_code ec, std::size_t bytes);
  void close();

  /// Plain socket: the deadlines below bound its operations, not a beast::tcp_stream's timer.
  tcp::socket socket_;
  strand_type strand_;
  server_core& core_;
  /// The stream itself never expires: this timer bounds every phase. A request that does not
  /// arrive in time can so still be answered 408 before the connection closes.
  net::steady_timer deadline_timer_;
  phase phase_ = phase::none;
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  std::chrono::steady_clock::time_point timer_expiry_ =
      std::chrono::steady_clock::time_point::max();
  bool timer_waiting_ = false;
  std::uint64_t timer_waits_ = 0;  // numbers each wait; only the newest one counts
  bool request_timed_out_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::size_t head_bytes_ = 0;  // of the request being parsed, taken in by the parser so far
  bool obs_fold_ = false;       // one of them was an obsolete line fold
  std::optional<head_problem> head_problem_;  // why the request's head is refused
  std::optional<http::response<http::string_body>> response_;
  std::optional<http::response_serializer<http::string_body>> serializer_;
  std::string remote_address_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_ = false;
  bool over_limit_ = false;
  bool awaiting_answer_ = false;
  bool linger_after_write_ = false;
  bool closed_ = false;
};

}  // namespace tixsync::api::detail
