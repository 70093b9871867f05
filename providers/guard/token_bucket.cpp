// token_bucket: lazy refill on every read (tokens = min(burst, tokens + rate * elapsed)).
#include "providers/guard/token_bucket.hpp"

#include <algorithm>
#include <stdexcept>

namespace tixsync::providers::guard {
namespace {

guard_duration seconds_to_duration(double seconds) {
  // Round up, so a caller that sleeps for the answer finds the token there.
  return std::chrono::ceil<guard_duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

token_bucket::token_bucket(double rate, double burst, clock_source clock)
    : rate_(rate), burst_(std::max(burst, 1.0)), clock_(std::move(clock)) {
  if (!clock_) clock_ = real_clock();
  tokens_ = burst_;
  updated_ = clock_();
}

double token_bucket::tokens_at(guard_time now) const {
  // A clock that went backwards (only possible with a hand-driven clock) refills nothing.
  if (now <= updated_) return tokens_;
  const double elapsed = std::chrono::duration<double>(now - updated_).count();
  return std::min(burst_, tokens_ + elapsed * rate_);
}

token_take token_bucket::take(double n) {
  if (!(n > 0) || n > burst_) {
    throw std::invalid_argument("token_bucket::take: n must be within (0, burst]");
  }
  if (unlimited()) return {true, {}};
  const guard_time now = clock_();
  tokens_ = tokens_at(now);
  if (now > updated_) updated_ = now;
  if (tokens_ >= n) {
    tokens_ -= n;
    return {true, {}};
  }
  return {false, seconds_to_duration((n - tokens_) / rate_)};
}

guard_duration token_bucket::time_until(double n) const {
  if (unlimited()) return {};
  const double have = tokens_at(clock_());
  if (have >= n) return {};
  return seconds_to_duration((n - have) / rate_);
}

double token_bucket::available() const {
  return unlimited() ? burst_ : tokens_at(clock_());
}

}  // namespace tixsync::providers::guard
