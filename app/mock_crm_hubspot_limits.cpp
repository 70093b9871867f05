// The rolling request window, its headers, the OAuth token registry and the form decoding of the
// HubSpot-shaped mock CRM (mock_crm_hubspot_limits.hpp).
#include "app/mock_crm_hubspot_limits.hpp"

#include <algorithm>

#include "api/url_encoding.hpp"

namespace tixsync::app {
namespace {

std::int64_t utc_day() {
  using namespace std::chrono;
  return duration_cast<hours>(system_clock::now().time_since_epoch()).count() / 24;
}

/// Whole seconds, rounded up (a header must not promise a reset earlier than it comes).
std::int64_t ceil_seconds(std::chrono::milliseconds ms) {
  return (ms.count() + 999) / 1000;
}

}  // namespace

std::optional<ratelimit_headers> parse_ratelimit_headers(const std::string& text) {
  if (text == "hubspot") return ratelimit_headers::hubspot;
  if (text == "ietf") return ratelimit_headers::ietf;
  if (text == "both") return ratelimit_headers::both;
  return std::nullopt;
}

rolling_quota::rolling_quota(int max, std::chrono::milliseconds window, std::int64_t daily)
    : max_(max), window_(window), daily_(daily) {}

quota_verdict rolling_quota::take(const std::string& key, hubspot_clock::time_point now) {
  return check(key, now, true);
}

quota_verdict rolling_quota::peek(const std::string& key, hubspot_clock::time_point now) {
  return check(key, now, false);
}

quota_verdict rolling_quota::check(const std::string& key, hubspot_clock::time_point now,
                                   bool count) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (const auto day = utc_day(); day != day_) {
    today_.clear();
    day_ = day;
  }
  auto& recent = recent_[key];
  while (!recent.empty() && now - recent.front() >= window_) recent.pop_front();
  auto& used_today = today_[key];
  quota_verdict v;
  v.max = max_;
  v.window = window_;
  v.daily = daily_;
  v.allowed = static_cast<int>(recent.size()) < max_ && used_today < daily_;
  if (count && v.allowed) {
    recent.push_back(now);
    ++used_today;
  }
  v.remaining = std::max(0, max_ - static_cast<int>(recent.size()));
  v.daily_remaining = std::max<std::int64_t>(0, daily_ - used_today);
  v.reset =
      recent.empty()
          ? std::chrono::milliseconds(0)
          : std::chrono::duration_cast<std::chrono::milliseconds>(recent.front() + window_ - now);
  // The per-second view of the same quota: its share of a second, and what the last second used.
  const auto seconds_in_window = std::max<std::int64_t>(1, window_.count() / 1000);
  v.secondly = static_cast<int>(std::max<std::int64_t>(1, max_ / seconds_in_window));
  const auto last_second = std::count_if(recent.begin(), recent.end(), [&](const auto& t) {
    return now - t < std::chrono::seconds(1);
  });
  v.secondly_remaining = std::max(0, v.secondly - static_cast<int>(last_second));
  return v;
}

void rolling_quota::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  recent_.clear();
  today_.clear();
}

std::vector<std::pair<std::string, std::string>> ratelimit_header_list(const quota_verdict& v,
                                                                       ratelimit_headers which) {
  std::vector<std::pair<std::string, std::string>> out;
  if (which != ratelimit_headers::ietf) {
    out = {{"X-HubSpot-RateLimit-Max", std::to_string(v.max)},
           {"X-HubSpot-RateLimit-Remaining", std::to_string(v.remaining)},
           {"X-HubSpot-RateLimit-Interval-Milliseconds", std::to_string(v.window.count())},
           {"X-HubSpot-RateLimit-Secondly", std::to_string(v.secondly)},
           {"X-HubSpot-RateLimit-Secondly-Remaining", std::to_string(v.secondly_remaining)},
           {"X-HubSpot-RateLimit-Daily", std::to_string(v.daily)},
           {"X-HubSpot-RateLimit-Daily-Remaining", std::to_string(v.daily_remaining)}};
  }
  if (which != ratelimit_headers::hubspot) {
    const auto window_seconds = std::max<std::int64_t>(1, ceil_seconds(v.window));
    out.emplace_back("RateLimit-Policy", "\"burst\";q=" + std::to_string(v.max) +
                                             ";w=" + std::to_string(window_seconds));
    out.emplace_back("RateLimit", "\"burst\";r=" + std::to_string(v.remaining) +
                                      ";t=" + std::to_string(ceil_seconds(v.reset)));
  }
  return out;
}

token_registry::token_registry(std::string static_token, std::chrono::milliseconds ttl,
                               std::uint64_t seed)
    : static_token_(std::move(static_token)),
      ttl_(ttl),
      guarding_(!static_token_.empty()),
      dice_(seed ^ 0x9e3779b97f4a7c15ULL) {}

std::string token_registry::random_token(const char* prefix) {
  static const char digits[] = "0123456789abcdef";
  std::string token = prefix;
  for (int i = 0; i < 32; ++i) token.push_back(digits[dice_() % 16]);
  return token;
}

std::string token_registry::issue_access(hubspot_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto token = random_token("at-");
  access_[token] = now + ttl_;
  return token;
}

std::string token_registry::issue_refresh() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto token = random_token("rt-");
  refresh_[token] = true;
  return token;
}

bool token_registry::known_refresh(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return refresh_.count(token) > 0;
}

token_state token_registry::check(const std::string& token, hubspot_clock::time_point now,
                                  std::chrono::milliseconds* expired_for) const {
  // The static token is compared over its whole length (no timing hint about where it differs).
  if (!static_token_.empty() && token.size() == static_token_.size()) {
    unsigned char difference = 0;
    for (std::size_t i = 0; i < token.size(); ++i) difference |= token[i] ^ static_token_[i];
    if (difference == 0) return token_state::valid;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = access_.find(token);
  if (it == access_.end()) return token_state::unknown;
  if (now < it->second) return token_state::valid;
  if (expired_for) {
    *expired_for = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second);
  }
  return token_state::expired;
}

void token_registry::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  access_.clear();
  refresh_.clear();
}

std::optional<std::map<std::string, std::string>> parse_form(const std::string& body,
                                                             std::string& problem) {
  auto pairs = api::decode_query(body, problem);
  if (!pairs) return std::nullopt;
  std::map<std::string, std::string> out;
  for (auto& [name, value] : *pairs) out.emplace(std::move(name), std::move(value));
  return out;
}

}  // namespace tixsync::app
