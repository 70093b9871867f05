// A fixed set of named threads that run jobs from a bounded FIFO, each thread with state of its
// own built on that thread by a factory (its Redis connection and what its user keeps over it:
// hiredis contexts are not thread-safe). A job's exception is caught, counted and logged; at stop
// the queued jobs run or are abandoned with a reason, as the pool's drain policy says.
// A factory is not retried: the states connect lazily, so Redis being down at start fails the
// jobs (each reconnects on its next command), not the factory; a factory that throws is broken.
// When no thread could set up, the pool refuses new jobs and abandons the queued ones (counted,
// logged with the reason), so no caller waits for a thread that will never come.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace tixsync::persistence {

/// What stop() does with the jobs still queued.
enum class drain_policy {
  run_queued,      ///< they run, then the threads end
  abandon_queued,  ///< they are dropped unrun; how many and why is logged
};

struct worker_pool_options {
  /// Threads are named "<name>-<index>" (as `top -H` shows them; at most 15 characters).
  std::string name = "tx-worker";
  std::size_t threads = 1;     ///< >= 1 (0 is taken as 1)
  std::size_t max_queued = 0;  ///< jobs that may wait; more are refused by post(). 0: no bound
  drain_policy on_stop = drain_policy::run_queued;
  /// Failed jobs and abandoned ones, one line each (no secrets: the exception's text). Empty:
  /// stderr.
  std::function<void(const std::string& line)> log;
};

/// The type-erased pool behind worker_pool<State>: the queue, the threads and the counters.
class worker_pool_core {
 public:
  using erased_job = std::function<void(void* state)>;
  using state_factory = std::function<std::shared_ptr<void>()>;

  worker_pool_core(worker_pool_options options, state_factory make_state);
  ~worker_pool_core();
  worker_pool_core(const worker_pool_core&) = delete;
  worker_pool_core& operator=(const worker_pool_core&) = delete;

  bool post(erased_job work);
  void stop(drain_policy policy, const std::string& reason);
  std::size_t pending() const;
  std::uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  std::uint64_t abandoned() const { return abandoned_.load(std::memory_order_relaxed); }
  const worker_pool_options& options() const { return options_; }
  void run_job(const erased_job& work, void* state);

 private:
  void run();
  bool set_up(std::shared_ptr<void>& state);
  void abandon(std::deque<erased_job>& dropped, const std::string& reason);
  void log(const std::string& line) const;

  worker_pool_options options_;
  state_factory make_state_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<erased_job> jobs_;
  std::size_t running_ = 0;
  std::size_t setting_up_ = 0;  // threads still making their state
  std::size_t live_ = 0;        // threads holding a state
  bool stopping_ = false;
  bool no_thread_ = false;  // every thread failed to set up: jobs are refused
  std::mutex stop_mutex_;   // serialises concurrent stop() calls
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> failures_{0};
  std::atomic<std::uint64_t> abandoned_{0};
};

/// A worker pool whose threads each own a `State` made by the factory (on the thread, before its
/// first job; a thread whose factory throws logs it and ends; when none is left, the pool refuses
/// jobs and abandons the queued ones). Thread-safe; jobs start in posting order.
template <class State>
class worker_pool {
 public:
  using job = std::function<void(State& state)>;
  using factory = std::function<std::unique_ptr<State>()>;

  /// Starts the threads; each calls `make` once.
  worker_pool(worker_pool_options options, factory make)
      : make_(std::move(make)),
        core_(std::move(options), [make = make_]() -> std::shared_ptr<void> { return make(); }) {}
  /// stop() with the pool's policy.
  ~worker_pool() = default;

  /// Queues `work`; false (and `work` dropped unrun) when max_queued jobs wait, after stop, or
  /// when no thread could set up.
  bool post(job work) {
    return core_.post([work = std::move(work)](void* s) { work(*static_cast<State*>(s)); });
  }
  /// Runs `work` on the calling thread with a state of its own (start-up checks); an exception
  /// is counted and logged like one on the pool's threads.
  void run_here(const job& work) {
    auto state = make_();
    core_.run_job([&work](void* s) { work(*static_cast<State*>(s)); }, state.get());
  }
  /// Stops with the pool's drain policy and joins the threads. Idempotent.
  void stop() { core_.stop(core_.options().on_stop, "the pool stopped"); }
  /// Stops with `policy` (`reason`: why queued jobs are abandoned) and joins. Idempotent.
  void stop(drain_policy policy, const std::string& reason) { core_.stop(policy, reason); }

  /// Jobs waiting or running.
  std::size_t pending() const { return core_.pending(); }
  /// Jobs that threw.
  std::uint64_t failures() const { return core_.failures(); }
  /// Jobs dropped unrun: at stop, or because no thread could set up.
  std::uint64_t abandoned() const { return core_.abandoned(); }

 private:
  factory make_;
  worker_pool_core core_;
};

}  // namespace tixsync::persistence
