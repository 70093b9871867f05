// Feeds the orders of an order file into the queue, for `tixsync enqueue` and `run --feed`: every
// order is checked first (all problems at once, nothing enqueued then), then the file is read a
// second time and enqueued in chunks, the snapshots in the same pipelines. Memory stays that of one
// chunk whatever the file's size.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "app/input_files.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::app {

/// Where the orders of a file go.
struct feed_target {
  std::vector<std::string> providers;  ///< every order is enqueued for each of them
  std::string event_id;                ///< "organizer/event"; every order must be of this event
  std::string trigger;
  std::optional<std::int64_t> not_before;
};

/// What enqueue_order_file reports as it goes.
struct feed_callbacks {
  /// One queue item's outcome (optional).
  std::function<void(const persistence::enqueue_request&, const persistence::enqueue_result&)> item;
  /// After each chunk: orders enqueued so far (optional).
  std::function<void(std::size_t orders)> progress;
};

/// Orders and bytes of snapshots per chunk (one enqueue_many each).
inline constexpr std::size_t feed_chunk_orders = 500;
inline constexpr std::size_t feed_chunk_bytes = 2 * 1024 * 1024;

/// Checks every order of `file`: readable, of `event_id`'s event, a code Redis keys may hold.
/// Returns the number of orders; command_error(exit_bad_input) listing every problem otherwise.
std::size_t check_order_file(order_file& file, const std::string& event_id);

/// Enqueues every order of the checked `file` for every provider of `target` in chunks. A file
/// that changed since it was checked stops at the first bad order with a command_error that says
/// the orders before it are enqueued. Returns the number of orders.
std::size_t enqueue_order_file(order_file& file, const feed_target& target,
                               persistence::queue_store& queue, std::int64_t now_ms,
                               const feed_callbacks& callbacks = {});

}  // namespace tixsync::app
