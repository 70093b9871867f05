// The batcher of a REST provider: objects of batched object types, handed over one by one by the
// sync actors of many orders, wait here until a batch is full (max_batch) or its first object
// has waited max_linger, then go out together as one batch_call; each keeps its own completion.
// With a pacer (the guard's rate limit), a due batch first asks for its call's token and is
// taken when the token is there, as full as it has become meanwhile: tokens are spent on full
// batches. A batch never holds two objects with the same id value, and an id value already in
// flight waits for its batch to end, so two writes of one record never race. Thread-safe; one
// timer thread per provider; close() sends what waits and stops the thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
    std::size_t pacing = 0;            ///< token requests not answered yet
  };
  struct shared_state;

  /// Takes up to max_batch entries of distinct keys, oldest first; unless `closing`, only keys
  /// that are not in flight.
  static std::vector<batch_entry> take(waiting& queue, bool closing);
  /// How many entries take() would take now (without `closing`), and the arrival of the oldest.
  static std::size_t sendable(const waiting& queue, std::chrono::steady_clock::time_point* oldest);
  /// Starts a batch of `queue` (unlocking while it starts); false when nothing was taken.
  /// `paced`: the token of its first call was taken.
  static bool send(const std::shared_ptr<shared_state>& state, std::unique_lock<std::mutex>& lock,
                   waiting& queue, bool closing, bool paced);
  /// A batch of `queue` is due: sends it, or with a pacer asks for a token unless enough are
  /// asked for (one per max_batch objects waiting). False when it did neither.
  bool dispatch(std::unique_lock<std::mutex>& lock, waiting& queue);
  /// The pacer's answer for the queue of `type`: a batch goes, or its objects get `refusal`.
  static void on_token(const std::shared_ptr<shared_state>& state, const std::string& type,
                       std::optional<sync_error> refusal);
  /// The timer thread: sends batches whose oldest entry waited max_linger; at close, everything.
  void run();

  std::shared_ptr<shared_state> state_;
  std::thread timer_;
};

}  // namespace tixsync::providers::rest
