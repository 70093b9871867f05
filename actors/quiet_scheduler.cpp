// The quiet scheduler (see quiet_scheduler.hpp). CAF's coordinator owns a clock whose
// cancel_timeouts() - called by every actor as it ends - pushes an event into a ring buffer and
// wakes the clock thread. This coordinator hands out its own clock instead, which remembers the
// actors that set a timeout and forwards cancel_timeouts() for those only. Delayed messages
// (delayed_send) do not go through cancel_timeouts and are unchanged.
//
// Its workers are also woken differently: CAF's work-stealing policy signals a sleeping worker's
// condition variable while it holds the worker's mutex, so the woken worker at once blocks on that
// mutex and has to be woken a second time when the signaller lets go - two more system calls, and
// often a second context switch, for every hand-off from the HTTP or store threads to the actors.
// quiet_work_stealing signals after letting go of the mutex.
#include "actors/quiet_scheduler.hpp"

#include <pthread.h>

#include <caf/actor_system_config.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/coordinator.hpp>
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

/// CAF's work stealing, but a sleeping worker is signalled after the mutex is released. Safe: the
/// job is in the queue before the mutex is taken, and the worker checks the queue under the mutex
/// before it sleeps, so it either sees the job or is asleep (`sleeping`) when the signal comes.
class quiet_work_stealing : public caf::policy::work_stealing {
 public:
  template <class Worker>
  void external_enqueue(Worker* self, caf::resumable* job) {
    auto& data = d(self);
    data.queue.append(job);
    bool wake = false;
    {
      std::lock_guard<std::mutex> guard(data.waitdata.lock);
      wake = data.waitdata.sleeping && !data.queue.empty();
    }
    if (wake) data.waitdata.cv.notify_one();
  }
};

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
