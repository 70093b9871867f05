// The REST provider's batcher (see batch_collector.hpp): queues per object type, the linger
// timer, and the in-flight keys that keep two writes of one record apart.
#include "providers/rest/batch_collector.hpp"

#include <algorithm>

namespace tixsync::providers::rest {

struct batch_collector::shared_state {
  std::shared_ptr<const rest_context> context;
  std::mutex mutex;
  std::condition_variable wake;
  std::map<std::string, waiting> queues;  ///< by external object type
  bool closed = false;
};

batch_collector::batch_collector(std::shared_ptr<const rest_context> context)
    : state_(std::make_shared<shared_state>()) {
  state_->context = std::move(context);
  timer_ = std::thread([this] { run(); });
}

batch_collector::~batch_collector() {
  close();
}

void batch_collector::add(const object_settings& object, object_request request,
                          object_completion done) {
  auto key = match_key(request.id_value(), object.batch->ignore_case);
  if (!key) {
    done(object_result::failed(make_sync_error(
        sync_error_kind::unrecoverable,
        "The id value of a batched " + object.type + " object is neither text nor an integer",
        "batch results are matched to objects by their id value", "batch-id-value")));
    return;
  }
  std::unique_lock<std::mutex> lock(state_->mutex);
  if (state_->closed) {
    lock.unlock();
    done(object_result::failed(make_sync_error(sync_error_kind::recoverable,
                                               "The provider is shutting down", {}, "shutdown")));
    return;
  }
  waiting& queue = state_->queues[object.type];
  queue.object = &object;
  queue.entries.push_back(
      {std::move(request), std::move(done), std::move(*key), std::chrono::steady_clock::now()});
  if (sendable(queue, nullptr) >= static_cast<std::size_t>(object.batch->max_batch)) {
    dispatch(lock, queue);
    return;
  }
  if (queue.entries.size() == 1) state_->wake.notify_all();  // a new deadline
}

void batch_collector::close() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    if (state_->closed && !timer_.joinable()) return;
    state_->closed = true;
  }
  state_->wake.notify_all();
  if (timer_.joinable() && timer_.get_id() != std::this_thread::get_id()) timer_.join();
}

std::size_t batch_collector::sendable(const waiting& queue,
                                      std::chrono::steady_clock::time_point* oldest) {
  std::set<std::string> keys;
  for (const auto& entry : queue.entries) {
    if (queue.in_flight.count(entry.key) || !keys.insert(entry.key).second) continue;
    if (oldest && keys.size() == 1) *oldest = entry.arrived;
  }
  return keys.size();
}

std::vector<batch_entry> batch_collector::take(waiting& queue, bool closing) {
  const auto limit = static_cast<std::size_t>(queue.object->batch->max_batch);
  std::set<std::string> keys;
  std::vector<batch_entry> taken;
  std::vector<batch_entry> kept;
  for (auto& entry : queue.entries) {
    const bool blocked = !closing && queue.in_flight.count(entry.key);
    if (taken.size() < limit && !blocked && keys.insert(entry.key).second) {
      taken.push_back(std::move(entry));
    } else {
      kept.push_back(std::move(entry));
    }
  }
  queue.entries = std::move(kept);
  return taken;
}

bool batch_collector::dispatch(std::unique_lock<std::mutex>& lock, waiting& queue) {
  const auto& pacer = state_->context->pace_batch_call;
  if (!pacer) return send(state_, lock, queue, false, false);
  const auto max_batch = static_cast<std::size_t>(queue.object->batch->max_batch);
  if (queue.pacing >= (sendable(queue, nullptr) + max_batch - 1) / max_batch) return false;
  ++queue.pacing;
  std::weak_ptr<shared_state> weak = state_;
  auto go = [weak, type = queue.object->type](std::optional<sync_error> refusal) {
    if (auto state = weak.lock()) on_token(state, type, std::move(refusal));
  };
  lock.unlock();
  try {
    pacer(go);
  } catch (...) {
    go(to_sync_error(std::current_exception()));
  }
  lock.lock();
  return true;
}

void batch_collector::on_token(const std::shared_ptr<shared_state>& state, const std::string& type,
                               std::optional<sync_error> refusal) {
  std::unique_lock<std::mutex> lock(state->mutex);
  waiting& queue = state->queues[type];
  --queue.pacing;
  if (!refusal) {
    send(state, lock, queue, false, true);  // nothing left to send: the token goes unused
  } else {
    // As a call refused by the guard: these objects are answered, the next batch asks again.
    auto refused = take(queue, false);
    lock.unlock();
    for (auto& entry : refused) entry.done(object_result::failed(*refusal));
    lock.lock();
  }
  lock.unlock();
  state->wake.notify_all();  // more may be due
}

bool batch_collector::send(const std::shared_ptr<shared_state>& state,
                           std::unique_lock<std::mutex>& lock, waiting& queue, bool closing,
                           bool paced) {
  auto entries = take(queue, closing);
  if (entries.empty()) return false;
  for (const auto& entry : entries) queue.in_flight.insert(entry.key);
  const object_settings& object = *queue.object;
  std::weak_ptr<shared_state> weak = state;
  auto finished = [weak, type = object.type](std::vector<std::string> keys) {
    auto state = weak.lock();
    if (!state) return;
    {
      std::lock_guard<std::mutex> guard(state->mutex);
      auto& in_flight = state->queues[type].in_flight;
      for (const auto& key : keys) in_flight.erase(key);
    }
    state->wake.notify_all();  // objects with these keys may wait
  };
  lock.unlock();
  batch_call::start(state->context, object, std::move(entries), std::move(finished), paced);
  lock.lock();
  return true;
}

void batch_collector::run() {
  std::unique_lock<std::mutex> lock(state_->mutex);
  while (!state_->closed) {
    const auto now = std::chrono::steady_clock::now();
    auto next = std::chrono::steady_clock::time_point::max();
    bool sent = false;
    for (auto& [type, queue] : state_->queues) {
      std::chrono::steady_clock::time_point oldest{};
      if (sendable(queue, &oldest) == 0) continue;
      const auto due = oldest + queue.object->batch->max_linger;
      if (due > now) {
        next = std::min(next, due);
      } else if (dispatch(lock, queue)) {
        sent = true;
        break;  // the map may have changed while unlocked: look again
      }
      // Due, with its tokens asked for: their answers wake this thread.
    }
    if (sent) continue;
    if (next == std::chrono::steady_clock::time_point::max()) {
      state_->wake.wait(lock);
    } else {
      state_->wake.wait_until(lock, next);
    }
  }
  // Closing: everything still waiting goes out now, in full batches.
  for (auto& [type, queue] : state_->queues) {
    while (send(state_, lock, queue, true, false)) {
    }
  }
}

}  // namespace tixsync::providers::rest
