// A fixed-bucket histogram of durations for the Prometheus metrics (enqueue-to-synced latency,
// external request latency, Redis round trips). Recording is lock-free (relaxed atomics), so the
// runtime's hot paths can record every observation; a scrape reads a consistent-enough snapshot.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tixsync::providers {

/// The bucket upper bounds in seconds: 1 ms .. 60 s, roughly x2.5 apart (Prometheus style).
inline constexpr std::array<double, 16> latency_buckets_seconds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};

/// A copy of a histogram's state: cumulative counts per bucket (as Prometheus wants them).
struct histogram_snapshot {
  std::vector<double> upper_bounds;       ///< seconds; +Inf is implied after the last
  std::vector<std::uint64_t> cumulative;  ///< count of observations <= each bound
  std::uint64_t count = 0;                ///< all observations (the +Inf bucket)
  double sum_seconds = 0;
};

class latency_histogram {
 public:
  void record(std::chrono::microseconds duration) {
    const double seconds = static_cast<double>(duration.count()) / 1e6;
    std::size_t i = 0;
    while (i < latency_buckets_seconds.size() && seconds > latency_buckets_seconds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(duration.count() > 0 ? static_cast<std::uint64_t>(duration.count()) : 0,
                      std::memory_order_relaxed);
  }

  histogram_snapshot snapshot() const {
    histogram_snapshot s;
    std::uint64_t running = 0;
    for (std::size_t i = 0; i < latency_buckets_seconds.size(); ++i) {
      running += buckets_[i].load(std::memory_order_relaxed);
      s.upper_bounds.push_back(latency_buckets_seconds[i]);
      s.cumulative.push_back(running);
    }
    s.count = running + buckets_.back().load(std::memory_order_relaxed);
    s.sum_seconds = static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6;
    return s;
  }

 private:
  /// One slot per bound plus the overflow (+Inf) slot.
  std::array<std::atomic<std::uint64_t>, latency_buckets_seconds.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace tixsync::providers
