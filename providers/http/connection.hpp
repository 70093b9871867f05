// Internal to providers/http: one keep-alive connection to one host, plain TCP or TLS, carrying
// one exchange at a time. On first use it resolves, connects and does the TLS handshake (SNI,
// certificate and host-name verification) within the connect timeout; then it writes the request
// and reads the response, each operation bounded by the read timeout and the exchange's deadline.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <optional>
#include <string>

#include "providers/http/exchange.hpp"
#include "providers/http/response_reader.hpp"

namespace tixsync::providers::http::detail {

class host_pool;
/// Where a pool and its connections run: a strand of the client's io_context, or the io_context
/// itself when the client has a single I/O thread (which serialises them already).
using pool_executor = boost::asio::any_io_executor;

/// Used only on its pool's executor. Completes each exchange it runs itself, except a request that
/// found a reused connection closed by the server before any response byte: that one goes back to
/// the pool to be resent once on a new connection.
class connection : public std::enable_shared_from_this<connection> {
 public:
  /// `tls_context` is used, and must be set, only for an https origin.
  connection(pool_executor executor, boost::asio::ssl::context* tls_context, parsed_url origin,
             const client_options& options, client_counters& counters,
             std::shared_ptr<host_pool> pool);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// Sends the exchange's request, connecting first when the connection is not open yet.
  void run(std::shared_ptr<exchange> ex);
  /// Marks the connection idle from now on; its pool closes it once idle_timeout has passed
  /// (one timer per pool, not one per connection: see host_pool).
  void mark_idle() { idle_since_ = std::chrono::steady_clock::now(); }
  steady_time idle_since() const { return idle_since_; }
  /// Closes the socket. An exchange in progress fails with `shutdown`: the pool closes busy
  /// connections only when the client stops.
  void close();

 private:
  enum class step { resolve, connect, handshake, write, read };
  using error_code = boost::system::error_code;

  void start_resolve();
  void on_resolve(error_code ec, boost::asio::ip::tcp::resolver::results_type endpoints);
  void on_connect(error_code ec, const boost::asio::ip::tcp::endpoint& endpoint);
  void start_handshake();
  void on_handshake(error_code ec);
  void write_request();
  /// Plain TCP: writes what the socket takes now, without a timer or a posted completion; true
  /// when the whole request went out (or the exchange already failed), else `written` says how
  /// much of it did.
  bool write_at_once(std::size_t& written);
  void on_write(error_code ec, std::size_t bytes);
  void start_parser();
  void read_some();
  void on_read(error_code ec, std::size_t bytes);
  /// Feeds what the buffer holds to the parser: completes the exchange once the final response
  /// is whole, else reads on.
  void parse_buffered();
  void complete();

  /// Sets the deadline of the next step: `limit` or the exchange's deadline, whichever comes
  /// first, and remembers which of them it was for the error message.
  void arm(steady_time limit);
  /// The deadline is checked lazily: at most one timer wait is outstanding, and a later deadline
  /// (the next read of a busy connection) needs no timer operation at all; the wait that fires
  /// early just waits again. Moving the deadline earlier restarts the wait.
  void wait_for_deadline(steady_time at);
  void on_deadline_timer(std::uint64_t wait, error_code ec);
  /// No deadline while the connection rests in the pool (the pool's idle sweep closes it).
  void disarm() { deadline_ = steady_time::max(); }
  boost::beast::tcp_stream& lowest();
  template <class Operation>
  void with_stream(Operation&& operation);

  /// Fails the current exchange with the error `ec` means at the current step, or hands it back
  /// to the pool for one resend when the server had closed this reused connection.
  void fail(error_code ec);
  void fail(transport_error error, bool resend);
  transport_error describe(error_code ec);
  std::string verify_failure();
  void close_socket();

  pool_executor executor_;
  parsed_url origin_;
  std::string where_;
  const client_options& options_;
  client_counters& counters_;
  std::shared_ptr<host_pool> pool_;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::steady_timer deadline_timer_;
  steady_time deadline_ = steady_time::max();      // of the current step
  steady_time timer_expiry_ = steady_time::max();  // of the outstanding wait, if any
  bool timer_waiting_ = false;
  std::uint64_t timer_waits_ = 0;  // numbers each wait; only the newest one counts
  std::optional<boost::beast::tcp_stream> plain_;
  std::optional<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  boost::beast::flat_buffer buffer_;
  std::optional<response_reader> parser_;

  std::shared_ptr<exchange> ex_;
  step step_ = step::resolve;
  steady_time connect_limit_{};
  bool deadline_binds_ = false;      // the armed expiry is the exchange's deadline
  bool got_response_bytes_ = false;  // for the current exchange
  bool open_ = false;                // connected (and handshaken)
  bool closed_ = false;
  std::uint64_t exchanges_done_ = 0;
  steady_time idle_since_{};
};

}  // namespace tixsync::providers::http::detail
