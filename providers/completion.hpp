// A one-shot completion handle for the asynchronous provider calls. Whichever thread calls it
// first delivers the result, later calls are ignored, and a handle whose last copy is destroyed
// without a call delivers a "dropped" result: the caller always hears back exactly once.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <utility>

namespace tixsync::providers {

/// A copyable handle to one pending result. Copies share the same state; calling any copy
/// counts for all. Thread-safe.
template <class Result>
class completion {
 public:
  using callback = std::function<void(Result)>;
  /// Makes the result of a dropped handle; called only then (the common path builds nothing).
  using dropped_result = Result (*)();

  /// `on_result` receives the result exactly once: the first delivered one, or if_dropped()'s
  /// when every copy of the handle is gone without a call (on the thread that drops the last
  /// copy).
  completion(callback on_result, dropped_result if_dropped)
      : state_(std::make_shared<state>(std::move(on_result), if_dropped)) {}

  /// Delivers `result`; returns false (and does nothing) when a result was delivered before.
  bool operator()(Result result) const { return state_ && state_->deliver(std::move(result)); }

  /// Whether a result was delivered (by any copy).
  bool delivered() const { return state_ && state_->delivered.load(); }

 private:
  struct state {
    state(callback cb, dropped_result dropped) : on_result(std::move(cb)), if_dropped(dropped) {}
    state(const state&) = delete;
    state& operator=(const state&) = delete;

    bool deliver(Result result) {
      if (delivered.exchange(true)) return false;
      on_result(std::move(result));
      return true;
    }

    ~state() {
      if (delivered.exchange(true)) return;
      // A destructor must not throw; a throwing callback loses only its own report.
      try {
        on_result(if_dropped());
      } catch (...) {
      }
    }

    callback on_result;
    dropped_result if_dropped;
    std::atomic<bool> delivered{false};
  };

  std::shared_ptr<state> state_;
};

}  // namespace tixsync::providers
