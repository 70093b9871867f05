// The Redis Sentinel side of redis_connection: asking the sentinels where the master is, checking
// with ROLE that a server is the master, and resending a call a demoted master refused.
#include <algorithm>
#include <optional>

#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {
namespace {

/// How often one call is resent after READONLY/MASTERDOWN answers before the error is returned.
constexpr int max_demoted_resends = 3;

/// The address in a SENTINEL get-master-addr-by-name reply, or nullopt.
std::optional<sentinel_address> address_of(const redis_value& reply) {
  if (!reply.is_array() || reply.elements.size() != 2) return std::nullopt;
  const auto& port = reply.elements[1].str;
  if (reply.elements[0].str.empty() || port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return sentinel_address{reply.elements[0].str, std::stoi(port)};
}

/// One sentinel's answer: the master's address, or why there is none.
status_or<sentinel_address> ask_sentinel(const connection_options& options,
                                         const sentinel_address& sentinel) {
  connection_options o;
  o.host = sentinel.host;
  o.port = sentinel.port;
  o.password = options.failover.sentinel_password;
  o.connect_timeout = options.connect_timeout;
  o.command_timeout = options.command_timeout;
  o.connect_attempts = 1;
  redis_connection connection(o);
  auto reply =
      connection.command({"SENTINEL", "get-master-addr-by-name", options.failover.master_name});
  if (!reply) return reply.error();
  const std::string where = "sentinel " + o.endpoint();
  if (reply->is_error()) return {persistence_errc::server_error, where + ": " + reply->str};
  if (reply->is_nil()) {
    return {persistence_errc::not_found,
            where + " knows no master '" + options.failover.master_name + "'"};
  }
  if (auto address = address_of(*reply)) return *address;
  return {persistence_errc::protocol_error, where + " answered something not an address"};
}

}  // namespace

status_or<sentinel_address> find_master(const connection_options& options) {
  const auto& sentinels = options.failover.sentinels;
  if (sentinels.empty()) return {persistence_errc::invalid_argument, "no sentinels configured"};
  std::string reasons;
  bool refused = false;
  for (const auto& sentinel : sentinels) {
    auto answer = ask_sentinel(options, sentinel);
    if (answer) return answer;
    refused = refused || answer.code() == persistence_errc::auth_failed;
    reasons += (reasons.empty() ? "" : "; ") + answer.error().message();
  }
  // Any answer that is no address makes a config problem, not a failover: the caller stops.
  return {refused ? persistence_errc::auth_failed : persistence_errc::unreachable,
          "no sentinel named the master '" + options.failover.master_name + "' (" + reasons + ")"};
}

bool redis_connection::is_demoted_reply(const redis_value& reply) {
  return reply.is_error() &&
         (reply.str.rfind("READONLY", 0) == 0 || reply.str.rfind("MASTERDOWN", 0) == 0);
}

void redis_connection::log(const std::string& message) const {
  if (options_.failover.log) options_.failover.log(message);
}

// The address the sentinels give now; host and port then name it (and messages say it).
status redis_connection::locate_master() {
  auto master = find_master(options_);
  no_sentinel_answered_ = !master.ok();
  if (!master) return master.error();
  options_.unix_socket.clear();
  options_.host = master->host;
  options_.port = master->port;
  const std::string at = options_.endpoint();
  if (!master_at_.empty() && master_at_ != at) {
    log("Redis master '" + options_.failover.master_name + "' moved from " + master_at_ + " to " +
        at + ": reconnecting");
  }
  master_at_ = at;
  return {};
}

// A sentinel may name a server that is not (or no longer) the master during a failover.
status redis_connection::check_master_role() {
  const std::vector<std::string> role = {"ROLE"};
  bool sent_any = false;
  auto reply = exchange_once({&role, 1, false}, sent_any);
  if (!reply) return reply.error();
  const auto& r = (*reply)[0];
  if (r.is_array() && !r.elements.empty() && r.elements[0].str == "master") return {};
  ctx_.reset();
  const std::string what = r.is_array() && !r.elements.empty() ? r.elements[0].str : r.str;
  return {persistence_errc::unreachable, options_.endpoint() + " is not the master of '" +
                                             options_.failover.master_name + "' (ROLE: " + what +
                                             "); a failover is running"};
}

bool redis_connection::nothing_ran(call_view call, const std::vector<redis_value>& replies) {
  std::size_t i = 0;
  for (const auto& argv : call) {
    if (!is_read_only(argv) && !(i < replies.size() && is_demoted_reply(replies[i]))) return false;
    ++i;
  }
  return true;
}

// READONLY or MASTERDOWN: the server was demoted. The connection is dropped (the next connect
// asks the sentinels); the call is resent when none of its writes ran.
status_or<std::vector<redis_value>> redis_connection::resend_to_master(
    call_view call, status_or<std::vector<redis_value>> replies) {
  for (int resends = 0; replies.ok(); ++resends) {
    const auto& got = *replies;
    const auto demoted = std::find_if(got.begin(), got.end(), &redis_connection::is_demoted_reply);
    if (demoted == got.end()) return replies;
    ctx_.reset();
    log("Redis at " + options_.endpoint() + " answered " +
        demoted->str.substr(0, demoted->str.find(' ')) + ": finding the master '" +
        options_.failover.master_name + "' again");
    if (resends == max_demoted_resends || !nothing_ran(call, got)) return replies;
    if (auto s = ensure_connected(); !s) return s;
    ++resent_;
    bool sent_any = false;
    replies = exchange_once(call, sent_any);
  }
  return replies;
}

}  // namespace tixsync::persistence
