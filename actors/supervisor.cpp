// The supervisor: one entry per running order, erased at its first outcome, so late reports
// and the end of the same order's actor are ignored.
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

struct running_order {
  persistence::claimed_item claimed;
  std::shared_ptr<providers::provider> target;
};

struct supervisor_state {
  runtime_ptr rt;
  caf::actor dispatcher;
  std::map<std::string, running_order> orders;  ///< by item key, until the first outcome
  /// Order actor -> item key and the handle that keeps it alive, until its down_msg.
  std::map<caf::actor_addr, std::pair<std::string, caf::actor>> actors;
  std::mt19937_64 random{std::random_device{}()};
  static inline const char* name = "supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

void complete(supervisor_actor* self, const std::string& key, const running_order& o, order_end end,
              std::vector<providers::sync_result> results, nlohmann::json log) {
  persistence::completion done;
  done.held = o.claimed.lease_info();
  done.results = std::move(results);
  done.log_objects = std::move(log);
  self->send(self->state.dispatcher, complete_request{key, end, std::move(done)});
}

void fail(supervisor_actor* self, const std::string& key, const running_order& o,
          providers::sync_error error, std::vector<providers::sync_result> results) {
  auto& st = self->state;
  const auto policy = o.target ? o.target->retry_policy() : providers::retry_policy{};
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  failure_request request{
      key, o.claimed.lease_info(),
      providers::decide_retry(o.claimed.item.attempts, o.claimed.item.deferrals, error, policy,
                              providers::sync_clock::now(), uniform(st.random)),
      std::move(error), std::move(results)};
  auto rt = st.rt;
  auto dispatcher = st.dispatcher;
  rt->store->post([rt, dispatcher, request = std::move(request)](store_worker& w) {
    run_failure(w, *rt, request, dispatcher);
  });
}

void on_loaded(supervisor_actor* self, loaded_order& loaded) {
  auto& st = self->state;
  if (!st.dispatcher) st.dispatcher = caf::actor_cast<caf::actor>(self->current_sender());
  const std::string key = loaded.key();
  const auto& ref = loaded.claimed.item.ref;
  auto found = st.rt->registry->find_for_sync(ref.provider);
  running_order o{loaded.claimed, found.target};
  if (!found.target) {
    st.rt->log(log_level::info,
               providers::drop_log_line(ref.order, ref.provider, found.drop_reason));
    return complete(self, key, o, order_end::dropped, {}, nullptr);
  }
  if (!loaded.load_error.empty()) {
    return fail(
        self, key, o,
        providers::make_sync_error(providers::sync_error_kind::internal,
                                   "Order data could not be loaded", loaded.load_error, "snapshot"),
        {});
  }
  st.orders.emplace(key, o);
  auto child = spawn_order_actor(self, st.rt, found.target, std::move(loaded));
  self->monitor(child);
  st.actors.emplace(child.address(), std::make_pair(key, child));
}

void on_report(supervisor_actor* self, order_report& r) {
  auto& st = self->state;
  auto it = st.orders.find(r.key);
  if (it == st.orders.end()) return;  // already ended (e.g. crash seen first)
  running_order o = std::move(it->second);
  st.orders.erase(it);
  if (r.end == order_end::failed && r.error) {
    return fail(self, r.key, o, std::move(*r.error), std::move(r.results));
  }
  complete(self, r.key, o, r.end, std::move(r.results), std::move(r.log_objects));
}

/// The node is shutting down: end every order actor (their children are linked) and quit.
void on_shutdown(supervisor_actor* self) {
  for (auto& [addr, entry] : self->state.actors)
    self->send_exit(entry.second, caf::exit_reason::kill);
  self->state.actors.clear();
  self->quit(caf::exit_reason::user_shutdown);
}

void on_down(supervisor_actor* self, const caf::down_msg& x) {
  auto& st = self->state;
  auto a = st.actors.find(x.source);
  if (a == st.actors.end()) return;
  const std::string key = a->second.first;
  st.actors.erase(a);
  auto it = st.orders.find(key);
  if (it == st.orders.end()) return;  // reported before it ended: the normal case
  running_order o = std::move(it->second);
  st.orders.erase(it);
  const std::string why = x.reason ? caf::to_string(x.reason) : "ended without an outcome";
  st.rt->log(log_level::error, key + ": order actor crashed: " + why);
  fail(self, key, o,
       providers::make_sync_error(providers::sync_error_kind::internal, "Internal error",
                                  "order actor crashed: " + why, "actor-crash"),
       {});
}

caf::behavior supervisor(supervisor_actor* self, runtime_ptr rt) {
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

caf::actor spawn_supervisor(caf::actor_system& system, runtime_ptr rt) {
  return system.spawn(supervisor, std::move(rt));
}

}  // namespace tixsync::actors
