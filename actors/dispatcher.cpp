// The dispatcher: at most one claim/complete cycle per store thread in flight, so completions
// that arrive meanwhile batch into the next round trip; a cycle follows at once while there is
// work, else at the next tick.
#include "actors/dispatcher.hpp"

#include <caf/all.hpp>
#include <map>
#include <optional>
#include <utility>

#include "actors/protocol.hpp"
#include "actors/store_jobs.hpp"

namespace tixsync::actors {
namespace {

struct dispatcher_state {
  runtime_ptr rt;
  supervisor_actor supervisor;
  std::map<std::string, persistence::lease> in_flight;  ///< by item key
  std::map<std::string, std::int64_t> triggered_ms;     ///< by item key: when it was enqueued
  std::vector<complete_request> pending;                ///< waiting for the next cycle
  std::size_t next_provider = 0;
  std::size_t empty_cycles = 0;  ///< consecutive cycles that claimed nothing
  std::size_t cycles_out = 0;    ///< cycles with the store threads (at most one per thread)
  std::size_t wanted_out = 0;    ///< items those cycles may claim
  bool stopping = false;         ///< no more claims
  static inline const char* name = "dispatcher";
};

using dispatcher_ptr = dispatcher_actor::stateful_pointer<dispatcher_state>;

/// The dispatcher's own handle (taken per use: a behavior that captured it would keep the actor
/// alive).
dispatcher_actor handle_of(dispatcher_ptr self) {
  return caf::actor_cast<dispatcher_actor>(self);
}

void set_in_flight(dispatcher_state& st) {
  st.rt->counters.in_flight.store(st.in_flight.size(), std::memory_order_relaxed);
}

/// Tells the on_order_synced hook and the observer about a synced order.
void report_synced(dispatcher_state& st, const std::string& key) {
  const auto& o = st.rt->options;
  if (!o.on_order_synced && !o.observer) return;
  auto lease = st.in_flight.find(key);
  if (lease == st.in_flight.end()) return;
  const auto& provider = lease->second.ref.provider;
  std::optional<std::chrono::milliseconds> latency;
  auto triggered = st.triggered_ms.find(key);
  if (triggered != st.triggered_ms.end() && triggered->second > 0) {
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    latency = now - std::chrono::milliseconds(triggered->second);
  }
  if (o.on_order_synced && latency) o.on_order_synced(provider, *latency);
  if (o.observer) o.observer->order_synced(provider, latency);
}

/// Starts a cycle when a store thread is free and there is something to complete or room to
/// claim.
void cycle(dispatcher_ptr self) {
  auto& st = self->state;
  const auto& o = st.rt->options;
  if (st.cycles_out >= std::max<std::size_t>(1, o.store_threads)) return;
  const auto providers = st.rt->registry->identifiers();
  const std::size_t taken = st.in_flight.size() + st.wanted_out;
  std::size_t room = o.concurrency > taken ? o.concurrency - taken : 0;
  cycle_request request;
  request.want = (st.stopping || providers.empty()) ? 0 : std::min(o.claim_batch, room);
  if (request.want > 0) request.provider = providers[st.next_provider++ % providers.size()];
  if (request.want == 0 && st.pending.empty()) return;
  request.done = std::move(st.pending);
  st.pending.clear();
  ++st.cycles_out;
  st.wanted_out += request.want;
  const std::size_t wanted = request.want;
  // Held here as well: a refused job is dropped unrun, and its completions must not go with it.
  auto req = std::make_shared<cycle_request>(std::move(request));
  auto rt = st.rt;
  const bool posted = rt->store->post(
      [rt, me = handle_of(self), req](store_worker& w) { run_cycle(w, *rt, std::move(*req), me); });
  if (!posted) {
    // No store thread takes jobs (the pool logged why): the completions wait for the next
    // cycle, as after a round trip that failed.
    --st.cycles_out;
    st.wanted_out -= wanted;
    st.pending = std::move(req->done);
  }
}

void on_completed(dispatcher_ptr self, complete_request& c, const persistence::status& s,
                  bool round_trip_failed) {
  auto& st = self->state;
  auto& counters = st.rt->counters;
  if (s.ok()) {
    auto& counter = c.end == order_end::synced    ? counters.orders_synced
                    : c.end == order_end::skipped ? counters.orders_skipped
                                                  : counters.orders_dropped;
    counter.fetch_add(1, std::memory_order_relaxed);
    if (c.end == order_end::synced) report_synced(st, c.key);
  } else if (s.code() == persistence::persistence_errc::stale_lease) {
    counters.orders_zombie.fetch_add(1, std::memory_order_relaxed);
    st.rt->log(log_level::warning, c.key + ": lease lost, completion refused (zombie)");
  } else if (round_trip_failed) {
    // Redis did not answer: try again in the next cycle (the lease is still renewed).
    st.pending.push_back(std::move(c));
    return;
  } else {
    // Refused for another reason (bad data): retrying would loop; the lease will run out.
    counters.store_errors.fetch_add(1, std::memory_order_relaxed);
    st.rt->log(log_level::error, c.key + ": completion refused: " + s.to_string());
  }
  st.in_flight.erase(c.key);
  st.triggered_ms.erase(c.key);
}

void on_cycle(dispatcher_ptr self, cycle_result& r) {
  auto& st = self->state;
  --st.cycles_out;
  st.wanted_out -= r.wanted;
  for (auto& [c, s] : r.completed) on_completed(self, c, s, !r.error.empty());
  for (auto& loaded : r.claimed) {
    std::string key = loaded.key();
    st.triggered_ms[key] = loaded.claimed.item.triggered_ms;
    st.in_flight[std::move(key)] = loaded.claimed.lease_info();
    self->send(st.supervisor, std::move(loaded));
  }
  st.rt->counters.orders_claimed.fetch_add(r.claimed.size(), std::memory_order_relaxed);
  set_in_flight(st);
  st.empty_cycles = r.claimed.empty() ? st.empty_cycles + 1 : 0;
  const bool more = r.wanted > 0 && r.claimed.size() == r.wanted;
  const bool other_providers = st.empty_cycles < st.rt->registry->size();
  if (r.error.empty() && (more || !st.pending.empty() || (r.wanted > 0 && other_providers))) {
    cycle(self);
    cycle(self);  // refill every free store thread
  }
}

std::vector<persistence::lease> leases_to_renew(const dispatcher_state& st) {
  std::vector<persistence::lease> out;
  for (const auto& [key, lease] : st.in_flight) out.push_back(lease);
  return out;
}

dispatcher_actor::behavior_type dispatcher_behavior(dispatcher_ptr self, runtime_ptr rt,
                                                    supervisor_actor supervisor) {
  self->state.rt = std::move(rt);
  self->state.supervisor = std::move(supervisor);
  self->delayed_send(handle_of(self), self->state.rt->options.renew_interval, renew_atom::value);
  return {
      [=](tick_atom) {
        cycle(self);
        self->delayed_send(handle_of(self), self->state.rt->options.idle_poll, tick_atom::value);
      },
      [=](complete_request& c) {
        self->state.pending.push_back(std::move(c));
        cycle(self);
      },
      [=](slot_freed& f) {
        self->state.in_flight.erase(f.key);
        self->state.triggered_ms.erase(f.key);
        set_in_flight(self->state);
        cycle(self);
      },
      [=](cycle_result& r) { on_cycle(self, r); },
      [=](renew_atom) {
        auto& st = self->state;
        auto leases = leases_to_renew(st);
        if (!leases.empty()) {
          auto rt = st.rt;
          const bool posted = rt->store->post([rt, me = handle_of(self), leases](store_worker& w) {
            run_renew(w, *rt, leases, me);
          });
          if (!posted) store_refused(*rt, std::to_string(leases.size()) + " lease(s) not renewed");
        }
        self->delayed_send(handle_of(self), st.rt->options.renew_interval, renew_atom::value);
      },
      [=](renew_result& r) {
        for (const auto& key : r.stale_keys)
          self->state.rt->log(log_level::warning, key + ": lease could not be renewed (lost)");
      },
      [=](stop_atom) { self->state.stopping = true; },
      [=](give_back_request& g) {
        auto& st = self->state;
        st.stopping = true;
        auto leases = leases_to_renew(st);
        auto rt = st.rt;
        auto done = g.done;
        const bool posted = rt->store->post([rt, leases, done](store_worker& w) {
          done->set_value(run_give_back(w, *rt, leases));
        });
        if (!posted) done->set_value(0);
      },
  };
}

}  // namespace

std::string loaded_order::key() const {
  return item_key(claimed.item.ref.provider, claimed.item.ref.id());
}

dispatcher_actor spawn_dispatcher(caf::actor_system& system, runtime_ptr rt,
                                  supervisor_actor supervisor) {
  return system.spawn(dispatcher_behavior, std::move(rt), std::move(supervisor));
}

}  // namespace tixsync::actors
