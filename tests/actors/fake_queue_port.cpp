// The in-memory queue port: leases by token, every call recorded.
#include "tests/actors/fake_queue_port.hpp"

#include <utility>

namespace tixsync::actors::testing {
namespace {

using persistence::lease;
using persistence::status;
using persistence::status_or;

std::string lease_key(const persistence::item_ref& ref) {
  return ref.provider + "|" + ref.id();
}

class fake_port final : public persistence::queue_port {
 public:
  explicit fake_port(std::shared_ptr<fake_queue> queue) : q_(std::move(queue)) {}

  status connect() override { return {}; }

  status_or<persistence::cycle_outcome> complete_and_claim(
      const std::vector<persistence::encoded_completion>& done, const std::string& provider,
      const std::string& node, std::size_t max_items, std::int64_t lease_ms,
      std::int64_t now_ms) override {
    persistence::cycle_outcome out;
    for (const auto& c : done) {
      out.first.push_back(end_lease(c.held));
      if (out.first.back().ok()) q_->completed.push_back(c);
    }
    if (max_items == 0) return out;
    q_->claims.push_back(max_items);
    for (auto it = q_->due.begin(); it != q_->due.end() && out.second.size() < max_items;) {
      if (it->ref.provider != provider) {
        ++it;
        continue;
      }
      persistence::claimed_item claimed{*it};
      claimed.item.state = persistence::item_state::in_flight;
      claimed.item.node = node;
      claimed.item.token = q_->next_token++;
      claimed.item.since_ms = now_ms;
      claimed.item.lease_until_ms = now_ms + lease_ms;
      q_->leases[lease_key(claimed.item.ref)] = claimed.item.token;
      out.second.push_back(std::move(claimed));
      it = q_->due.erase(it);
    }
    return out;
  }

  status_or<std::vector<status>> renew(const std::vector<lease>& leases, std::int64_t,
                                       std::int64_t) override {
    q_->renewals.push_back(leases);
    std::vector<status> out;
    for (const auto& l : leases) out.push_back(check(l));
    return out;
  }

  status_or<std::vector<status>> release(const std::vector<lease>& leases, std::int64_t) override {
    std::vector<status> out;
    for (const auto& l : leases) {
      out.push_back(end_lease(l));
      if (out.back().ok()) q_->released.push_back(l);
    }
    return out;
  }

  status put_results(const lease& held, const std::vector<persistence::stored_result>&,
                     std::int64_t) override {
    return check(held);
  }

  status_or<persistence::failure_outcome> reschedule(
      const lease& held, std::int64_t not_before_ms, const std::vector<std::string>&,
      std::int64_t now_ms, const persistence::reschedule_counts& counts) override {
    if (auto s = end_lease(held); !s) return s;
    q_->rescheduled.push_back({held, not_before_ms, now_ms, counts});
    return persistence::failure_outcome::stored;
  }

  status_or<persistence::failure_outcome> park(const persistence::park_request& request,
                                               std::int64_t) override {
    if (auto s = end_lease(request.held); !s) return s;
    q_->parked.push_back(request);
    return persistence::failure_outcome::stored;
  }

  status_or<persistence::snapshot_batch> load_snapshots(
      const std::vector<persistence::order_key>& keys) override {
    persistence::snapshot_batch out;
    for (const auto& k : keys) {
      auto order = q_->orders.find(k.event + ":" + k.order);
      out.orders.push_back(order == q_->orders.end() ? std::nullopt
                                                     : std::make_optional(order->second));
      auto event = q_->events.find(k.event);
      if (event != q_->events.end())
        out.events[k.event] = std::make_shared<const std::string>(event->second);
    }
    return out;
  }

  status_or<std::vector<std::vector<persistence::sync_result>>> load_results(
      const std::vector<persistence::item_ref>& items) override {
    std::vector<std::vector<persistence::sync_result>> out;
    for (const auto& ref : items) {
      auto found = q_->stored.find(ref.id());
      out.push_back(found == q_->stored.end() ? std::vector<persistence::sync_result>{}
                                              : found->second);
    }
    return out;
  }

 private:
  status check(const lease& l) {
    auto it = q_->leases.find(lease_key(l.ref));
    if (it != q_->leases.end() && it->second == l.token) return {};
    q_->refused.push_back(l);
    return {persistence::persistence_errc::stale_lease, l.ref.id()};
  }

  status end_lease(const lease& l) {
    auto s = check(l);
    if (s) q_->leases.erase(lease_key(l.ref));
    return s;
  }

  std::shared_ptr<fake_queue> q_;
};

}  // namespace

void fake_queue::add_due(const std::string& provider, const std::string& event,
                         const std::string& order, int attempts, const std::string& trigger) {
  persistence::queue_item item;
  item.ref = {provider, event, order};
  item.trigger = trigger;
  item.attempts = attempts;
  due.push_back(std::move(item));
}

bool fake_queue::holds(const std::string& provider, const std::string& event,
                       const std::string& order) const {
  return leases.count(lease_key({provider, event, order})) > 0;
}

std::unique_ptr<persistence::queue_port> make_fake_port(std::shared_ptr<fake_queue> queue) {
  return std::make_unique<fake_port>(std::move(queue));
}

}  // namespace tixsync::actors::testing
