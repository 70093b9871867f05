// The store-worker threads: a mutex-guarded job queue and one queue port per thread.
#include "actors/store_pool.hpp"

#include <pthread.h>

#include <utility>

namespace tixsync::actors {

store_worker::store_worker(std::unique_ptr<persistence::queue_port> queue, event_cache& cache)
    : port(std::move(queue)), events(cache) {}

store_pool::store_pool(persistence::queue_port_factory ports, std::size_t threads)
    : ports_(std::move(ports)) {
  if (threads == 0) threads = 1;
  for (std::size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this, i] {
      pthread_setname_np(pthread_self(), "tx-store");  // as `top -H` shows it
      run(i);
    });
}

store_pool::~store_pool() {
  stop(false);
}

bool store_pool::post(job work) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return false;
    jobs_.push_back(std::move(work));
  }
  wake_.notify_one();
  return true;
}

void store_pool::run_here(const job& work) {
  store_worker worker(ports_(), events_);
  work(worker);
}

void store_pool::stop(bool drain) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    drain_ = drain;
    if (!drain) jobs_.clear();
  }
  wake_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

std::size_t store_pool::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return jobs_.size() + running_;
}

void store_pool::run(std::size_t index) {
  store_worker worker(ports_(), events_);
  for (;;) {
    job work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty() || (stopping_ && !drain_)) return;
      work = std::move(jobs_.front());
      jobs_.pop_front();
      ++running_;
    }
    // Jobs report their own failures as messages; an escaping exception must not end the thread.
    try {
      work(worker);
    } catch (...) {
    }
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
}

}  // namespace tixsync::actors
