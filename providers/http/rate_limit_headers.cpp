// Parsing announced quotas (IETF RateLimit fields, configured header names), the board that
// keeps the latest one, and the transport that feeds it.
#include "providers/http/rate_limit_headers.hpp"

#include <cmath>
#include <cstdlib>
#include <map>
#include <vector>

namespace tixsync::providers::http {
namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

/// A non-negative finite number, or nullopt.
std::optional<double> number(const std::string& text) {
  const std::string value = trim(text);
  if (value.empty()) return std::nullopt;
  char* end = nullptr;
  const double parsed = std::strtod(value.c_str(), &end);
  if (end != value.c_str() + value.size() || !std::isfinite(parsed) || parsed < 0) {
    return std::nullopt;
  }
  return parsed;
}

/// One member of a structured-field list: its value (a quoted string or token unquoted, or a
/// number) and its parameters.
struct list_member {
  std::string value;
  std::map<std::string, std::string> params;
};

/// Splits `text` at `separator` outside double quotes.
std::vector<std::string> split_outside_quotes(const std::string& text, char separator) {
  std::vector<std::string> parts(1);
  bool quoted = false;
  for (char c : text) {
    if (c == '"') quoted = !quoted;
    if (c == separator && !quoted) {
      parts.emplace_back();
    } else {
      parts.back() += c;
    }
  }
  return parts;
}

std::string unquote(std::string text) {
  text = trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

std::vector<list_member> parse_list(const std::string& field) {
  std::vector<list_member> members;
  for (const auto& part : split_outside_quotes(field, ',')) {
    const auto pieces = split_outside_quotes(part, ';');
    list_member member;
    member.value = unquote(pieces.front());
    for (std::size_t i = 1; i < pieces.size(); ++i) {
      const auto eq = pieces[i].find('=');
      if (eq == std::string::npos) continue;
      member.params[trim(pieces[i].substr(0, eq))] = unquote(pieces[i].substr(eq + 1));
    }
    if (!member.value.empty() || !member.params.empty()) members.push_back(std::move(member));
  }
  return members;
}

std::optional<double> param(const list_member& member, const std::string& key) {
  const auto found = member.params.find(key);
  if (found == member.params.end()) return std::nullopt;
  return number(found->second);
}

/// The newer fields: `RateLimit: "p";r=..;t=..` and `RateLimit-Policy: "p";q=..;w=..`.
std::optional<announced_quota> from_structured(const http_response& response) {
  const auto field = response.header("RateLimit");
  if (!field) return std::nullopt;
  std::optional<announced_quota> best;
  std::vector<list_member> policies;
  if (const auto policy = response.header("RateLimit-Policy")) policies = parse_list(*policy);
  for (const auto& member : parse_list(*field)) {
    announced_quota quota;
    quota.remaining = param(member, "r");
    if (!quota.remaining) continue;
    quota.reset_s = param(member, "t");
    for (const auto& policy : policies) {
      if (policy.value != member.value) continue;
      quota.limit = param(policy, "q");
      quota.window_s = param(policy, "w");
    }
    if (!best || *quota.remaining < *best->remaining) best = quota;
  }
  return best;
}

/// The older fields: RateLimit-Limit (`100` or `100, 100;w=60`), -Remaining, -Reset.
std::optional<announced_quota> from_separate_fields(const http_response& response) {
  const auto remaining = response.header("RateLimit-Remaining");
  if (!remaining) return std::nullopt;
  announced_quota quota;
  quota.remaining = number(*remaining);
  if (!quota.remaining) return std::nullopt;
  if (const auto reset = response.header("RateLimit-Reset")) quota.reset_s = number(*reset);
  if (const auto limit = response.header("RateLimit-Limit")) {
    const auto members = parse_list(*limit);
    if (!members.empty()) quota.limit = number(members.front().value);
    for (const auto& member : members) {
      if (auto window = param(member, "w")) quota.window_s = window;
    }
  }
  return quota;
}

std::optional<announced_quota> from_names(const http_response& response,
                                          const quota_header_names& names) {
  if (names.remaining.empty()) return std::nullopt;
  const auto remaining = response.header(names.remaining);
  if (!remaining) return std::nullopt;
  announced_quota quota;
  quota.remaining = number(*remaining);
  if (!quota.remaining) return std::nullopt;
  auto read = [&](const std::string& name) -> std::optional<double> {
    if (name.empty()) return std::nullopt;
    const auto value = response.header(name);
    return value ? number(*value) : std::nullopt;
  };
  quota.limit = read(names.limit);
  quota.window_s = read(names.window);
  if (quota.window_s && names.window_in_ms) *quota.window_s /= 1000.0;
  quota.reset_s = read(names.reset);
  return quota;
}

}  // namespace

std::optional<double> announced_quota::rate() const {
  if (!limit || !window_s || *limit <= 0 || *window_s <= 0) return std::nullopt;
  return *limit / *window_s;
}

std::optional<announced_quota> parse_announced_quota(const http_response& response,
                                                     const quota_header_names& names) {
  if (auto quota = from_names(response, names)) return quota;
  if (auto quota = from_structured(response)) return quota;
  return from_separate_fields(response);
}

void quota_board::observe(const http_response& response, double granted_at_send) {
  auto quota = parse_announced_quota(response, names_);
  if (!quota) return;
  quota->seen = std::chrono::steady_clock::now();
  quota->granted_at_send = granted_at_send;
  std::lock_guard<std::mutex> lock(mutex_);
  ++count_;
  if (!latest_ || *quota->remaining <= *latest_->remaining) latest_ = std::move(quota);
}

std::optional<announced_quota> quota_board::take() {
  std::lock_guard<std::mutex> lock(mutex_);
  auto out = std::move(latest_);
  latest_.reset();
  return out;
}

std::uint64_t quota_board::announcements() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return count_;
}

void quota_watching_transport::send(http_request request, callback done) {
  const double granted_at_send = board_->grants();
  inner_->send(std::move(request),
               [board = board_, granted_at_send, done = std::move(done)](http_result result) {
                 if (result.response) board->observe(*result.response, granted_at_send);
                 done(std::move(result));
               });
}

}  // namespace tixsync::providers::http
