// The batcher of a REST provider: objects of batched object types, handed over one by one by the
// sync actors of many orders, wait here until a batch is full (max_batch) or its first object
// has waited max_linger, then go out together as one batch_call; each keeps its own completion.
// A batch never holds two objects with the same id value, and an id value already in flight
// waits for its batch to end, so two writes of one record never race. Thread-safe; one timer
// thread per provider; close() sends what waits and stops the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "providers/rest/batch_call.hpp"

namespace tixsync::providers::rest {

class batch_collector {
 public:
  explicit batch_collector(std::shared_ptr<const rest_context> context);
  /// Calls close().
  ~batch_collector();

  batch_collector(const batch_collector&) = delete;
  batch_collector& operator=(const batch_collector&) = delete;

  /// Queues the object of `object` (a type with batch settings). `done` is called exactly once:
  /// with the object's own outcome, or at once with an error when the id value cannot be
  /// matched (not a string or integer) or the collector is closed.
  void add(const object_settings& object, object_request request, object_completion done);

  /// Sends every waiting object now (in full batches) and stops the timer thread. Objects in
  /// flight still get their outcome from the transport. Idempotent.
  void close();

 private:
  struct waiting {
    const object_settings* object = nullptr;
    std::vector<batch_entry> entries;  ///< in arrival order
    std::set<std::string> in_flight;   ///< keys of batches not yet finished
  };
  struct shared_state;

  /// Takes up to max_batch entries of distinct keys, oldest first; unless `closing`, only keys
  /// that are not in flight.
  static std::vector<batch_entry> take(waiting& queue, bool closing);
  /// How many entries take() would take now (without `closing`), and the arrival of the oldest.
  static std::size_t sendable(const waiting& queue, std::chrono::steady_clock::time_point* oldest);
  /// Starts a batch of `queue` (unlocking while it starts); false when nothing was taken.
  bool send(std::unique_lock<std::mutex>& lock, waiting& queue, bool closing);
  /// The timer thread: sends batches whose oldest entry waited max_linger; at close, everything.
  void run();

  std::shared_ptr<const rest_context> context_;
  std::shared_ptr<shared_state> state_;
  std::thread timer_;
};

}  // namespace tixsync::providers::rest
