// hiredis behind RAII: connect (tcp or unix socket, PING check, AUTH, SELECT; the master through
// the sentinels: redis_connection_failover.cpp) with bounded timeouts and backoff, argv commands
// and pipelines sent with MSG_NOSIGNAL and read by hiredis, stale sockets replaced before use, and
// the one function mapping ctx->err to a status.
#include "persistence/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>
#include <unordered_set>

namespace tixsync::persistence {
namespace {

struct reply_deleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using reply_ptr = std::unique_ptr<redisReply, reply_deleter>;

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

redis_value convert(const redisReply* r) {
  redis_value v;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      v.type = redis_value::kind::integer, v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      v.type = redis_value::kind::string;
      break;
    case REDIS_REPLY_STATUS:
      v.type = redis_value::kind::status;
      break;
    case REDIS_REPLY_ERROR:
      v.type = redis_value::kind::error;
      break;
    case REDIS_REPLY_ARRAY:
      v.type = redis_value::kind::array;
      break;
    default:
      v.type = redis_value::kind::nil;
      break;
  }
  if (v.type == redis_value::kind::string || v.type == redis_value::kind::status ||
      v.type == redis_value::kind::error) {
    v.str.assign(r->str, r->len);
  }
  if (v.type == redis_value::kind::array) {
    v.elements.reserve(r->elements);
    for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(convert(r->element[i]));
  }
  return v;
}

/// Writes `n` in decimal at `at`; returns the end.
char* write_decimal(char* at, std::size_t n) {
  return std::to_chars(at, at + 20, n).ptr;
}

/// Writes one command in RESP (an array of bulk strings) at `at`, which has room for
/// resp_size(argv) bytes; returns the end. Written through a pointer, not appended piece by
/// piece: a claim cycle writes thousands of arguments.
char* write_resp(char* at, const std::vector<std::string>& argv) {
  *at++ = '*';
  at = write_decimal(at, argv.size());
  *at++ = '\r';
  *at++ = '\n';
  for (const auto& a : argv) {
    *at++ = '$';
    at = write_decimal(at, a.size());
    *at++ = '\r';
    *at++ = '\n';
    std::memcpy(at, a.data(), a.size());
    at += a.size();
    *at++ = '\r';
    *at++ = '\n';
  }
  return at;
}

/// Room for write_resp's bytes for `argv` (a bound: 20 digits per length).
std::size_t resp_size(const std::vector<std::string>& argv) {
  std::size_t size = 1 + 20 + 2;
  for (const auto& a : argv) size += 1 + 20 + 2 + a.size() + 2;
  return size;
}

/// Sends all of `bytes` from `sent` on; false with errno set when the socket fails. MSG_NOSIGNAL:
/// a peer that has gone is EPIPE here, never a SIGPIPE (a unix socket would raise one).
bool send_all(int fd, const std::string& bytes, std::size_t& sent) {
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

/// True when the socket's peer has closed or reset it, or sent bytes nobody asked for (the
/// stream is out of step): one non-blocking peek, no byte consumed.
bool closed_by_peer(int fd) {
  char byte = 0;
  const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n >= 0) return true;  // 0: orderly close (Redis `timeout`, shutdown); > 0: unsolicited
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

/// The first line of what a server sent, printable and short enough for a message.
std::string first_line(const std::string& answer) {
  std::string line;
  for (char c : answer) {
    if (c == '\r' || c == '\n') break;
    if (line.size() == 60) return line + "...";
    line += (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return line;
}

}  // namespace

std::string connection_options::endpoint() const {
  if (!unix_socket.empty()) return "unix:" + unix_socket;
  return host + ":" + std::to_string(port);
}

void redis_connection::context_deleter::operator()(redisContext* c) const {
  redisFree(c);
}

redis_connection::redis_connection(connection_options options) : options_(std::move(options)) {}
redis_connection::~redis_connection() = default;
redis_connection::redis_connection(redis_connection&&) noexcept = default;
redis_connection& redis_connection::operator=(redis_connection&&) noexcept = default;

bool redis_connection::connected() const {
  return ctx_ && ctx_->err == 0;
}
void redis_connection::disconnect() {
  ctx_.reset();
}
status redis_connection::connect() {
  return ensure_connected();
}

bool redis_connection::is_read_only(const std::vector<std::string>& argv) {
  static const std::unordered_set<std::string> read_only = {
      "PING",      "ECHO",   "GET",        "MGET",          "STRLEN",    "GETRANGE",
      "EXISTS",    "TYPE",   "TTL",        "PTTL",          "HGET",      "HMGET",
      "HGETALL",   "HKEYS",  "HVALS",      "HLEN",          "HEXISTS",   "HSTRLEN",
      "HSCAN",     "LRANGE", "LLEN",       "LINDEX",        "SMEMBERS",  "SCARD",
      "SISMEMBER", "SSCAN",  "ZRANGE",     "ZRANGEBYSCORE", "ZREVRANGE", "ZREVRANGEBYSCORE",
      "ZCARD",     "ZCOUNT", "ZSCORE",     "ZMSCORE",       "ZRANK",     "ZREVRANK",
      "ZSCAN",     "SCAN",   "DBSIZE",     "INFO",          "TIME",      "XRANGE",
      "XREVRANGE", "XLEN",   "EVALSHA_RO", "EVAL_RO",       "WAIT",      "ROLE"};
  if (argv.empty()) return false;
  const auto upper = [](std::string word) {
    for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return word;
  };
  const std::string name = upper(argv[0]);
  if (name == "SCRIPT" && argv.size() > 1) {
    const std::string sub = upper(argv[1]);
    return sub == "EXISTS" || sub == "LOAD";  // loading a script twice stores it once
  }
  return read_only.count(name) > 0;
}

// Maps the dead context's error to a status and drops the context (hiredis contexts are
// unusable after any error).
status redis_connection::fail(persistence_errc fallback, const std::string& doing) {
  const int saved_errno = errno;
  std::string detail = ctx_ ? std::string(ctx_->errstr) : std::string("no context");
  persistence_errc code = fallback;
  if (ctx_ && ctx_->err == REDIS_ERR_PROTOCOL) code = persistence_errc::protocol_error;
  if (fallback != persistence_errc::unreachable && ctx_ && ctx_->err == REDIS_ERR_IO &&
      (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK ||
       detail.find("temporarily unavailable") != std::string::npos)) {
    code = persistence_errc::timeout;
    detail = "no answer within " + std::to_string(options_.command_timeout.count()) + " ms";
  }
  ctx_.reset();
  return {code, doing + " " + options_.endpoint() + ": " + detail};
}

// A failed send() of our own (hiredis only reads): the context is dropped like after any error.
status redis_connection::send_failed(const std::string& doing, int error) {
  ctx_.reset();
  if (error == EAGAIN || error == EWOULDBLOCK) {
    return {persistence_errc::timeout,
            doing + " " + options_.endpoint() + ": could not send within " +
                std::to_string(options_.command_timeout.count()) + " ms"};
  }
  return {persistence_errc::connection_lost,
          doing + " " + options_.endpoint() + ": " + std::strerror(error)};
}

status redis_connection::connect_once() {
  if (options_.failover.enabled()) {
    if (auto located = locate_master(); !located) return located;
  }
  if (auto s = connect_server(); !s) return s;
  ++connects_;
  if (auto s = authenticate(); !s) return s;
  if (options_.failover.enabled()) return check_master_role();
  return {};
}

status redis_connection::connect_server() {
  const timeval tv = to_timeval(options_.connect_timeout);
  redisContext* raw = options_.unix_socket.empty()
                          ? redisConnectWithTimeout(options_.host.c_str(), options_.port, tv)
                          : redisConnectUnixWithTimeout(options_.unix_socket.c_str(), tv);
  ctx_.reset(raw);
  if (!ctx_) return {persistence_errc::unreachable, "cannot allocate a hiredis context"};
  if (ctx_->err) return fail(persistence_errc::unreachable, "cannot connect to Redis at");
  if (redisSetTimeout(ctx_.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
    return fail(persistence_errc::unreachable, "cannot set timeout on");
  }
  return probe_redis();
}

// AUTH (with the ACL user name when one is set) and SELECT; a refusal is auth_failed.
status redis_connection::authenticate() {
  std::vector<std::vector<std::string>> setup;
  if (!options_.password.empty()) {
    if (options_.username.empty()) {
      setup.push_back({"AUTH", options_.password});
    } else {
      setup.push_back({"AUTH", options_.username, options_.password});
    }
  }
  if (options_.db != 0) setup.push_back({"SELECT", std::to_string(options_.db)});
  for (const auto& argv : setup) {
    bool sent_any = false;
    auto reply = exchange_once({&argv, 1, false}, sent_any);
    if (!reply) return reply.error();
    if ((*reply)[0].is_error()) {
      ctx_.reset();
      return {persistence_errc::auth_failed,
              argv[0] + " refused by " + options_.endpoint() + ": " + (*reply)[0].str};
    }
  }
  return {};
}

// PING on the new socket, read by hand: hiredis would only report a protocol error and drop
// what came. A Redis answers "+PONG", or an error reply ("-NOAUTH ...", "-LOADING ...") that
// still says it is a Redis; anything else (an HTTP server's "HTTP/1.1 400 ...") is not one.
status redis_connection::probe_redis() {
  const std::string ping = "*1\r\n$4\r\nPING\r\n";
  std::size_t sent = 0;
  if (!send_all(ctx_->fd, ping, sent)) return send_failed("PING failed on", errno);
  std::string answer;
  char buffer[256];
  while (answer.find('\n') == std::string::npos && answer.size() < 512) {
    const ssize_t n = ::recv(ctx_->fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      answer.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    const int error = errno;
    ctx_.reset();
    if (n < 0 && (error == EAGAIN || error == EWOULDBLOCK)) {
      return {persistence_errc::timeout,
              options_.endpoint() + " accepted the connection but did not answer PING within " +
                  std::to_string(options_.command_timeout.count()) + " ms"};
    }
    return {persistence_errc::connection_lost,
            options_.endpoint() + " closed the connection without answering PING" +
                (n < 0 ? std::string(": ") + std::strerror(error) : std::string())};
  }
  if (answer[0] == '+' || answer[0] == '-') return {};
  ctx_.reset();
  return {persistence_errc::not_redis,
          options_.endpoint() + " answered PING with '" + first_line(answer) + "'"};
}

// Up to `connect_attempts` tries with backoff; with sentinels, while they name a master that
// cannot be used yet (a failover runs), more tries within failover_options::max_wait.
status redis_connection::ensure_connected() {
  if (connected()) return {};
  ctx_.reset();
  const auto& failover = options_.failover;
  const int attempts = options_.connect_attempts < 1 ? 1 : options_.connect_attempts;
  const int failover_attempts = std::max(attempts, failover.max_attempts);
  const auto deadline = std::chrono::steady_clock::now() + failover.max_wait;
  auto backoff = options_.initial_backoff;
  status last;
  int attempt = 1;
  for (;; ++attempt) {
    last = connect_once();
    if (last.ok() || last.code() == persistence_errc::auth_failed ||
        last.code() == persistence_errc::not_redis) {
      return last;
    }
    // connect_attempts 1: the caller must not block (it has a fallback), not even for a failover.
    const bool waiting_for_failover = failover.enabled() && attempts > 1 &&
                                      !no_sentinel_answered_ && attempt < failover_attempts &&
                                      std::chrono::steady_clock::now() < deadline;
    if (attempt >= attempts && !waiting_for_failover) break;
    if (failover.enabled()) {
      log("Redis master '" + failover.master_name + "' not usable yet (attempt " +
          std::to_string(attempt) + "): " + last.message());
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  return {last.code(), last.message() + " (" + std::to_string(attempt) + " attempts)"};
}

void redis_connection::drop_if_closed_by_peer() {
  if (connected() && closed_by_peer(ctx_->fd)) ctx_.reset();
}

status_or<redis_value> redis_connection::command(const std::vector<std::string>& argv) {
  if (argv.empty()) return {persistence_errc::invalid_argument, "empty Redis command"};
  auto replies = exchange({&argv, 1, false});
  if (!replies) return replies.error();
  return std::move((*replies)[0]);
}

status_or<std::vector<redis_value>> redis_connection::pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  if (cmds.empty()) return std::vector<redis_value>{};
  return exchange({cmds.data(), cmds.size(), true});
}

// One call with the stale-connection handling of the class comment: a closed socket is
// replaced before sending, and a lost connection is retried once when repeating is safe.
status_or<std::vector<redis_value>> redis_connection::exchange(call_view call) {
  drop_if_closed_by_peer();
  const bool reused = connected();
  if (auto s = ensure_connected(); !s) return s;
  bool sent_any = false;
  auto replies = exchange_once(call, sent_any);
  if (replies.ok() && options_.failover.enabled()) {
    return resend_to_master(call, std::move(replies));
  }
  if (replies.ok() || !reused || replies.code() != persistence_errc::connection_lost) {
    return replies;
  }
  const bool repeatable = std::all_of(call.begin(), call.end(), &redis_connection::is_read_only);
  if (sent_any && !repeatable) return replies;
  ++resent_;
  if (auto s = ensure_connected(); !s) return s;
  replies = exchange_once(call, sent_any);
  if (options_.failover.enabled()) return resend_to_master(call, std::move(replies));
  return replies;
}

std::string redis_connection::call_view::doing() const {
  return pipeline ? std::string("Redis pipeline failed on")
                  : "Redis " + first->front() + " failed on";
}

// Sends the commands in one write and reads one reply per command.
status_or<std::vector<redis_value>> redis_connection::exchange_once(call_view call,
                                                                    bool& sent_any) {
  std::size_t size = 0;
  for (const auto& argv : call) size += resp_size(argv);
  std::string bytes(size, '\0');
  char* end = bytes.data();
  for (const auto& argv : call) end = write_resp(end, argv);
  bytes.resize(static_cast<std::size_t>(end - bytes.data()));
  const auto started = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  const bool all_sent = send_all(ctx_->fd, bytes, sent);
  sent_any = sent > 0;
  if (!all_sent) return send_failed(call.doing(), errno);
  commands_sent_ += call.count;
  std::vector<redis_value> out;
  out.reserve(call.count);
  for (std::size_t i = 0; i < call.count; ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return fail(persistence_errc::connection_lost, call.doing());
    }
    reply_ptr reply(static_cast<redisReply*>(raw));
    out.push_back(convert(reply.get()));
  }
  observe_round_trip(started);
  return out;
}

void redis_connection::observe_round_trip(std::chrono::steady_clock::time_point started) const {
  if (!options_.round_trip) return;
  options_.round_trip(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - started));
}

}  // namespace tixsync::persistence
