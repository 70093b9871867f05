// Test doubles of the guard tests: a clock the test moves by hand, an in-process inner provider
// whose answers are scripted (at once, held until the test releases them, or completed later by
// its own thread), a log sink that keeps its lines, and bounded polling.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "providers/guard/guard_clock.hpp"
#include "providers/log_sink.hpp"
#include "providers/provider.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::providers::guard::testing {

/// Long enough for a loaded machine; a hang fails the test instead of blocking the run.
inline constexpr std::chrono::seconds wait_limit{20};

using tixsync::testing::eventually;  // tests/support/eventually.hpp

/// A steady clock that moves only when the test says so. Thread-safe.
class fake_clock {
 public:
  fake_clock() : now_(guard_duration(std::chrono::hours(1000)).count()) {}
  clock_source source() {
    return [this] { return guard_time(guard_duration(now_.load())); };
  }
  guard_time now() const { return guard_time(guard_duration(now_.load())); }
  void advance(guard_duration by) { now_ += by.count(); }

 private:
  std::atomic<guard_duration::rep> now_;
};

/// Keeps every log line. Thread-safe.
class log_lines {
 public:
  log_sink sink() {
    return [this](log_level level, const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(std::string(to_string(level)) + ": " + line);
    };
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }
  /// Lines that contain `text`.
  int count(const std::string& text) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

/// The inner provider "crm". Each call gets answer(call number, 0-based); how it is delivered
/// depends on the mode. Tracks calls, calls in flight and their maximum, and call times.
class scripted_provider : public provider {
 public:
  enum class mode {
    at_once,  ///< completes inside sync_object
    held,     ///< waits until complete_held()
    later,    ///< completed by the provider's own thread, `delay` after the call
  };

  explicit scripted_provider(mode m = mode::at_once,
                             std::chrono::microseconds delay = std::chrono::microseconds(0));
  ~scripted_provider() override;

  std::string identifier() const override { return "crm"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  void sync_object(object_request request, object_completion done) override;
  void finalize_sync_order(finalize_request request, finalize_completion done) override;
  void close() override { ++closes; }

  /// The answer of the n-th call; default: synced.
  std::function<object_result(int)> answer;
  /// When set and true for the call number, the call throws std::runtime_error.
  std::function<bool(int)> throw_for;

  /// Completes the oldest held call with its answer; false when none is held.
  bool complete_held();
  std::size_t held() const;
  void set_mode(mode m);

  std::atomic<int> calls{0};
  std::atomic<int> finalizes{0};
  std::atomic<int> closes{0};
  std::atomic<int> in_flight{0};
  std::atomic<int> max_in_flight{0};
  /// The steady time of every call, in call order.
  std::vector<guard_time> call_times() const;

 private:
  struct pending {
    int number;
    object_completion done;
    guard_time due;
  };
  void deliver(pending p);
  void run_later();

  std::vector<mapping::mapping_definition> mappings_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  mode mode_;
  std::chrono::microseconds delay_;
  std::deque<pending> held_;
  std::vector<guard_time> times_;
  bool stopping_ = false;
  std::thread worker_;
};

/// Collects the results of calls by number; each must arrive exactly once.
class result_log {
 public:
  explicit result_log(std::size_t calls) : counts_(calls), results_(calls) {}
  /// A completion for call `n` (make_object_completion: a dropped one reports internal).
  object_completion completion_for(std::size_t n);
  /// Results delivered so far (all calls).
  std::size_t delivered() const { return delivered_.load(); }
  /// True when every call got exactly one result and none more than one.
  bool each_exactly_once() const;
  object_result result(std::size_t n) const;
  /// How many results have this error signature ("" = success).
  std::size_t with_signature(const std::string& signature) const;

 private:
  mutable std::mutex mutex_;
  std::vector<int> counts_;
  std::vector<object_result> results_;
  std::atomic<std::size_t> delivered_{0};
};

}  // namespace tixsync::providers::guard::testing
