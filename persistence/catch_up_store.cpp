// catch_up_store: argument checks, the three catch-up scripts and their replies, and the read of
// an event's state (HGETALL of the state, GET and PTTL of the lease).
#include "persistence/catch_up_store.hpp"

namespace tixsync::persistence {
namespace {

std::int64_t number_of(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

catch_up_store::catch_up_store(redis_connection& connection, key_space keys)
    : scripts_(connection), keys_(std::move(keys)) {}

status catch_up_store::check(const std::string& event) const {
  if (!keys_.valid()) return keys_.valid();
  return validate_identifier("event", event, true);
}

script_call catch_up_store::call(const char* script, const std::string& event,
                                 std::vector<std::string> args, std::int64_t now_ms) const {
  // The prelude's fixed ARGV: now (0: the server's clock), log cap and retention (unused).
  args.insert(args.begin(), {std::to_string(now_ms), "0", "0"});
  return {script, {keys_.catch_up(event), keys_.catch_up_lease(event)}, std::move(args)};
}

status_or<std::variant<catch_up_lease, catch_up_refusal>> catch_up_store::take(
    const std::string& event, const std::string& owner, std::chrono::milliseconds interval,
    std::chrono::milliseconds lease, std::int64_t now_ms) {
  if (auto s = check(event); !s) return s;
  if (owner.empty() || interval.count() <= 0 || lease.count() <= 0 || now_ms < 0) {
    return {persistence_errc::invalid_argument,
            "catch-up lease of " + event + ": an owner, interval > 0 and lease > 0 are needed"};
  }
  auto reply = scripts_.run(
      call("catch_up_take", event,
           {owner, std::to_string(interval.count()), std::to_string(lease.count())}, now_ms));
  if (!reply) return reply.error();
  const auto& e = reply->elements;
  if (!reply->is_array() || e.size() != 4) {
    return {persistence_errc::protocol_error, "catch_up_take: unexpected reply"};
  }
  if (e[0].integer == 1) return {catch_up_lease{e[1].str, e[2].integer, e[3].str}};
  catch_up_refusal refusal;
  refusal.leased = e[1].str == "leased";
  refusal.wait = std::chrono::milliseconds(std::max<std::int64_t>(0, e[2].integer));
  refusal.holder = e[3].str;
  return {refusal};
}

status_or<bool> catch_up_store::renew(const std::string& event, const catch_up_lease& held,
                                      std::chrono::milliseconds lease) {
  if (auto s = check(event); !s) return s;
  auto reply =
      scripts_.run(call("catch_up_renew", event,
                        {held.token, std::to_string(std::max<std::int64_t>(1, lease.count()))}));
  if (!reply) return reply.error();
  return reply->integer == 1;
}

status_or<bool> catch_up_store::finish(const std::string& event, const catch_up_lease& held,
                                       const std::string& outcome, const std::string& error,
                                       const std::string& cursor) {
  if (auto s = check(event); !s) return s;
  auto reply = scripts_.run(call("catch_up_finish", event, {held.token, outcome, error, cursor}));
  if (!reply) return reply.error();
  return reply->integer == 1;
}

status_or<catch_up_state> catch_up_store::read(const std::string& event) {
  if (auto s = check(event); !s) return s;
  const std::string lease = keys_.catch_up_lease(event);
  auto replies = scripts_.connection().pipeline(
      {{"HGETALL", keys_.catch_up(event)}, {"GET", lease}, {"PTTL", lease}});
  if (!replies) return replies.error();
  for (const auto& r : *replies) {
    if (r.is_error()) return status(persistence_errc::server_error, r.str);
  }
  catch_up_state state;
  const auto& fields = (*replies)[0].elements;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    const std::string& name = fields[i].str;
    const std::string& value = fields[i + 1].str;
    if (name == "cursor")
      state.cursor = value;
    else if (name == "cursor_at")
      state.cursor_at_ms = number_of(value);
    else if (name == "next_poll")
      state.next_poll_ms = number_of(value);
    else if (name == "last_poll")
      state.last_poll_ms = number_of(value);
    else if (name == "last_outcome")
      state.last_outcome = value;
    else if (name == "last_error")
      state.last_error = value;
  }
  if (!(*replies)[1].is_nil()) {
    state.holder = (*replies)[1].str;
    state.lease_left_ms = std::max<std::int64_t>(0, (*replies)[2].integer);
  }
  return state;
}

}  // namespace tixsync::persistence
