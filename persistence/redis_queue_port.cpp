// The Redis queue port: forwards to the stores of its own connection; the claim/complete cycle
// picks the one round trip that does what is asked.
#include "persistence/redis_queue_port.hpp"

#include <utility>

#include "persistence/result_store.hpp"

namespace tixsync::persistence {
namespace {

class redis_queue_port final : public queue_port {
 public:
  redis_queue_port(const connection_options& connection, const queue_options& queue)
      : connection_(connection),
        queue_(connection_, queue),
        snapshots_(connection_, queue.keys, queue.snapshot_ttl_ms),
        results_(connection_, queue.keys) {}

  status connect() override { return connection_.connect(); }

  status_or<cycle_outcome> complete_and_claim(const std::vector<encoded_completion>& done,
                                              const std::string& provider, const std::string& node,
                                              std::size_t max_items, std::int64_t lease_ms,
                                              std::int64_t now_ms) override {
    if (max_items > 0 && !done.empty())
      return queue_.complete_and_claim_encoded(done, provider, node, max_items, lease_ms, now_ms);
    cycle_outcome out;
    if (max_items > 0) {
      auto claimed = queue_.claim(provider, node, max_items, lease_ms, now_ms);
      if (!claimed) return claimed.error();
      out.second = std::move(*claimed);
    } else if (!done.empty()) {
      auto completed = queue_.complete_many_encoded(done, now_ms);
      if (!completed) return completed.error();
      out.first = std::move(*completed);
    }
    return out;
  }

  status_or<std::vector<status>> renew(const std::vector<lease>& leases, std::int64_t lease_ms,
                                       std::int64_t now_ms) override {
    return queue_.renew(leases, lease_ms, now_ms);
  }

  status_or<std::vector<status>> release(const std::vector<lease>& leases,
                                         std::int64_t now_ms) override {
    return queue_.release(leases, now_ms);
  }

  status put_results(const lease& held, const std::vector<stored_result>& results,
                     std::int64_t now_ms) override {
    return results_.put_stored(held, results, now_ms);
  }

  status_or<failure_outcome> reschedule(const lease& held, std::int64_t not_before_ms,
                                        const std::vector<std::string>& errors, std::int64_t now_ms,
                                        const reschedule_counts& counts) override {
    return queue_.reschedule(held, not_before_ms, errors, now_ms, counts);
  }

  status_or<failure_outcome> park(const park_request& request, std::int64_t now_ms) override {
    return queue_.park(request, now_ms);
  }

  status_or<snapshot_batch> load_snapshots(const std::vector<order_key>& orders) override {
    return snapshots_.get_many(orders);
  }

  status_or<std::vector<std::vector<sync_result>>> load_results(
      const std::vector<item_ref>& items) override {
    return results_.get_many(items);
  }

 private:
  redis_connection connection_;
  queue_store queue_;
  snapshot_store snapshots_;
  result_store results_;
};

}  // namespace

status_or<queue_port_factory> redis_queue_ports(connection_options connection,
                                                queue_options queue) {
  if (auto valid = queue.keys.valid(); !valid) return valid;
  queue_port_factory make = [connection = std::move(connection), queue = std::move(queue)] {
    return std::unique_ptr<queue_port>(std::make_unique<redis_queue_port>(connection, queue));
  };
  return make;
}

}  // namespace tixsync::persistence
