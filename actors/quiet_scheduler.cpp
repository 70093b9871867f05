// The quiet scheduler (see quiet_scheduler.hpp). CAF's coordinator owns a clock whose
// cancel_timeouts() - called by every actor as it ends - pushes an event into a ring buffer and
// wakes the clock thread. This coordinator hands out its own clock instead, which remembers the
// actors that set a timeout and forwards cancel_timeouts() for those only. Delayed messages
// (delayed_send) do not go through cancel_timeouts and are unchanged.
//
// Its workers also sleep differently: see quiet_work_stealing.
#include "actors/quiet_scheduler.hpp"

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include <atomic>
#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/logger.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>
#include <caf/scheduler/worker.hpp>
#include <cerrno>
#include <mutex>
#include <thread>
#include <unordered_set>

namespace tixsync::actors {
namespace {

class quiet_clock : public caf::detail::thread_safe_actor_clock {
 public:
  using super = caf::detail::thread_safe_actor_clock;

  void set_ordinary_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                            uint64_t id) override {
    remember(self);
    super::set_ordinary_timeout(t, self, type, id);
  }

  void set_request_timeout(time_point t, caf::abstract_actor* self, caf::message_id id) override {
    remember(self);
    super::set_request_timeout(t, self, id);
  }

  void set_multi_timeout(time_point t, caf::abstract_actor* self, caf::atom_value type,
                         uint64_t id) override {
    remember(self);
    super::set_multi_timeout(t, self, type, id);
  }

  void cancel_timeouts(caf::abstract_actor* self) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (with_timeouts_.erase(self) == 0) return;  // nothing to cancel: no wake-up
    }
    super::cancel_timeouts(self);
  }

 private:
  void remember(caf::abstract_actor* self) {
    std::lock_guard<std::mutex> lock(mutex_);
    with_timeouts_.insert(self);
  }

  std::mutex mutex_;
  /// Actors that set a timeout since their last cancel_timeouts(); an address reused by a new
  /// actor at worst costs one needless cancel.
  std::unordered_set<caf::abstract_actor*> with_timeouts_;
};

/// CAF's work stealing (the same polling, then sleeping, and stealing every `steal_interval`
/// naps), but a worker sleeps on a semaphore instead of a condition variable. A condition
/// variable's wake-up costs system calls twice: CAF signals it while holding the worker's mutex,
/// so the woken worker blocks on that mutex at once; and glibc takes the mutex back after the wait
/// in a state that makes its next unlock a system call whether or not anyone waits. The
/// semaphore is posted only when the worker said it sleeps, and waiting on it takes no mutex.
class quiet_work_stealing : public caf::policy::work_stealing {
 public:
  using base = caf::policy::work_stealing;

  struct worker_data : base::worker_data {
    explicit worker_data(caf::scheduler::abstract_coordinator* parent) : base::worker_data(parent) {
      sem_init(&wake, 0, 0);
    }
    worker_data(const worker_data& other) : base::worker_data(other) { sem_init(&wake, 0, 0); }
    worker_data& operator=(const worker_data&) = delete;
    ~worker_data() { sem_destroy(&wake); }

    sem_t wake;                       ///< posted at most once per nap, by whoever ends it
    std::atomic<bool> asleep{false};  ///< the worker is about to wait, or waits, on `wake`
  };

  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    auto& data = d(self);
    data.queue.append(job);
    // Pairs with the fence in dequeue(): either the worker sees the job before it waits, or
    // this sees `asleep` and wakes it.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (data.asleep.exchange(false)) sem_post(&data.wake);
  }

  template <class Worker>
  caf::resumable* dequeue(Worker* self) {
    auto& data = d(self);
    // CAF's aggressive and moderate polling, as configured.
    for (std::size_t k = 0; k < 2; ++k) {
      const auto& strategy = data.strategies[k];
      for (std::size_t i = 0; i < strategy.attempts; i += strategy.step_size) {
        if (auto* job = data.queue.take_head()) return job;
        if (i % strategy.steal_interval == 0) {
          if (auto* job = try_steal(self)) return job;
        }
        if (strategy.sleep_duration.count() > 0)
          std::this_thread::sleep_for(strategy.sleep_duration);
      }
    }
    const auto& relaxed = data.strategies[2];
    for (std::size_t i = 1;; ++i) {
      data.asleep.store(true);
      std::atomic_thread_fence(std::memory_order_seq_cst);
      if (auto* job = data.queue.take_head()) {
        // A post that raced this check wakes the next nap early: one extra look, nothing lost.
        data.asleep.store(false);
        return job;
      }
      nap(data.wake, relaxed.sleep_duration);
      data.asleep.store(false);
      if (auto* job = data.queue.take_head()) return job;
      if (i % relaxed.steal_interval == 0) {
        if (auto* job = try_steal(self)) return job;
      }
    }
  }

 private:
  /// Waits until `wake` is posted or `duration` has passed.
  static void nap(sem_t& wake, caf::timespan duration) {
    timespec until{};
    clock_gettime(CLOCK_MONOTONIC, &until);
    const auto ns = until.tv_nsec + duration.count();
    until.tv_sec += static_cast<time_t>(ns / 1000000000);
    until.tv_nsec = static_cast<long>(ns % 1000000000);
    while (sem_clockwait(&wake, CLOCK_MONOTONIC, &until) != 0 && errno == EINTR) {
    }
  }
};

}  // namespace
}  // namespace tixsync::actors

// The quiet scheduler's workers run CAF's scheduling loop, less its logging bookkeeping: CAF's
// loop tells its logger which actor runs before each resume, through a dynamic_cast from the job
// to the actor (a cross-cast across virtual bases) and two lookups in the logger's table of
// threads - about 1,400 instructions per resume, 3 % of the node's instructions. CAF here is
// built without logging (CAF_LOG_LEVEL_QUIET) and the node logs nothing through CAF's logger, so
// nothing reads that actor ID. The loop is otherwise CAF 0.17's.
template <>
void caf::scheduler::worker<tixsync::actors::quiet_work_stealing>::run() {
  CAF_SET_LOGGER_SYS(&system());
  for (;;) {
    auto* job = policy_.dequeue(this);
    policy_.before_resume(this, job);
    const auto result = job->resume(this, max_throughput_);
    policy_.after_resume(this, job);
    switch (result) {
      case resumable::resume_later:
        policy_.resume_job_later(this, job);  // it stays in the loop: keep the reference
        break;
      case resumable::done:
        policy_.after_completion(this, job);
        intrusive_ptr_release(job);
        break;
      case resumable::awaiting_message:
        intrusive_ptr_release(job);  // enqueued again when a message comes
        break;
      case resumable::shutdown_execution_unit:
        policy_.after_completion(this, job);
        policy_.before_shutdown(this);
        return;
    }
  }
}

namespace tixsync::actors {
namespace {

class quiet_coordinator : public caf::scheduler::coordinator<quiet_work_stealing> {
 public:
  using super = caf::scheduler::coordinator<quiet_work_stealing>;

  explicit quiet_coordinator(caf::actor_system& sys) : super(sys) {}

  static caf::actor_system::module* make(caf::actor_system& sys, caf::detail::type_list<>) {
    return new quiet_coordinator(sys);
  }

  caf::detail::thread_safe_actor_clock& clock() noexcept override { return clock_; }

 protected:
  void start() override {
    // The base starts its own clock's thread too; nothing uses that clock, so it only sleeps.
    super::start();
    clock_thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "tx-caf-clock");
      system().thread_started();
      clock_.run_dispatch_loop();
      system().thread_terminates();
    });
  }

  void stop() override {
    super::stop();  // the actors are gone: nothing sets timeouts any more
    clock_.cancel_dispatch_loop();
    if (clock_thread_.joinable()) clock_thread_.join();
  }

 private:
  quiet_clock clock_;
  std::thread clock_thread_;
};

}  // namespace

void use_quiet_scheduler(caf::actor_system_config& config) {
  config.load<quiet_coordinator>();
}

}  // namespace tixsync::actors
