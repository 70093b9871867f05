// The clock the guards read: a monotonic clock behind a function, so tests can drive the token
// bucket, the circuit breaker and the guarded provider with a fake clock they move by hand.
#pragma once

#include <chrono>
#include <functional>

namespace tixsync::providers::guard {

/// The time base of every guard: steady (never jumps with the wall clock).
using guard_clock = std::chrono::steady_clock;
using guard_duration = guard_clock::duration;
using guard_time = guard_clock::time_point;

/// Returns "now"; called from any thread, must be thread-safe.
using clock_source = std::function<guard_time()>;

/// The real clock.
inline clock_source real_clock() {
  return [] { return guard_clock::now(); };
}

}  // namespace tixsync::providers::guard
