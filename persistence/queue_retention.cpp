// queue_store: how long an order's data outlives its last sync, and its erasure. Snapshots are
// shared by every provider and tagged by event (another Redis Cluster slot than the queues), so
// their TTL is set outside the queue scripts, in an order that never leaves a queued order
// without its snapshot: enqueue ends the TTL after its item exists; retiring sets the TTL first
// and then looks for items, ending the TTL again when it finds one.
#include <algorithm>
#include <deque>

#include "persistence/queue_internal.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::persistence {

status queue_store::keep_snapshots(const std::vector<enqueue_request>& requests) {
  std::vector<std::vector<std::string>> cmds;
  cmds.reserve(requests.size());
  for (const auto& r : requests) {
    cmds.push_back({"PERSIST", options_.keys.order_snapshot(r.ref.event, r.ref.order)});
  }
  if (cmds.empty()) return {};
  auto replies = connection_.pipeline(cmds);
  if (!replies) return replies.error();
  return {};
}

void queue_store::retire_snapshots(const std::vector<item_ref>& refs,
                                   const std::vector<status>& done) {
  if (options_.snapshot_ttl_ms <= 0) return;
  std::vector<std::vector<std::string>> cmds;
  std::vector<std::size_t> first_check;  // per retired order: index of its first HEXISTS
  std::vector<std::string> snapshots;
  const std::string ttl = std::to_string(options_.snapshot_ttl_ms);
  // The items and running hashes of each provider met, built once per call (a batch is mostly
  // one provider's).
  std::deque<std::pair<std::string, queue_keys>> queues;  // references stay valid as it grows
  auto queue_of = [&](const std::string& provider) -> const queue_keys& {
    for (const auto& [name, keys] : queues) {
      if (name == provider) return keys;
    }
    queues.emplace_back(provider, options_.keys.queue(provider));
    return queues.back().second;
  };
  for (std::size_t i = 0; i < refs.size() && i < done.size(); ++i) {
    if (!done[i].ok()) continue;
    const auto& ref = refs[i];
    snapshots.push_back(options_.keys.order_snapshot(ref.event, ref.order));
    cmds.push_back({"PEXPIRE", snapshots.back(), ttl});
    first_check.push_back(cmds.size());
    const std::string id = ref.id();
    auto check = [&](const std::string& provider) {
      const auto& queue = queue_of(provider);
      cmds.push_back({"HEXISTS", queue.items, id});
      cmds.push_back({"HEXISTS", queue.running, id});
    };
    // Every provider that holds snapshots, then the order's own when it is not one of them.
    const auto& holders = options_.snapshot_holders;
    for (const auto& provider : holders) check(provider);
    if (std::find(holders.begin(), holders.end(), ref.provider) == holders.end()) {
      check(ref.provider);
    }
  }
  if (cmds.empty()) return;
  auto replies = connection_.pipeline(cmds);
  if (!replies) return;
  std::vector<std::vector<std::string>> keep;
  for (std::size_t k = 0; k < snapshots.size(); ++k) {
    const std::size_t end = k + 1 < first_check.size() ? first_check[k + 1] - 1 : cmds.size();
    for (std::size_t c = first_check[k]; c < end; ++c) {
      if ((*replies)[c].integer == 1) {
        keep.push_back({"PERSIST", snapshots[k]});
        break;
      }
    }
  }
  if (!keep.empty()) (void)connection_.pipeline(keep);
}

status_or<std::vector<std::int64_t>> queue_store::forget_calls(
    const std::string& event, const std::string& order, const std::vector<std::string>& providers,
    bool erase, std::int64_t now_ms) {
  std::vector<script_call> calls;
  for (const auto& provider : providers) {
    const item_ref ref{provider, event, order};
    auto keys = options_.keys.queue(provider).all();
    keys.push_back(options_.keys.audit_log(ref));
    keys.push_back(options_.keys.results(ref));
    auto args = base_args(now_ms);
    args.insert(args.end(), {ref.id(), erase ? "1" : "0"});
    calls.push_back({"forget", std::move(keys), std::move(args)});
  }
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  std::vector<std::int64_t> codes;
  for (const auto& r : *replies) {
    if (r.type != redis_value::kind::integer)
      return status(persistence_errc::protocol_error, "forget: bad reply");
    codes.push_back(r.integer);
  }
  return codes;
}

namespace {

constexpr std::int64_t code_queued = 7;  // forget-10.lua

/// in_flight naming the first provider that has the order queued or in flight; ok otherwise.
status refusal(const std::vector<std::string>& providers, const std::vector<std::int64_t>& codes,
               const std::string& what) {
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] == detail::code_in_flight || codes[i] == code_queued) {
      return {persistence_errc::in_flight,
              what + " is " + (codes[i] == code_queued ? "queued" : "in flight") + " for " +
                  providers[i] + ": forget it once its sync ended (or cancel the job)"};
    }
  }
  return {};
}

}  // namespace

status_or<forget_report> queue_store::forget(const std::string& event, const std::string& order,
                                             const std::vector<std::string>& providers,
                                             std::int64_t now_ms) {
  if (auto s = detail::check_time(now_ms); !s) return s;
  if (auto s = validate_identifier("event", event, true); !s) return s;
  if (auto s = validate_identifier("order", order); !s) return s;
  if (providers.empty()) return status(persistence_errc::invalid_argument, "no providers named");
  for (const auto& p : providers) {
    if (auto s = check_provider(p); !s) return s;
  }
  const std::string what = "order " + order + " of " + event;
  const std::string snapshot_key = options_.keys.order_snapshot(event, order);
  auto checked = forget_calls(event, order, providers, false, now_ms);
  if (!checked) return checked.error();
  if (auto s = refusal(providers, *checked, what); !s) return s;
  auto snapshot = connection_.command({"GET", snapshot_key});
  if (!snapshot) return snapshot.error();
  forget_report report;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    if ((*checked)[i] == detail::code_ok) report.providers.push_back(providers[i]);
  }
  report.snapshot = snapshot->type == redis_value::kind::string;
  if (report.providers.empty() && !report.snapshot) {
    return status(persistence_errc::not_found, "nothing is stored about " + what);
  }
  auto erased = forget_calls(event, order, providers, true, now_ms);
  if (!erased) return erased.error();
  if (auto s = refusal(providers, *erased, what); !s) return s;  // queued in between
  if (!report.snapshot) return report;
  // An enqueue between the check and this DEL has written its snapshot before its item: look
  // for items afterwards and put the snapshot back for them.
  std::vector<std::vector<std::string>> cmds{{"DEL", snapshot_key}};
  for (const auto& p : providers) {
    const auto queue = options_.keys.queue(p);
    const item_ref ref{p, event, order};
    cmds.push_back({"HEXISTS", queue.items, ref.id()});
    cmds.push_back({"HEXISTS", queue.running, ref.id()});
  }
  auto replies = connection_.pipeline(cmds);
  if (!replies) return replies.error();
  for (std::size_t c = 1; c < replies->size(); ++c) {
    if ((*replies)[c].integer != 1) continue;
    auto restored = connection_.command({"SET", snapshot_key, snapshot->str, "NX"});
    if (!restored) return restored.error();
    return status(persistence_errc::in_flight,
                  what + " was queued again while it was forgotten: its snapshot is kept");
  }
  return report;
}

}  // namespace tixsync::persistence
