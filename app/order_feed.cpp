// Checked, chunked enqueue of an order file (see order_feed.hpp).
#include "app/order_feed.hpp"

#include "app/queue_access.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/keys.hpp"

namespace tixsync::app {
namespace {

/// Reads one order of the file and checks it belongs to `event_id`; "" or the problem.
std::string read_checked(mapping::order_reader& reader, const std::string& event_id,
                         const order_text& text, mapping::order& order) {
  if (!text.problem.empty()) return text.problem;
  mapping::read_error error;
  if (!reader.read_order(text.json, order, error)) return error.to_string();
  const std::string slug = event_id.substr(event_id.rfind('/') + 1);
  if (order.event != slug) {
    return "order " + order.code + " belongs to event '" + order.event + "', not to " + event_id;
  }
  if (auto valid = persistence::validate_identifier("order", order.code); !valid.ok()) {
    return "code: " + valid.message();
  }
  return "";
}

void send(persistence::queue_store& queue, std::vector<persistence::enqueue_request>& chunk,
          std::int64_t now_ms, const feed_callbacks& callbacks) {
  if (chunk.empty()) return;
  auto results = must(queue.enqueue_many(chunk, now_ms), "enqueue");
  if (callbacks.item) {
    for (std::size_t i = 0; i < results.size(); ++i) callbacks.item(chunk[i], results[i]);
  }
  chunk.clear();
}

}  // namespace

std::size_t check_order_file(order_file& file, const std::string& event_id) {
  mapping::order_reader reader;
  problem_list problems;
  std::size_t orders = 0;
  file.for_each([&](order_text& text) {
    mapping::order order;
    if (auto problem = read_checked(reader, event_id, text, order); !problem.empty()) {
      problems.add(text.origin + ": " + problem);
    }
    ++orders;
  });
  if (!problems.empty()) problems.fail("bad orders:");
  return orders;
}

std::size_t enqueue_order_file(order_file& file, const feed_target& target,
                               persistence::queue_store& queue, std::int64_t now_ms,
                               const feed_callbacks& callbacks) {
  mapping::order_reader reader;
  std::vector<persistence::enqueue_request> chunk;
  std::size_t bytes = 0, orders = 0, in_chunk = 0;
  file.for_each([&](order_text& text) {
    mapping::order order;
    if (auto problem = read_checked(reader, target.event_id, text, order); !problem.empty()) {
      throw command_error(exit_bad_input, text.origin + ": " + problem +
                                              " (the file changed after it was checked; the "
                                              "orders before this one are enqueued)");
    }
    bytes += text.json.size();
    for (std::size_t i = 0; i < target.providers.size(); ++i) {
      // The snapshot exactly as given; the last provider takes the text itself.
      std::string json = i + 1 == target.providers.size() ? std::move(text.json) : text.json;
      chunk.push_back({{target.providers[i], target.event_id, order.code},
                       target.trigger,
                       target.not_before,
                       std::move(json)});
    }
    ++orders;
    if (++in_chunk >= feed_chunk_orders || bytes >= feed_chunk_bytes) {
      send(queue, chunk, now_ms, callbacks);
      if (callbacks.progress) callbacks.progress(orders);
      bytes = 0;
      in_chunk = 0;
    }
  });
  send(queue, chunk, now_ms, callbacks);
  if (callbacks.progress && in_chunk > 0) callbacks.progress(orders);
  return orders;
}

}  // namespace tixsync::app
