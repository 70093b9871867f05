// circuit_breaker: the closed / open / half-open state machine with a doubling cooldown, and the
// log line of every transition.
#include "providers/guard/circuit_breaker.hpp"

#include <algorithm>

#include "providers/guard/guard_errors.hpp"

namespace tixsync::providers::guard {

const char* to_string(circuit_state state) {
  switch (state) {
    case circuit_state::closed:
      return "closed";
    case circuit_state::open:
      return "open";
    case circuit_state::half_open:
      return "half_open";
  }
  return "closed";
}

call_outcome classify(const std::optional<sync_error>& error) {
  if (!error) return call_outcome::success;
  // The guard's own answers (a batch call refused its token) say nothing about the system.
  if (error->signature == local_rate_limit_signature ||
      error->signature == shutting_down_signature) {
    return call_outcome::neutral;
  }
  switch (error->kind) {
    case sync_error_kind::recoverable:
    case sync_error_kind::rate_limited:
    case sync_error_kind::timeout:
      return call_outcome::failure;
    case sync_error_kind::unrecoverable:
      return call_outcome::answered;
    case sync_error_kind::config:
    case sync_error_kind::internal:
      return call_outcome::neutral;
  }
  return call_outcome::neutral;
}

std::string describe_duration(std::chrono::milliseconds duration) {
  using namespace std::chrono;
  if (duration < seconds(1)) return std::to_string(duration.count()) + "ms";
  auto s = duration_cast<seconds>(duration).count();
  std::string out;
  if (s >= 3600) out += std::to_string(s / 3600) + "h", s %= 3600;
  if (s >= 60) out += std::to_string(s / 60) + "m", s %= 60;
  if (s > 0 || out.empty()) out += std::to_string(s) + "s";
  return out;
}

circuit_breaker::circuit_breaker(std::string provider, circuit_breaker_options options,
                                 log_sink log, clock_source clock)
    : provider_(std::move(provider)),
      options_(options),
      log_(std::move(log)),
      clock_(std::move(clock)) {
  if (!clock_) clock_ = real_clock();
  options_.failure_threshold = std::max(options_.failure_threshold, 1);
  options_.cooldown = std::max(options_.cooldown, std::chrono::milliseconds(1));
  options_.max_cooldown = std::max(options_.max_cooldown, options_.cooldown);
  cooldown_ = options_.cooldown;
}

void circuit_breaker::log(log_level level, const std::string& line) const {
  if (log_) log_(level, line);
}

void circuit_breaker::transition(circuit_state next) {
  state_ = next;
  ++generation_;
  probe_in_flight_ = false;
}

void circuit_breaker::open(guard_time now, const std::string& why, bool again) {
  if (again) cooldown_ = std::min(cooldown_ * 2, options_.max_cooldown);
  failures_when_opened_ = again ? failures_when_opened_ : failures_;
  transition(circuit_state::open);
  open_until_ = now + cooldown_;
  ++times_opened_;
  log(log_level::warning, "circuit of provider " + provider_ +
                              (again ? " opened again: " : " opened: ") + why +
                              "; pausing calls for " + describe_duration(cooldown_));
}

void circuit_breaker::close(const std::string& why) {
  failures_ = 0;
  cooldown_ = options_.cooldown;
  transition(circuit_state::closed);
  log(log_level::info, "circuit of provider " + provider_ + " closed: " + why);
}

bool circuit_breaker::permits() {
  if (!options_.enabled) return true;
  switch (state_) {
    case circuit_state::closed:
      return true;
    case circuit_state::half_open:
      return !probe_in_flight_;
    case circuit_state::open:
      if (clock_() < open_until_) return false;
      transition(circuit_state::half_open);
      log(log_level::info, "circuit of provider " + provider_ + " half-open after " +
                               describe_duration(cooldown_) + ": letting one probe call through");
      return true;
  }
  return true;
}

circuit_breaker::ticket circuit_breaker::admit() {
  ticket t{generation_, false};
  if (options_.enabled && state_ == circuit_state::half_open) {
    probe_in_flight_ = true;
    t.probe = true;
  }
  return t;
}

void circuit_breaker::record(const ticket& admitted, const std::optional<sync_error>& error) {
  if (!options_.enabled || admitted.generation != generation_) return;
  const call_outcome outcome = classify(error);
  if (state_ == circuit_state::closed) {
    if (outcome == call_outcome::success) failures_ = 0;
    if (outcome != call_outcome::failure) return;
    if (++failures_ >= options_.failure_threshold) {
      open(clock_(),
           std::to_string(failures_) + " failures in a row (last: " + to_string(error->kind) + " " +
               error->group() + ")",
           false);
    }
    return;
  }
  if (state_ != circuit_state::half_open || !admitted.probe) return;
  switch (outcome) {
    case call_outcome::success:
      close("the probe call succeeded");
      break;
    case call_outcome::answered:
      // A refusal of this one call (e.g. HTTP 422) proves the system is reachable again; the
      // call's own error goes to its order.
      close("the probe call was answered (" + error->group() + ")");
      break;
    case call_outcome::failure:
      open(clock_(),
           "the probe call failed (" + std::string(to_string(error->kind)) + " " + error->group() +
               ")",
           true);
      break;
    case call_outcome::neutral:
      probe_in_flight_ = false;
      break;
  }
}

guard_duration circuit_breaker::retry_after() {
  if (!options_.enabled) return {};
  switch (state_) {
    case circuit_state::closed:
      return {};
    case circuit_state::half_open:
      return probe_in_flight_ ? guard_duration(cooldown_) : guard_duration{};
    case circuit_state::open: {
      const guard_time now = clock_();
      return now < open_until_ ? open_until_ - now : guard_duration{};
    }
  }
  return {};
}

}  // namespace tixsync::providers::guard
