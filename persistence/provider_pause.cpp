// The provider pause hash: HSET to pause, DEL to resume (both confirmed by replicas like the
// acknowledging scripts: a pause a failover loses would let every node sync again), HGETALL
// (pipelined) to read.
#include "persistence/provider_pause.hpp"

#include "persistence/script_runner.hpp"

namespace tixsync::persistence {
namespace {

status check_reason(const std::string& reason) {
  if (reason.size() > max_pause_reason) {
    return {persistence_errc::invalid_argument,
            "reason: longer than " + std::to_string(max_pause_reason) + " bytes"};
  }
  for (unsigned char c : reason) {
    if (c < 0x20 || c == 0x7f) {
      return {persistence_errc::invalid_argument, "reason: contains a control character"};
    }
  }
  return {};
}

pause_state read_state(const redis_value& reply) {
  pause_state out;
  const auto& e = reply.elements;
  for (std::size_t i = 0; i + 1 < e.size(); i += 2) {
    out.paused = true;
    if (e[i].str == "reason") out.reason = e[i + 1].str;
    if (e[i].str == "who") out.who = e[i + 1].str;
    if (e[i].str == "since") out.since_ms = std::atoll(e[i + 1].str.c_str());
  }
  return out;
}

}  // namespace

provider_pause_store::provider_pause_store(redis_connection& connection, key_space keys)
    : connection_(connection), keys_(std::move(keys)) {}

status provider_pause_store::pause(const std::string& provider, const std::string& reason,
                                   const std::string& who, std::int64_t now_ms) {
  if (auto s = validate_identifier("provider", provider); !s) return s;
  if (auto s = check_reason(reason); !s) return s;
  if (auto s = validate_identifier("who", who); !s) return s;
  const std::string key = keys_.provider_pause(provider);
  auto replies = script_runner(connection_)
                     .run_acknowledged({{"DEL", key},
                                        {"HSET", key, "reason", reason, "who", who, "since",
                                         std::to_string(now_ms)}});
  if (!replies) return replies.error();
  for (const auto& r : *replies) {
    if (r.is_error()) return {persistence_errc::server_error, "pausing " + provider + ": " + r.str};
  }
  return {};
}

status_or<bool> provider_pause_store::resume(const std::string& provider) {
  if (auto s = validate_identifier("provider", provider); !s) return s;
  auto replies =
      script_runner(connection_).run_acknowledged({{"DEL", keys_.provider_pause(provider)}});
  if (!replies) return replies.error();
  const auto& reply = replies->front();
  if (reply.is_error()) {
    return status(persistence_errc::server_error, "resuming " + provider + ": " + reply.str);
  }
  return reply.integer > 0;
}

status_or<pause_state> provider_pause_store::get(const std::string& provider) {
  auto many = get_many({provider});
  if (!many) return many.error();
  return many->front();
}

status_or<std::vector<pause_state>> provider_pause_store::get_many(
    const std::vector<std::string>& providers) {
  std::vector<std::vector<std::string>> cmds;
  for (const auto& p : providers) {
    if (auto s = validate_identifier("provider", p); !s) return s;
    cmds.push_back({"HGETALL", keys_.provider_pause(p)});
  }
  if (cmds.empty()) return std::vector<pause_state>{};
  auto replies = connection_.pipeline(cmds);
  if (!replies) return replies.error();
  std::vector<pause_state> out;
  for (const auto& r : *replies) {
    if (r.is_error()) return status(persistence_errc::server_error, "reading pauses: " + r.str);
    out.push_back(read_state(r));
  }
  return out;
}

status_or<bool> provider_pause_store::has_queue(const std::string& provider) {
  if (auto s = validate_identifier("provider", provider); !s) return s;
  std::vector<std::string> argv{"EXISTS"};
  for (auto& k : keys_.queue(provider).all()) argv.push_back(std::move(k));
  argv.push_back(keys_.provider_pause(provider));
  auto reply = connection_.command(argv);
  if (!reply) return reply.error();
  if (reply->is_error()) return status(persistence_errc::server_error, reply->str);
  return reply->integer > 0;
}

}  // namespace tixsync::persistence
