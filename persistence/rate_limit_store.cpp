// rate_limit_store: argument checks, the take_tokens script call and its reply.
#include "persistence/rate_limit_store.hpp"

#include <cstdio>

namespace tixsync::persistence {
namespace {

std::string number_arg(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

rate_limit_store::rate_limit_store(redis_connection& connection, key_space keys)
    : scripts_(connection), keys_(std::move(keys)) {}

std::string rate_limit_store::key(const std::string& provider) const {
  // The queue's hash tag, so the bucket lives in the provider's Redis Cluster slot.
  return keys_.rate_limit(provider);
}

status_or<token_grant> rate_limit_store::take(const std::string& provider, double rate, int burst,
                                              int wanted, std::int64_t now_ms,
                                              const std::optional<quota_announcement>& announced) {
  if (!keys_.valid()) return keys_.valid();
  if (auto s = validate_identifier("provider", provider); !s) return s;
  if (!(rate > 0) || burst < 1 || wanted < 1 || now_ms < 0) {
    return {persistence_errc::invalid_argument,
            "take tokens of " + provider + ": rate must be > 0, burst and wanted >= 1, now >= 0"};
  }
  script_call call{"take_tokens",
                   keys_.queue(provider).all(),
                   {std::to_string(now_ms), "0", "0", number_arg(rate), std::to_string(burst),
                    std::to_string(wanted)}};
  if (announced) {
    for (double value :
         {announced->remaining, announced->reset_ms, announced->window_ms, announced->rate,
          announced->reserve, announced->age_ms, announced->granted_at_send}) {
      call.args.push_back(number_arg(value));
    }
  }
  call.keys.push_back(key(provider));
  auto reply = scripts_.run(call);
  if (!reply) return reply.error();
  const auto& e = reply->elements;
  if (!reply->is_array() || e.size() != 5) {
    return {persistence_errc::protocol_error, "take_tokens: unexpected reply"};
  }
  token_grant grant;
  grant.granted = static_cast<int>(e[0].integer);
  grant.wait = std::chrono::milliseconds(e[1].integer);
  grant.now_ms = e[2].integer;
  grant.left = static_cast<double>(e[3].integer) / 1000.0;
  grant.granted_total = e[4].integer;
  return grant;
}

}  // namespace tixsync::persistence
