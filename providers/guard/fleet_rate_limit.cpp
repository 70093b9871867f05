// fleet_rate_limit: the chunked token pool filled from Redis (take_tokens-10.lua) and the
// fail-safe per-node share while Redis cannot be reached.
#include "providers/guard/fleet_rate_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <future>

#include "persistence/rate_limit_store.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/worker_pool.hpp"

namespace tixsync::providers::guard {
namespace {

int chunk_of(double rate, int burst) {
  // A tenth of a second's worth: few Redis commands per synced object, little waste.
  const int tenth = static_cast<int>(std::floor(rate / 10));
  return std::max(1, std::min(burst, tenth));
}

std::string share_text(double rate, int nodes) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3g/s", rate / std::max(nodes, 1));
  return text;
}

persistence::connection_options guard_connection(persistence::connection_options options) {
  options.connect_attempts = 1;  // an outage must not hold the guard's thread for long
  return options;
}

persistence::quota_announcement to_announcement(const http::announced_quota& quota, int in_flight) {
  persistence::quota_announcement out;
  out.remaining = quota.remaining.value_or(0);
  if (quota.reset_s) out.reset_ms = *quota.reset_s * 1000;
  if (quota.window_s) out.window_ms = *quota.window_s * 1000;
  out.rate = quota.rate().value_or(0);
  // Grants after the request was sent are subtracted in Redis; calls of this node granted before
  // it and still in flight may be missing from the count too.
  out.reserve = static_cast<double>(std::max(in_flight, 0));
  out.granted_at_send = quota.granted_at_send;
  out.age_ms = std::max(
      0.0, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - quota.seen)
               .count());
  return out;
}

persistence::worker_pool_options redis_thread(const log_sink& log) {
  persistence::worker_pool_options o;
  o.name = "tx-fleet";
  o.threads = 1;
  o.max_queued = 1;  // only the guard's thread posts, one call at a time
  o.on_stop = persistence::drain_policy::run_queued;
  o.log = [log](const std::string& line) {
    if (log) log(log_level::error, line);
  };
  return o;
}

}  // namespace

struct fleet_redis_caller {
  fleet_redis_caller(const persistence::connection_options& redis,
                     const persistence::key_space& keys)
      : connection(redis), store(connection, keys) {}
  persistence::redis_connection connection;
  persistence::rate_limit_store store;
};

namespace {

using grant_or_error = persistence::status_or<persistence::token_grant>;

/// Runs `take` on the Redis thread and waits for its answer (a job that throws or is abandoned,
/// or a pool that takes no jobs, answers as a lost connection).
grant_or_error take_on(persistence::worker_pool<fleet_redis_caller>& redis,
                       std::function<grant_or_error(persistence::rate_limit_store&)> take) {
  auto answer = std::make_shared<std::promise<grant_or_error>>();
  auto future = answer->get_future();
  const bool posted = redis.post([answer, take = std::move(take)](fleet_redis_caller& caller) {
    answer->set_value(take(caller.store));
  });
  if (!posted) {
    return grant_or_error(persistence::persistence_errc::connection_lost,
                          "the rate limit's Redis thread is stopped");
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return grant_or_error(persistence::persistence_errc::connection_lost,
                          "the rate limit's Redis call failed");
  }
}

}  // namespace

fleet_rate_limit::fleet_rate_limit(std::string provider, const limit_options& limits,
                                   fleet_options fleet, log_sink log, clock_source clock,
                                   std::shared_ptr<http::quota_board> announced)
    : provider_(std::move(provider)),
      rate_(limits.rate),
      burst_(std::max(limits.burst, 1)),
      chunk_(chunk_of(limits.rate, std::max(limits.burst, 1))),
      nodes_(std::max(limits.expected_nodes, 1)),
      fleet_(std::move(fleet)),
      log_(std::move(log)),
      clock_(clock ? std::move(clock) : real_clock()),
      redis_(std::make_unique<persistence::worker_pool<fleet_redis_caller>>(
          redis_thread(log_),
          [redis = guard_connection(fleet_.redis),
           keys = persistence::key_space(fleet_.key_prefix)] {
            return std::make_unique<fleet_redis_caller>(redis, keys);
          })),
      fallback_(limits.rate / std::max(limits.expected_nodes, 1),
                std::max(1, burst_ / std::max(limits.expected_nodes, 1)), clock_),
      announced_(std::move(announced)) {
  // Tokens pooled on a node are spent unseen by the destination's count: when following its
  // announcements, take one at a time so none sit in a pool when the count runs low.
  if (announced_) chunk_ = 1;
}

fleet_rate_limit::~fleet_rate_limit() = default;

void fleet_rate_limit::drop_stale(guard_time now) {
  if (pool_ > 0 && now >= pool_expires_) pool_ = 0;
}

bool fleet_rate_limit::try_take() {
  const guard_time now = clock_();
  drop_stale(now);
  if (pool_ > 0) {
    --pool_;
    return true;
  }
  // In fallback, once the retry time has come, Redis is asked again before the share is used.
  if (in_fallback_ && now < redis_not_before_) return fallback_.take(1).granted;
  return false;
}

bool fleet_rate_limit::should_fetch() const {
  const guard_time now = clock_();
  return (pool_ == 0 || now >= pool_expires_) && now >= redis_not_before_;
}

int fleet_rate_limit::wanted(std::size_t waiting) const {
  return static_cast<int>(std::clamp<std::size_t>(waiting, 1, static_cast<std::size_t>(chunk_)));
}

guard_duration fleet_rate_limit::wait() const {
  const guard_time now = clock_();
  if (in_fallback_) {
    const guard_duration share = fallback_.time_until(1);
    return now < redis_not_before_ ? std::min(share, redis_not_before_ - now) : guard_duration{};
  }
  return now < redis_not_before_ ? redis_not_before_ - now : guard_duration{};
}

guard_duration fleet_rate_limit::estimate(std::size_t position) const {
  const guard_time now = clock_();
  const std::size_t pooled = now < pool_expires_ ? static_cast<std::size_t>(pool_) : 0;
  if (position < pooled) return {};
  if (in_fallback_) return fallback_.time_until(static_cast<double>(position + 1));
  const guard_duration known = now < redis_not_before_ ? redis_not_before_ - now : guard_duration{};
  const double announced = announced_rate_.load();
  const double rate = announced > 0 ? std::min(rate_, announced) : rate_;
  const double seconds = static_cast<double>(position + 1 - pooled) / rate;
  return known + std::chrono::ceil<guard_duration>(std::chrono::duration<double>(seconds));
}

fleet_rate_limit::fetch_result fleet_rate_limit::fetch(int wanted, int in_flight) {
  fetch_result result;
  std::optional<persistence::quota_announcement> announcement;
  if (announced_) {
    if (auto quota = announced_->take()) {
      announcement = to_announcement(*quota, in_flight);
      if (announcement->rate > 0) announced_rate_ = announcement->rate;
      ++applied_;
    }
  }
  auto grant = take_on(*redis_, [&](persistence::rate_limit_store& store) {
    return store.take(provider_, rate_, burst_, std::max(wanted, 1), 0, announcement);
  });
  if (!grant) {
    result.error = grant.error().to_string();
    return result;
  }
  result.ok = true;
  result.granted = grant->granted;
  if (announced_) announced_->set_grants(static_cast<double>(grant->granted_total));
  result.wait = grant->wait;
  return result;
}

void fleet_rate_limit::apply(const fetch_result& result) {
  const guard_time now = clock_();
  ++calls_;
  if (!result.ok) {
    ++failures_;
    redis_not_before_ = now + fleet_.retry_redis_after;
    if (!in_fallback_ && log_) {
      log_(log_level::warning,
           "shared rate limit of provider " + provider_ + ": Redis unreachable (" + result.error +
               "); using this node's share " + share_text(rate_, nodes_) + " until it is back");
    }
    in_fallback_ = true;
    return;
  }
  if (in_fallback_ && log_) {
    log_(log_level::info, "shared rate limit of provider " + provider_ + ": Redis is back");
  }
  in_fallback_ = false;
  taken_ += static_cast<std::uint64_t>(result.granted);
  drop_stale(now);
  if (result.granted > 0) {
    pool_ += result.granted;
    pool_expires_ = now + fleet_.token_lifetime;
    redis_not_before_ = {};
  } else {
    redis_not_before_ = now + std::max(result.wait, guard_duration(std::chrono::milliseconds(1)));
  }
}

void fleet_rate_limit::add_stats(guard_stats& stats) const {
  stats.redis_calls = calls_;
  stats.redis_tokens_taken = taken_;
  stats.redis_failures = failures_;
  stats.redis_fallback = in_fallback_;
  if (announced_) stats.quota_announcements = announced_->announcements();
  stats.quota_applied = applied_.load();
}

}  // namespace tixsync::providers::guard
