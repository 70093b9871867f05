// The store threads' side of the protocol: blocking Redis calls, answered with messages.
#include "actors/store_jobs.hpp"

#include <caf/send.hpp>
#include <chrono>
#include <map>
#include <utility>

namespace tixsync::actors {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void store_failed(runtime& rt, const std::string& doing, const persistence::status& s) {
  rt.counters.store_errors.fetch_add(1, std::memory_order_relaxed);
  rt.log(log_level::error, doing + " failed: " + s.to_string());
}

/// The stored results of every claimed order, in one round trip.
void load_previous(store_worker& worker, runtime& rt, std::vector<loaded_order>& orders) {
  std::vector<persistence::item_ref> refs;
  refs.reserve(orders.size());
  for (const auto& o : orders) refs.push_back(o.claimed.item.ref);
  auto stored = worker.port->load_results(refs);
  if (!stored) return store_failed(rt, "loading sync results", stored.error());
  for (std::size_t i = 0; i < orders.size() && i < stored->size(); ++i)
    orders[i].previous = std::move((*stored)[i]);
}

/// Parses the claimed orders' snapshots (events through the shared cache).
void load_snapshots(store_worker& worker, runtime& rt, std::vector<loaded_order>& orders) {
  std::vector<persistence::order_key> keys;
  for (const auto& o : orders) keys.push_back({o.claimed.item.ref.event, o.claimed.item.ref.order});
  auto batch = worker.port->load_snapshots(keys);
  if (!batch) {
    store_failed(rt, "loading snapshots", batch.error());
    for (auto& o : orders) {
      o.load_error = "snapshots could not be loaded: " + batch.error().to_string();
      o.load_retryable = true;
    }
    return;
  }
  // Each event of the batch is looked up (hashed) in the cache once, not once per order.
  std::map<std::string, std::pair<std::shared_ptr<const event_context>, std::string>> events;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    auto& o = orders[i];
    const auto& ref = o.claimed.item.ref;
    auto event_json = batch->events.find(ref.event);
    if (!batch->orders[i] || event_json == batch->events.end()) {
      o.load_error =
          "no " + std::string(batch->orders[i] ? "event" : "order") + " snapshot for " + ref.id();
      continue;
    }
    auto event = events.find(ref.event);
    if (event == events.end()) {
      std::string error;
      auto context = worker.events.get(ref.event, *event_json->second, worker.reader, error);
      event = events.emplace(ref.event, std::make_pair(std::move(context), std::move(error))).first;
    }
    o.event = event->second.first;
    if (!o.event) {
      o.load_error = event->second.second;
      continue;
    }
    auto order = std::make_shared<mapping::order>();
    mapping::read_error error;
    if (!worker.reader.read_order(*batch->orders[i], *order, error)) {
      o.load_error = "order snapshot of " + ref.id() + ": " + error.to_string();
      o.event.reset();
      continue;
    }
    o.order = std::move(order);
  }
}

}  // namespace

void run_cycle(store_worker& worker, runtime& rt, cycle_request request,
               const dispatcher_actor& reply_to) {
  cycle_result out;
  out.wanted = request.want;
  // The payloads move out for the round trip and back only when it failed (to be retried).
  std::vector<persistence::encoded_completion> done;
  done.reserve(request.done.size());
  for (auto& c : request.done) done.push_back(std::move(c.done));
  const auto& o = rt.options;
  const std::int64_t now = now_ms();
  std::vector<persistence::claimed_item> claimed;
  std::vector<persistence::status> statuses;
  persistence::status failure;
  if (request.want > 0 || !done.empty()) {
    auto r = worker.port->complete_and_claim(done, request.provider, o.node_name, request.want,
                                             o.lease.count(), now);
    if (r)
      std::tie(statuses, claimed) = std::move(*r);
    else
      failure = r.error();
  }
  if (!failure.ok()) {
    store_failed(rt, "claim/complete", failure);
    out.error = failure.to_string();
  }
  for (std::size_t i = 0; i < request.done.size(); ++i) {
    if (!failure.ok()) request.done[i].done = std::move(done[i]);
    persistence::status s = i < statuses.size() ? statuses[i] : failure;
    out.completed.emplace_back(std::move(request.done[i]), std::move(s));
  }
  for (auto& c : claimed) out.claimed.push_back({std::move(c), nullptr, nullptr, {}, {}});
  if (!out.claimed.empty()) {
    load_snapshots(worker, rt, out.claimed);
    load_previous(worker, rt, out.claimed);
  }
  caf::anon_send(reply_to, std::move(out));
}

void run_renew(store_worker& worker, runtime& rt, const std::vector<persistence::lease>& leases,
               const dispatcher_actor& reply_to) {
  renew_result out;
  auto r = worker.port->renew(leases, rt.options.lease.count(), now_ms());
  if (!r) {
    store_failed(rt, "renewing leases", r.error());
    out.error = r.error().to_string();
  } else {
    for (std::size_t i = 0; i < leases.size() && i < r->size(); ++i) {
      if ((*r)[i].code() == persistence::persistence_errc::stale_lease) {
        out.stale_keys.push_back(item_key(leases[i].ref.provider, leases[i].ref.id()));
      }
    }
  }
  caf::anon_send(reply_to, std::move(out));
}

std::size_t run_give_back(store_worker& worker, runtime& rt,
                          const std::vector<persistence::lease>& leases) {
  if (leases.empty()) return 0;
  // One atomic transition per lease: due again at once, no lease expiry counted (a give-back is
  // not a crash), stale tokens refused per item.
  auto r = worker.port->release(leases, now_ms());
  if (!r) {
    store_failed(rt, "giving back leases", r.error());
    return 0;
  }
  std::size_t given = 0;
  for (std::size_t i = 0; i < leases.size() && i < r->size(); ++i) {
    if ((*r)[i].ok()) {
      ++given;
    } else {
      rt.log(log_level::warning, item_key(leases[i].ref.provider, leases[i].ref.id()) +
                                     ": lease not given back: " + (*r)[i].to_string());
    }
  }
  return given;
}

namespace {

/// A parked order's cause for observers: the signature when it is a short code of letters,
/// digits and '-' (never order data), else the error's kind.
std::string cause_of(const providers::sync_error& e) {
  const std::string& s = e.signature;
  const bool code =
      !s.empty() && s.size() <= 40 &&
      s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos;
  return code ? s : providers::to_string(e.kind);
}

}  // namespace

void store_refused(runtime& rt, const std::string& what) {
  rt.counters.store_errors.fetch_add(1, std::memory_order_relaxed);
  rt.log(log_level::error, what + ": no store thread takes jobs (stopped, or none could set up)");
}

void run_failure(store_worker& worker, runtime& rt, const failure_request& request,
                 const dispatcher_actor& reply_to) {
  const std::int64_t now = now_ms();
  if (!request.results.empty()) {
    auto s = worker.port->put_results(request.held, request.results, now);
    if (!s && s.code() != persistence::persistence_errc::stale_lease)
      store_failed(rt, "storing results", s);
  }
  const auto& d = request.decision;
  const auto& e = request.error;
  persistence::status_or<persistence::failure_outcome> r = persistence::failure_outcome::stored;
  if (d.action == providers::retry_action::reschedule) {
    persistence::reschedule_counts counts;
    counts.counts_as_attempt = d.counts_as_attempt;
    counts.deferrals = d.rate_limit_deferrals;
    r = worker.port->reschedule(request.held, providers::to_unix_ms(d.retry_at), e.messages, now,
                                counts);
  } else {
    persistence::park_request park;
    park.held = request.held;
    persistence::parse_park_state(providers::to_string(*d.reason), park.state);
    park.errors = e.messages.empty() ? std::vector<std::string>{e.summary()} : e.messages;
    park.full_message = e.full_message;
    park.cause = e.group();
    r = worker.port->park(park, now);
  }
  const std::string what = d.action == providers::retry_action::reschedule
                               ? std::string("rescheduled")
                               : std::string("parked as ") + providers::to_string(*d.reason);
  if (r) {
    auto& counter = d.action == providers::retry_action::reschedule ? rt.counters.orders_rescheduled
                                                                    : rt.counters.orders_parked;
    counter.fetch_add(1, std::memory_order_relaxed);
    if (const auto& observer = rt.options.observer) {
      const auto& provider = request.held.ref.provider;
      if (d.action == providers::retry_action::reschedule) {
        observer->order_retried(provider);
      } else {
        observer->order_parked(provider, *d.reason);
        observer->order_parked_as(request.held.ref, *d.reason, cause_of(e));
      }
    }
    rt.log(log_level::info, request.key + " " + what + ": " + e.log_summary());
  } else if (r.code() == persistence::persistence_errc::stale_lease) {
    rt.counters.orders_zombie.fetch_add(1, std::memory_order_relaxed);
    rt.log(log_level::warning, request.key + ": lease lost, not " + what + " (zombie)");
  } else {
    store_failed(rt, request.key + " " + what, r.error());
  }
  caf::anon_send(reply_to, slot_freed{request.key});
}

}  // namespace tixsync::actors
