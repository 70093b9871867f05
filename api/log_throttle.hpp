// Internal to api/: lets a repeated log line through at most once per interval and counts the
// ones it held back, so a failure that repeats every few milliseconds (an accept that fails for
// want of file descriptors) is reported without flooding the log.
#pragma once

#include <chrono>
#include <cstdint>

namespace tixsync::api::detail {

/// Not thread-safe: one user, e.g. the accept strand.
class log_throttle {
 public:
  using clock = std::chrono::steady_clock;

  explicit log_throttle(clock::duration interval) : interval_(interval) {}

  /// True when a line may be written at `now`; `held_back` is then the number of lines held
  /// back since the last one written. False (and one more held back) otherwise.
  bool admit(clock::time_point now, std::uint64_t& held_back) {
    if (written_ && now - last_ < interval_) {
      ++held_back_;
      return false;
    }
    written_ = true;
    last_ = now;
    held_back = held_back_;
    held_back_ = 0;
    return true;
  }

 private:
  clock::duration interval_;
  clock::time_point last_{};
  bool written_ = false;
  std::uint64_t held_back_ = 0;
};

}  // namespace tixsync::api::detail
