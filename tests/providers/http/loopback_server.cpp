// The scripted loopback server of the HTTP client tests (see loopback_server.hpp): an acceptor on
// 127.0.0.1:0 and one Beast session per connection, plain or TLS, that reads a request, asks the
// handler what to do and does it. Everything runs on the server's one thread.
#include "tests/providers/http/loopback_server.hpp"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <mutex>
#include <type_traits>

namespace tixsync::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

std::string received_request::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return "";
}

struct loopback_server::state {
  handler on_request;
  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> closed{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> peak_open{0};
  mutable std::mutex mutex;
  std::vector<received_request> requests;
  // Declared before io and the acceptor: sessions (destroyed with io's handlers) use it.
  std::optional<asio::ssl::context> tls_context;
  asio::io_context io;
  tcp::acceptor acceptor{io};

  void record(const received_request& request) {
    std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(request);
  }
  void opened() {
    const std::size_t now = ++open;
    std::size_t peak = peak_open.load();
    while (now > peak && !peak_open.compare_exchange_weak(peak, now)) {
    }
  }
};

namespace {

using server_state = loopback_server::state;

template <class Stream>
class server_session : public std::enable_shared_from_this<server_session<Stream>> {
  static constexpr bool tls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  server_session(server_state& state, Stream stream, std::size_t id)
      : state_(state), stream_(std::move(stream)), timer_(stream_.get_executor()), id_(id) {}
  ~server_session() {
    state_.closed++;
    state_.open--;
  }

  void start() {
    if constexpr (tls) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->read_request();
                              });
    } else {
      read_request();
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (!ec) self->on_request();
                      });
  }

  void on_request() {
    auto& message = parser_->get();
    received_request request;
    request.method = std::string(message.method_string());
    head_ = message.method() == bhttp::verb::head;
    request.target = std::string(message.target());
    for (const auto& field : message) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = message.body();
    request.connection_id = id_;
    request.index_on_connection = ++requests_on_connection_;
    state_.record(request);
    reply_ = state_.on_request(request);
    switch (reply_.action) {
      case reply_action::respond:
        if (reply_.delay.count() > 0) {
          timer_.expires_after(reply_.delay);
          timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
            if (!ec) self->write_reply();
          });
        } else {
          write_reply();
        }
        return;
      case reply_action::never_answer:
        return wait_for_close();
      case reply_action::cut_mid_body:
        return write_partial();
      case reply_action::drop:
        return close();
      case reply_action::raw:
        return write_raw(reply_.body);
      case reply_action::trickle:
        raw_ =
            "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(reply_.body.size()) + "\r\n\r\n";
        return trickle(0);
      case reply_action::segments:
        return write_segment(0);
    }
  }

  void write_reply() {
    response_ = {static_cast<bhttp::status>(reply_.status), 11};
    for (const auto& [name, value] : reply_.headers) response_.insert(name, value);
    response_.keep_alive(reply_.keep_alive);
    if (head_) {
      // The length the body would have, but no body.
      response_.content_length(reply_.body.size());
    } else {
      response_.body() = reply_.body;
      response_.prepare_payload();
    }
    bhttp::async_write(stream_, response_,
                       [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         if (self->reply_.keep_alive) return self->read_request();
                         self->close();
                       });
  }

  void write_partial() {
    write_raw("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(reply_.body.size()) +
              "\r\n\r\n" + reply_.body.substr(0, reply_.body.size() / 2));
  }

  void write_raw(std::string bytes) {
    raw_ = std::move(bytes);
    asio::async_write(
        stream_, asio::buffer(raw_),
        [self = this->shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  // Writes what is in raw_, then the body from `next` on, one byte per reply_.delay.
  void trickle(std::size_t next) {
    if (next > 0) raw_ = reply_.body.substr(next - 1, 1);
    asio::async_write(stream_, asio::buffer(raw_),
                      [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
                        if (ec || next >= self->reply_.body.size()) return;
                        self->timer_.expires_after(self->reply_.delay);
                        self->timer_.async_wait([self, next](beast::error_code ec) {
                          if (!ec) self->trickle(next + 1);
                        });
                      });
  }

  // Writes segment `next` of reply_.segments, then the following one after reply_.delay; reads
  // the next request after the last one.
  void write_segment(std::size_t next) {
    if (next >= reply_.segments.size()) return read_request();
    raw_ = reply_.segments[next];
    asio::async_write(stream_, asio::buffer(raw_),
                      [self = this->shared_from_this(), next](beast::error_code ec, std::size_t) {
                        if (ec) return;
                        if (next + 1 >= self->reply_.segments.size()) return self->read_request();
                        self->timer_.expires_after(self->reply_.delay);
                        self->timer_.async_wait([self, next](beast::error_code ec) {
                          if (!ec) self->write_segment(next + 1);
                        });
                      });
  }

  // Reads and discards until the client closes (or the server stops).
  void wait_for_close() {
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                              if (!ec) self->wait_for_close();
                            });
  }

  // Abrupt close, no TLS close_notify: what a crashing or impatient server does.
  void close() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  server_state& state_;
  Stream stream_;
  asio::steady_timer timer_;
  std::size_t id_;
  std::size_t requests_on_connection_ = 0;
  bool head_ = false;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  scripted_reply reply_;
  bhttp::response<bhttp::string_body> response_;
  std::string raw_;
  std::array<char, 4096> scratch_{};
};

void accept_next(server_state& state) {
  state.acceptor.async_accept([&state](beast::error_code ec, tcp::socket socket) {
    if (ec) return;
    const std::size_t id = ++state.accepted;
    state.opened();
    if (state.tls_context) {
      using stream = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<server_session<stream>>(
          state, stream(beast::tcp_stream(std::move(socket)), *state.tls_context), id)
          ->start();
    } else {
      std::make_shared<server_session<beast::tcp_stream>>(state,
                                                          beast::tcp_stream(std::move(socket)), id)
          ->start();
    }
    accept_next(state);
  });
}

}  // namespace

loopback_server::loopback_server(handler on_request, std::optional<server_tls_files> tls)
    : state_(std::make_unique<state>()), tls_(tls.has_value()) {
  state_->on_request = std::move(on_request);
  if (tls) {
    state_->tls_context.emplace(asio::ssl::context::tls_server);
    state_->tls_context->use_certificate_chain_file(tls->certificate_chain);
    state_->tls_context->use_private_key_file(tls->private_key, asio::ssl::context::pem);
  }
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  state_->acceptor.open(endpoint.protocol());
  state_->acceptor.set_option(asio::socket_base::reuse_address(true));
  state_->acceptor.bind(endpoint);
  state_->acceptor.listen();
  port_ = state_->acceptor.local_endpoint().port();
  accept_next(*state_);
  thread_ = std::thread([this] { state_->io.run(); });
}

loopback_server::~loopback_server() {
  state_->io.stop();
  thread_.join();
  // The sessions still waiting are destroyed with the io_context, closing their sockets.
}

std::string loopback_server::url(const std::string& target) const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + target;
}

std::size_t loopback_server::connections_accepted() const {
  return state_->accepted.load();
}
std::size_t loopback_server::connections_closed() const {
  return state_->closed.load();
}
std::size_t loopback_server::peak_open_connections() const {
  return state_->peak_open.load();
}

std::size_t loopback_server::requests_received() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->requests.size();
}

std::vector<received_request> loopback_server::requests() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->requests;
}

}  // namespace tixsync::testing
