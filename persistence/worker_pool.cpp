// worker_pool_core: a mutex-guarded FIFO and named threads, each with its state; failures and
// abandoned jobs are counted and logged; a pool left without threads refuses and abandons jobs.
#include "persistence/worker_pool.hpp"

#include <pthread.h>

#include <exception>
#include <iostream>

namespace tixsync::persistence {

worker_pool_core::worker_pool_core(worker_pool_options options, state_factory make_state)
    : options_(std::move(options)), make_state_(std::move(make_state)) {
  const std::size_t threads = options_.threads == 0 ? 1 : options_.threads;
  setting_up_ = threads;
  for (std::size_t i = 0; i < threads; ++i) {
    threads_.emplace_back([this, i] {
      const std::string name = (options_.name + "-" + std::to_string(i)).substr(0, 15);
      pthread_setname_np(pthread_self(), name.c_str());
      run();
    });
  }
}

worker_pool_core::~worker_pool_core() {
  stop(options_.on_stop, "the pool stopped");
}

bool worker_pool_core::post(erased_job work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || no_thread_) return false;
    if (options_.max_queued > 0 && jobs_.size() >= options_.max_queued) return false;
    jobs_.push_back(std::move(work));
  }
  wake_.notify_one();
  return true;
}

void worker_pool_core::stop(drain_policy policy, const std::string& reason) {
  std::lock_guard<std::mutex> serial(stop_mutex_);
  std::deque<erased_job> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    if (policy == drain_policy::abandon_queued) dropped.swap(jobs_);
  }
  wake_.notify_all();
  abandon(dropped, reason);
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t worker_pool_core::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size() + running_;
}

void worker_pool_core::run_job(const erased_job& work, void* state) {
  try {
    work(state);
    return;
  } catch (const std::exception& e) {
    log(options_.name + ": a job failed: " + e.what());
  } catch (...) {
    log(options_.name + ": a job failed with an unknown exception");
  }
  failures_.fetch_add(1, std::memory_order_relaxed);
}

bool worker_pool_core::set_up(std::shared_ptr<void>& state) {
  std::string error;
  try {
    state = make_state_();
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "an unknown exception";
  }
  std::deque<erased_job> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --setting_up_;
    if (error.empty()) {
      ++live_;
      return true;
    }
    // The last thread to fail while none runs: nothing will ever run what waits or comes.
    if (setting_up_ == 0 && live_ == 0) {
      no_thread_ = true;
      dropped.swap(jobs_);
    }
  }
  // Without its state the thread cannot run a job: it ends, the other threads carry on.
  failures_.fetch_add(1, std::memory_order_relaxed);
  log(options_.name + ": a thread could not set up: " + error);
  abandon(dropped, "no thread of the pool could set up");
  return false;
}

void worker_pool_core::abandon(std::deque<erased_job>& dropped, const std::string& reason) {
  if (dropped.empty()) return;
  abandoned_.fetch_add(dropped.size(), std::memory_order_relaxed);
  log(options_.name + ": " + std::to_string(dropped.size()) +
      " queued job(s) abandoned unrun: " + reason);
  dropped.clear();  // outside the lock: a job's captures may post elsewhere when destroyed
}

void worker_pool_core::run() {
  std::shared_ptr<void> state;
  if (!set_up(state)) return;
  for (;;) {
    erased_job work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left to run
      work = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    run_job(work, state.get());
    work = nullptr;  // its captures go before the job counts as done
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
}

void worker_pool_core::log(const std::string& line) const {
  if (options_.log) {
    options_.log(line);
  } else {
    std::cerr << "tixsync: " << line << "\n";
  }
}

}  // namespace tixsync::persistence
