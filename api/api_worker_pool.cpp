// api_worker_pool: a mutex-guarded FIFO and a fixed set of threads, each with its redis_worker.
#include "api/api_worker_pool.hpp"

#include <pthread.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace tixsync::api {

redis_worker::redis_worker(const persistence::connection_options& redis,
                           const persistence::key_space& keys_in)
    : keys(keys_in),
      connection(redis),
      queue(connection, persistence::queue_options{keys_in}),
      results(connection, keys_in),
      audit(connection, keys_in),
      snapshots(connection, keys_in),
      nodes(connection, keys_in),
      pauses(connection, keys_in) {}

struct api_worker_pool::impl {
  persistence::connection_options redis;
  persistence::key_space keys;
  std::size_t max_queued;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<job> jobs;
  bool stopping = false;
  std::vector<std::thread> threads;

  void run() {
    redis_worker worker(redis, keys);
    for (;;) {
      job next;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stopping || !jobs.empty(); });
        if (jobs.empty()) return;
        next = std::move(jobs.front());
        jobs.pop_front();
      }
      try {
        next(worker);
      } catch (...) {
        // The job's responder, dropped unanswered, gives the client a 500.
      }
    }
  }
};

api_worker_pool::api_worker_pool(persistence::connection_options redis, persistence::key_space keys,
                                 int threads, std::size_t max_queued)
    : impl_(std::make_unique<impl>()) {
  impl_->redis = std::move(redis);
  impl_->keys = std::move(keys);
  impl_->max_queued = max_queued;
  for (int i = 0; i < (threads < 1 ? 1 : threads); ++i) {
    impl_->threads.emplace_back([this] {
      pthread_setname_np(pthread_self(), "tx-api-work");  // as `top -H` shows it
      impl_->run();
    });
  }
}

api_worker_pool::~api_worker_pool() {
  stop();
}

bool api_worker_pool::post(job work) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (impl_->stopping || impl_->jobs.size() >= impl_->max_queued) return false;
    impl_->jobs.push_back(std::move(work));
  }
  impl_->wake.notify_one();
  return true;
}

void api_worker_pool::stop() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
  impl_->threads.clear();
}

}  // namespace tixsync::api
