// hiredis behind RAII: connect (tcp or unix socket, AUTH, SELECT) with bounded timeouts and
// backoff, argv commands and pipelines, and the one function mapping ctx->err to a status.
#include "persistence/redis_connection.hpp"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <thread>

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

void append_argv(redisContext* c, const std::vector<std::string>& argv) {
  std::vector<const char*> ptrs;
  std::vector<std::size_t> lens;
  ptrs.reserve(argv.size());
  lens.reserve(argv.size());
  for (const auto& a : argv) ptrs.push_back(a.data()), lens.push_back(a.size());
  redisAppendCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data());
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

// Maps the dead context's error to a status and drops the context (hiredis contexts are
// unusable after any error).
status redis_connection::fail(persistence_errc fallback, const char* doing) {
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
  return {code, std::string(doing) + " " + options_.endpoint() + ": " + detail};
}

status redis_connection::connect_once() {
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
  ++connects_;
  std::vector<std::vector<std::string>> setup;
  if (!options_.password.empty()) setup.push_back({"AUTH", options_.password});
  if (options_.db != 0) setup.push_back({"SELECT", std::to_string(options_.db)});
  for (const auto& argv : setup) {
    auto reply = command(argv);
    if (!reply) return reply.error();
    if (reply->is_error()) {
      ctx_.reset();
      return {persistence_errc::auth_failed,
              argv[0] + " refused by " + options_.endpoint() + ": " + reply->str};
    }
  }
  return {};
}

status redis_connection::ensure_connected() {
  if (connected()) return {};
  ctx_.reset();
  auto backoff = options_.initial_backoff;
  status last;
  const int attempts = options_.connect_attempts < 1 ? 1 : options_.connect_attempts;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    last = connect_once();
    if (last.ok() || last.code() == persistence_errc::auth_failed) return last;
    if (attempt < attempts) {
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, options_.max_backoff);
    }
  }
  return {last.code(), last.message() + " (" + std::to_string(attempts) + " attempts)"};
}

status_or<redis_value> redis_connection::command(const std::vector<std::string>& argv) {
  if (argv.empty()) return {persistence_errc::invalid_argument, "empty Redis command"};
  if (auto s = ensure_connected(); !s) return s;
  const auto started = std::chrono::steady_clock::now();
  append_argv(ctx_.get(), argv);
  ++commands_sent_;
  void* raw = nullptr;
  if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
    return fail(persistence_errc::connection_lost, ("Redis " + argv[0] + " failed on").c_str());
  }
  reply_ptr reply(static_cast<redisReply*>(raw));
  observe_round_trip(started);
  return convert(reply.get());
}

status_or<std::vector<redis_value>> redis_connection::pipeline(
    const std::vector<std::vector<std::string>>& cmds) {
  std::vector<redis_value> out;
  if (cmds.empty()) return out;
  if (auto s = ensure_connected(); !s) return s;
  const auto started = std::chrono::steady_clock::now();
  for (const auto& argv : cmds) append_argv(ctx_.get(), argv);
  commands_sent_ += cmds.size();
  out.reserve(cmds.size());
  for (std::size_t i = 0; i < cmds.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
      return fail(persistence_errc::connection_lost, "Redis pipeline failed on");
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
