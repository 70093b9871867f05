// The supervisor: one entry per running order, erased at its first outcome, so late reports
// and the end of the same order's actor are ignored. A reported order's actor is no longer
// monitored (its down_msg, when it has not ended yet, is not sent).
#include "actors/supervisor.hpp"

#include <caf/all.hpp>
#include <map>
#include <random>
#include <utility>

#include "actors/order_actor.hpp"
#include "actors/protocol.hpp"
#include "actors/store_jobs.hpp"
#include "providers/retry_policy.hpp"

namespace tixsync::actors {
namespace {

/// What the outcome of a running order needs: its lease, its counters and its provider.
struct running_order {
  persistence::lease held;
  int attempts = 0;
  int deferrals = 0;
  std::shared_ptr<providers::provider> target;
  order_actor actor;  ///< monitored and kept alive until the first outcome
};

struct supervisor_state {
  runtime_ptr rt;
  dispatcher_actor dispatcher;
  std::map<std::string, running_order> orders;  ///< by item key, until the first outcome
  /// Order actor -> item key, while it is monitored: a down_msg before the report is a crash.
  std::map<caf::actor_addr, std::string> keys;
  std::mt19937_64 random{std::random_device{}()};
  static inline const char* name = "supervisor";
};

using supervisor_ptr = supervisor_actor::stateful_pointer<supervisor_state>;

void complete(supervisor_ptr self, const std::string& key, const running_order& o, order_end end,
              std::vector<persistence::stored_result> results, std::string log) {
  persistence::encoded_completion done;
  done.held = o.held;
  done.results = std::move(results);
  done.log_objects = std::move(log);
  done.skipped = end == order_end::skipped;
  self->send(self->state.dispatcher, complete_request{key, end, std::move(done)});
}

void fail(supervisor_ptr self, const std::string& key, const running_order& o,
          providers::sync_error error, std::vector<persistence::stored_result> results) {
  auto& st = self->state;
  const auto policy = o.target ? o.target->retry_policy() : providers::retry_policy{};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  failure_request request{key, o.held,
                          providers::decide_retry(o.attempts, o.deferrals, error, policy,
                                                  providers::sync_clock::now(), uniform(st.random)),
                          std::move(error), std::move(results)};
  auto rt = st.rt;
  auto dispatcher = st.dispatcher;
  const bool posted =
      rt->store->post([rt, dispatcher, request = std::move(request)](store_worker& w) {
        run_failure(w, *rt, request, dispatcher);
      });
  if (!posted) {
    // Not stored: its lease runs out and the order is claimed again, as after a hard stop.
    store_refused(*rt, key + " not rescheduled nor parked");
    self->send(dispatcher, slot_freed{key});
  }
}

void on_loaded(supervisor_ptr self, loaded_order& loaded) {
  auto& st = self->state;
  if (!st.dispatcher) st.dispatcher = caf::actor_cast<dispatcher_actor>(self->current_sender());
  const std::string key = loaded.key();
  const auto& ref = loaded.claimed.item.ref;
  auto found = st.rt->registry->find_for_sync(ref.provider);
  running_order o{loaded.claimed.lease_info(),
                  loaded.claimed.item.attempts,
                  loaded.claimed.item.deferrals,
                  found.target,
                  {}};
  if (!found.target) {
    st.rt->log(log_level::info,
               providers::drop_log_line(ref.order, ref.provider, found.drop_reason));
    return complete(self, key, o, order_end::dropped, {}, {});
  }
  if (!loaded.load_error.empty()) {
    // Redis not answering is temporary (retried); a missing or malformed snapshot is not.
    const auto kind = loaded.load_retryable ? providers::sync_error_kind::recoverable
                                            : providers::sync_error_kind::internal;
    return fail(
        self, key, o,
        providers::make_sync_error(kind, "Order data could not be loaded", loaded.load_error,
                                   loaded.load_retryable ? "redis-unavailable" : "snapshot"),
        {});
  }
  o.actor = spawn_order_actor(self, caf::actor_cast<supervisor_actor>(self), st.rt, found.target,
                              std::move(loaded));
  self->monitor(o.actor);
  st.keys.emplace(o.actor.address(), key);
  st.orders.emplace(key, std::move(o));
}

void on_report(supervisor_ptr self, order_report& r) {
  auto& st = self->state;
  auto it = st.orders.find(r.key);
  if (it == st.orders.end()) return;  // already ended (e.g. crash seen first)
  running_order o = std::move(it->second);
  st.orders.erase(it);
  // Reported: the end of its actor needs no message any more.
  if (o.actor) {
    self->demonitor(o.actor.address());
    st.keys.erase(o.actor.address());
  }
  if (r.end == order_end::failed && r.error) {
    return fail(self, r.key, o, std::move(*r.error), std::move(r.results));
  }
  complete(self, r.key, o, r.end, std::move(r.results), std::move(r.log_objects));
}

/// The node is shutting down: end every order actor (their children are linked) and quit.
void on_shutdown(supervisor_ptr self) {
  for (auto& [key, o] : self->state.orders) {
    if (o.actor) self->send_exit(o.actor, caf::exit_reason::kill);
  }
  self->state.orders.clear();
  self->state.keys.clear();
  self->quit(caf::exit_reason::user_shutdown);
}

void on_down(supervisor_ptr self, const caf::down_msg& x) {
  auto& st = self->state;
  auto a = st.keys.find(x.source);
  if (a == st.keys.end()) return;  // reported before it ended: the normal case
  const std::string key = std::move(a->second);
  st.keys.erase(a);
  auto it = st.orders.find(key);
  if (it == st.orders.end()) return;
  running_order o = std::move(it->second);
  st.orders.erase(it);
  const std::string why = x.reason ? caf::to_string(x.reason) : "ended without an outcome";
  st.rt->log(log_level::error, key + ": order actor crashed: " + why);
  fail(self, key, o,
       providers::make_sync_error(providers::sync_error_kind::internal, "Internal error",
                                  "order actor crashed: " + why, "actor-crash"),
       {});
}

supervisor_actor::behavior_type supervisor_behavior(supervisor_ptr self, runtime_ptr rt) {
  self->state.rt = std::move(rt);
  // Monitors, not links: a link per order would make the supervisor's own attachable list as
  // long as the number of orders in flight, and every order's end would scan it.
  self->set_down_handler([=](caf::down_msg& x) { on_down(self, x); });
  self->set_exit_handler([=](caf::exit_msg&) { on_shutdown(self); });
  return {
      [=](loaded_order& loaded) { on_loaded(self, loaded); },
      [=](order_report& r) { on_report(self, r); },
  };
}

}  // namespace

supervisor_actor spawn_supervisor(caf::actor_system& system, runtime_ptr rt) {
  return system.spawn(supervisor_behavior, std::move(rt));
}

}  // namespace tixsync::actors
