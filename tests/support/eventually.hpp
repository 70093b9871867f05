// Bounded polling for tests: whether a condition comes true within a time bound. The bound only
// stops a test that would otherwise hang; it never measures speed.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace tixsync::testing {

/// Polls `condition` every `every` until it holds or `bound` passes; returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds bound = std::chrono::seconds(30),
                       std::chrono::milliseconds every = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(every);
  }
  return condition();
}

}  // namespace tixsync::testing
