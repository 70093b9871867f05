// One connection of the http_server: idle wait -> read one whole request under read_timeout ->
// route -> handler -> write the answer -> next request (keep-alive) or close. Errors the server
// answers itself (400, 404, 405, 413, 431, 501, 503) are JSON and close or keep the connection
// as HTTP requires; a 401 without a challenge gets the server's WWW-Authenticate.
#include "api/http_connection.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <iterator>

#include "api/url_encoding.hpp"

namespace tixsync::api::detail {
namespace {

constexpr std::size_t first_read_bytes = 4096;
constexpr std::size_t max_read_bytes = 64 * 1024;  // as Beast's own http::read
constexpr std::size_t linger_read_bytes = 16 * 1024;
constexpr std::chrono::seconds linger_time{2};

/// The responder's end inside the server: answers reach the connection on its strand, directly
/// when already there, else posted, and never after the server stopped.
class connection_slot final : public reply_slot {
 public:
  connection_slot(std::weak_ptr<http_connection> connection, std::shared_ptr<answer_gate> gate)
      : connection_(std::move(connection)), gate_(std::move(gate)) {}
  ~connection_slot() override {
    if (!answered()) gate_->unanswered.fetch_add(1, std::memory_order_relaxed);
    give_up_unanswered();
  }

  void deliver(http_response response) override {
    on_connection([response = std::move(response)](http_connection& c) mutable {
      c.answer(std::move(response));
    });
  }
  void drop_connection() override {
    on_connection([](http_connection& c) { c.drop(); });
  }

 private:
  template <class Action>
  void on_connection(Action action) {
    std::shared_lock<std::shared_mutex> lock(gate_->mutex);
    if (!gate_->open) return;
    auto connection = connection_.lock();
    if (!connection) return;
    if (connection->strand().running_in_this_thread() || connection->on_sole_io_thread()) {
      action(*connection);
      return;
    }
    net::post(connection->strand(),
              [connection, action = std::move(action)]() mutable { action(*connection); });
  }

  std::weak_ptr<http_connection> connection_;
  std::shared_ptr<answer_gate> gate_;
};

/// A header value that cannot split the response (no CR or LF).
bool safe_header_value(const std::string& value) {
  return value.find_first_of("\r\n") == std::string::npos;
}

std::string shortened(std::string_view text) {
  constexpr std::size_t limit = 200;
  if (text.size() <= limit) return std::string(text);
  return std::string(text.substr(0, limit)) + "...";
}

}  // namespace

http_connection::http_connection(tcp::socket&& socket, strand_type strand, server_core& core)
    : socket_(std::move(socket)), strand_(strand), core_(core), deadline_timer_(strand) {
  beast::error_code ec;
  const auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
  socket_.set_option(tcp::no_delay(true), ec);
  // For write_at_once(); Asio's own asynchronous operations are not affected by this mode.
  socket_.non_blocking(true, ec);
}

void http_connection::start(bool over_limit) {
  over_limit_ = over_limit;
  net::dispatch(strand_, [self = shared_from_this()] {
    if (self->over_limit_) return self->refuse_over_limit();
    self->wait_for_request();
  });
}

// Answered before any request arrives: an idle connection over the cap holds its descriptor
// only for the linger, not for the idle timeout.
void http_connection::refuse_over_limit() {
  core_.counters.connections_rejected.fetch_add(1, std::memory_order_relaxed);
  auto response = error_response(503, "too many connections; try again later");
  response.set_header("Retry-After", "1");
  response.close = true;
  linger_after_write_ = true;
  write(std::move(response));
}

void http_connection::close_now() {
  closed_ = true;
  deadline_timer_.cancel();
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
}

// Waiting for the first byte of a request is the idle phase; only then does the whole-request
// deadline start, so a keep-alive connection may rest while a slow sender may not.
void http_connection::wait_for_request() {
  if (buffer_.size() > 0) return read_request();  // a pipelined request is already here
  set_deadline(phase::idle, core_.options.idle_timeout);
  socket_.async_read_some(
      buffer_.prepare(first_read_bytes),
      beast::bind_front_handler(&http_connection::on_first_bytes, shared_from_this()));
}

void http_connection::on_first_bytes(beast::error_code ec, std::size_t bytes) {
  phase_ = phase::none;
  if (ec) return close();  // idle timeout, the client left, or stop
  buffer_.commit(bytes);
  read_request();
}

void http_connection::read_request() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(core_.options.max_header_bytes));
  parser_->body_limit(static_cast<std::uint64_t>(core_.options.max_body_bytes));
  request_timed_out_ = false;
  head_bytes_ = 0;
  obs_fold_ = false;
  head_problem_.reset();
  beast::error_code ec;
  if (parse_buffered(ec)) {  // the usual case: the first read brought the whole request
    return on_request(ec);
  }
  set_deadline(phase::request, core_.options.read_timeout);
  read_more();
}

void http_connection::read_more() {
  socket_.async_read_some(buffer_.prepare(beast::read_size(buffer_, max_read_bytes)),
                          beast::bind_front_handler(&http_connection::on_read, shared_from_this()));
}

bool http_connection::parse_buffered(beast::error_code& ec) {
  while (buffer_.size() > 0 && !parser_->is_done()) {
    // The head alone first (not eager), so that it is checked before it frames a body.
    const bool in_head = !parser_->is_header_done();
    parser_->eager(!in_head);
    const std::size_t used = parser_->put(buffer_.data(), ec);
    if (in_head && check_head(used, ec)) return true;
    buffer_.consume(used);
    if (ec == http::error::need_more) {
      ec = {};
      return false;
    }
    if (ec) return true;
    if (used == 0) return false;
  }
  return parser_->is_done();
}

bool http_connection::check_head(std::size_t used, beast::error_code& ec) {
  const auto bytes = buffer_.data();
  obs_fold_ = obs_fold_ || has_obs_fold({static_cast<const char*>(bytes.data()), used});
  head_bytes_ += used;
  if (ec || !parser_->is_header_done()) return false;
  head_problem_ = framing_problem(parser_->get(), obs_fold_);
  if (!head_problem_) return false;
  ec = http::error::bad_value;  // on_read_error() answers with head_problem_
  return true;
}

void http_connection::set_deadline(phase p, std::chrono::milliseconds within) {
  phase_ = p;
  deadline_ = std::chrono::steady_clock::now() + within;
  if (!timer_waiting_ || timer_expiry_ > deadline_) wait_for_deadline(deadline_);
}

void http_connection::wait_for_deadline(std::chrono::steady_clock::time_point at) {
  timer_waiting_ = true;
  timer_expiry_ = at;
  deadline_timer_.expires_at(at);  // a wait still outstanding ends as cancelled
  deadline_timer_.async_wait(beast::bind_front_handler(&http_connection::on_deadline_timer,
                                                       shared_from_this(), ++timer_waits_));
}

void http_connection::on_deadline_timer(std::uint64_t wait, beast::error_code ec) {
  if (wait != timer_waits_) return;  // replaced by a wait for an earlier deadline
  timer_waiting_ = false;
  if (ec || closed_ || phase_ == phase::none) return;
  if (std::chrono::steady_clock::now() < deadline_) return wait_for_deadline(deadline_);
  if (phase_ == phase::request) {
    // Ends the read, which then answers 408.
    request_timed_out_ = true;
    beast::error_code ignored;
    socket_.cancel(ignored);
    return;
  }
  close();  // idle for too long, or a client that does not take its answer (or lingers)
}

void http_connection::on_read(beast::error_code ec, std::size_t bytes) {
  if (!ec) {
    buffer_.commit(bytes);
    if (!parse_buffered(ec)) return read_more();
  }
  phase_ = phase::none;
  on_request(ec);
}

void http_connection::on_request(beast::error_code ec) {
  if (ec) return on_read_error(ec);
  core_.counters.requests.fetch_add(1, std::memory_order_relaxed);
  auto message = parser_->release();
  parser_.reset();
  version_ = message.version();
  keep_alive_ = message.keep_alive();
  head_ = message.method() == http::verb::head;
  route_request(std::move(message));
}

void http_connection::on_read_error(beast::error_code ec) {
  http_response response;
  if (request_timed_out_) {
    core_.counters.read_timeouts.fetch_add(1, std::memory_order_relaxed);
    response = error_response(408, "the request did not arrive within " +
                                       std::to_string(core_.options.read_timeout.count()) + " ms");
  } else if (head_problem_) {
    response = error_response(head_problem_->status, head_problem_->message);
  } else if (ec.category() != http::make_error_code(http::error::bad_method).category() ||
             ec == http::error::end_of_stream || ec == http::error::partial_message) {
    return close();  // the client went away (or stop() closed the socket)
  } else if (ec == http::error::body_limit) {
    response = error_response(413, "the request body exceeds the limit of " +
                                       std::to_string(core_.options.max_body_bytes) + " bytes");
  } else if (ec == http::error::header_limit) {
    response = error_response(431, "the request head exceeds the limit of " +
                                       std::to_string(core_.options.max_header_bytes) + " bytes");
  } else if (parser_ && !parser_->is_header_done()) {
    const auto unparsed = buffer_.data();
    response = error_response(
        400,
        malformed_head_message(ec, {static_cast<const char*>(unparsed.data()), unparsed.size()},
                               head_bytes_ == 0));
  } else {
    response = error_response(400, "malformed HTTP request: " + ec.message());
  }
  if (!request_timed_out_)
    core_.counters.malformed_requests.fetch_add(1, std::memory_order_relaxed);
  // The rest of the request is unread: answer, then read and discard it until the client is done.
  parser_.reset();
  version_ = 11;
  head_ = false;
  response.close = true;
  linger_after_write_ = true;
  write(std::move(response));
}

void http_connection::route_request(http::request<http::string_body>&& message) {
  http_request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  request.version = message.version();
  request.remote_address = remote_address_;
  if (request.target.empty() || request.target[0] != '/') {
    core_.counters.malformed_requests.fetch_add(1, std::memory_order_relaxed);
    auto response =
        error_response(400, "the request target must be a path starting with '/', not '" +
                                shortened(request.target) + "'");
    response.close = true;
    return write(std::move(response));
  }
  const auto question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query_string = request.target.substr(question + 1);
  std::string problem;
  auto query = decode_query(request.query_string, problem);
  if (!query) return write(error_response(400, problem));
  request.query = std::move(*query);

  auto found = core_.routes.match(request.method, request.path);
  using outcome = router::match_result::outcome;
  if (found.result == outcome::not_found) {
    return write(
        error_response(404, "no route for " + request.method + " " + shortened(request.path)));
  }
  if (found.result == outcome::method_not_allowed) {
    auto response =
        error_response(405, "method " + shortened(request.method) + " is not allowed for " +
                                shortened(request.path) + " (allowed: " + found.allow + ")");
    response.set_header("Allow", found.allow);
    return write(std::move(response));
  }
  if (!found.problem.empty()) return write(error_response(400, found.problem));

  request.params = std::move(found.params);
  request.route = found.matched->pattern;
  request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  call_handler(*found.matched, std::move(request));
}

void http_connection::call_handler(const router::route& route, http_request request) {
  awaiting_answer_ = true;
  responder reply(std::make_shared<connection_slot>(weak_from_this(), core_.gate));
  try {
    route.handler(std::move(request), reply);
  } catch (const std::exception& e) {
    core_.counters.handler_errors.fetch_add(1, std::memory_order_relaxed);
    if (reply.send(error_response(500, "internal error"))) {
      core_.log("handler of " + route.method + " " + route.pattern + " threw: " + e.what());
    }
  } catch (...) {
    core_.counters.handler_errors.fetch_add(1, std::memory_order_relaxed);
    if (reply.send(error_response(500, "internal error"))) {
      core_.log("handler of " + route.method + " " + route.pattern + " threw a non-exception");
    }
  }
  // When `reply` was the last copy and nobody answered, its slot answers 500 right here.
}

void http_connection::answer(http_response response) {
  if (!awaiting_answer_ || closed_) return;
  awaiting_answer_ = false;
  write(std::move(response));
}

void http_connection::drop() {
  if (!awaiting_answer_ || closed_) return;
  awaiting_answer_ = false;
  core_.counters.dropped_connections.fetch_add(1, std::memory_order_relaxed);
  close();
}

void http_connection::write(http_response response) {
  if (closed_) return;
  if (response.status < 100 || response.status > 999) {
    core_.log("a handler answered with status " + std::to_string(response.status) +
              "; sent 500 instead");
    response = error_response(500, "internal error: invalid status code");
  }
  const bool close = response.close || !keep_alive_ || over_limit_;
  serializer_.reset();  // it refers to the response replaced next
  response_.emplace();
  auto& out = *response_;
  out.version(version_);
  out.result(static_cast<unsigned>(response.status));
  out.set(http::field::server, core_.options.server_name);
  // RFC 9110 §11.6.1: a 401 names how to authenticate.
  if (response.status == 401 && !response.header("WWW-Authenticate") &&
      !core_.options.auth_challenge.empty()) {
    response.set_header("WWW-Authenticate", core_.options.auth_challenge);
  }
  for (auto& [name, value] : response.headers) {
    if (safe_header_value(name) && safe_header_value(value)) {
      out.insert(name, value);
    } else {
      core_.log("dropped a response header with CR/LF in it: " + shortened(name));
    }
  }
  out.keep_alive(!close);
  const int status = response.status;
  const bool no_body = status < 200 || status == 204 || status == 304;
  if (no_body) {
    out.erase(http::field::content_length);
  } else {
    out.content_length(response.body.size());
    // A HEAD answer announces the length of the body it leaves out.
    if (!head_) out.body() = std::move(response.body);
  }
  serializer_.emplace(out);
  if (write_at_once(close)) return;
  set_deadline(phase::write, core_.options.write_timeout);
  http::async_write(
      socket_, *serializer_,
      beast::bind_front_handler(&http_connection::on_write, shared_from_this(), close));
}

// An answer usually fits the socket's send buffer: written here, without arming the stream's
// timer or waiting for a posted completion. The rest, if any, goes out asynchronously.
bool http_connection::write_at_once(bool close) {
  beast::error_code ec;
  const std::size_t bytes = http::write(socket_, *serializer_, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) return false;
  if (!ec && buffer_.size() > 0) {
    // A pipelined request waits in the buffer: go on from the strand's queue, so that a client
    // sending many at once does not deepen this call stack with each one.
    net::post(strand_, beast::bind_front_handler(&http_connection::on_write, shared_from_this(),
                                                 close, ec, bytes));
    return true;
  }
  on_write(close, ec, bytes);
  return true;
}

void http_connection::on_write(bool close, beast::error_code ec, std::size_t) {
  phase_ = phase::none;
  serializer_.reset();
  response_.reset();
  if (ec) return this->close();
  core_.counters.responses.fetch_add(1, std::memory_order_relaxed);
  if (linger_after_write_) return linger();
  if (close) {
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    return this->close();
  }
  wait_for_request();
}

// Closing with unread request bytes makes the kernel send RST, which can destroy the answer
// before the client reads it; so: FIN first, then discard what still comes, for a bounded time.
void http_connection::linger() {
  beast::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  buffer_.consume(buffer_.size());
  set_deadline(phase::linger, linger_time);
  socket_.async_read_some(
      buffer_.prepare(linger_read_bytes),
      beast::bind_front_handler(&http_connection::on_linger, shared_from_this()));
}

void http_connection::on_linger(beast::error_code ec, std::size_t) {
  if (ec) return close();  // EOF, timeout or reset: done either way
  buffer_.consume(buffer_.size());
  socket_.async_read_some(
      buffer_.prepare(linger_read_bytes),
      beast::bind_front_handler(&http_connection::on_linger, shared_from_this()));
}

void http_connection::close() {
  if (closed_) return;
  closed_ = true;
  awaiting_answer_ = false;
  phase_ = phase::none;
  deadline_timer_.cancel();
  beast::error_code ignored;
  socket_.close(ignored);
  core_.remove_connection(this);
}

}  // namespace tixsync::api::detail
