// The order actor: pretix's sync_order as a chain of messages - one sync actor per mapping, in
// list order, each seeing the results of the mappings before it; then the finalize actor.
#include "actors/order_actor.hpp"

#include <caf/all.hpp>
#include <map>
#include <optional>
#include <utility>

#include "actors/finalize_actor.hpp"
#include "actors/sync_actor.hpp"
#include "persistence/stored_json.hpp"

namespace tixsync::actors {
namespace {

using result_slot = std::pair<std::int64_t, std::optional<std::int64_t>>;  // mapping, position

struct order_state {
  runtime_ptr rt;
  std::shared_ptr<providers::provider> target;
  supervisor_actor supervisor;
  loaded_order loaded;
  std::string key;
  bool force = false;
  std::map<result_slot, providers::sync_result> previous;
  /// Results of the finished mappings; shared read-only with the running sync actor's job.
  std::shared_ptr<providers::mapped_objects> mapped = std::make_shared<providers::mapped_objects>();
  std::vector<persistence::stored_result> to_store;  ///< in the form Redis keeps them
  caf::strong_actor_ptr child;  ///< the running sync or finalize actor (kept alive)
  caf::actor_addr finalizer;
  static inline const char* name = "order_actor";
};

using order_ptr = order_actor::stateful_pointer<order_state>;

void report(order_ptr self, order_end end, std::optional<providers::sync_error> error) {
  auto& st = self->state;
  order_report r{st.key, end, std::move(st.to_store), {}, std::move(error)};
  self->send(st.supervisor, std::move(r));
  self->quit();
}

void start_finalize(order_ptr self) {
  auto& st = self->state;
  order_report success{st.key, order_end::synced, std::move(st.to_store), {}, std::nullopt};
  if (!providers::nothing_done(*st.mapped))
    success.log_objects = persistence::log_objects_json(*st.mapped);
  // The last use of the results here: the finalize request takes them.
  providers::finalize_request request{st.loaded.order, st.loaded.event->bundle,
                                      std::move(*st.mapped)};
  auto child = spawn_finalize_actor(self, st.rt, st.supervisor, st.target, std::move(request),
                                    std::move(success));
  st.finalizer = child.address();
  st.child = caf::actor_cast<caf::strong_actor_ptr>(std::move(child));
}

/// Evaluates mapping `index` and hands its objects to a sync actor (or finalizes after the last).
void start_mapping(order_ptr self, std::size_t index) {
  auto& st = self->state;
  const auto& mappings = st.target->mappings();
  if (index >= mappings.size()) return start_finalize(self);
  const auto& definition = mappings[index];
  sync_job job;
  try {
    job.objects = mapping::evaluate_mapping(definition, *st.loaded.order, *st.loaded.event->bundle,
                                            *st.loaded.event->catalogue, st.rt->options.context,
                                            st.target->evaluation_options());
  } catch (...) {
    return report(self, order_end::failed, providers::to_sync_error(std::current_exception()));
  }
  job.mapping_index = index;
  job.mapping = &definition;
  job.order = st.loaded.order;
  job.event = st.loaded.event->bundle;
  job.mapped = st.mapped;  // shared, not copied: nothing changes it while the job runs
  job.force = st.force;
  for (const auto& object : job.objects) {
    auto it = st.previous.find({object.mapping_id, object.position_id});
    job.previous.push_back(it == st.previous.end() ? std::nullopt : std::make_optional(it->second));
  }
  st.child = caf::actor_cast<caf::strong_actor_ptr>(
      spawn_sync_actor(self, caf::actor_cast<order_actor>(self), st.rt, st.target, std::move(job)));
}

void on_mapping(order_ptr self, mapping_result& r) {
  auto& st = self->state;
  if (r.error) return report(self, order_end::failed, std::move(r.error));
  const auto& definition = st.target->mappings().at(r.mapping_index);
  for (const auto& result : r.results) {
    if (result) st.to_store.push_back(persistence::store_form(*result));
  }
  // The sync actor's job (the only other owner) ended with its calls; copy only if it did not.
  if (st.mapped.use_count() > 1)
    st.mapped = std::make_shared<providers::mapped_objects>(*st.mapped);
  (*st.mapped)[definition.id] = std::move(r.results);
  start_mapping(self, r.mapping_index + 1);
}

order_actor::behavior_type order_behavior(order_ptr self, runtime_ptr rt,
                                          std::shared_ptr<providers::provider> target,
                                          supervisor_actor supervisor, loaded_order loaded) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.target = std::move(target);
  st.supervisor = std::move(supervisor);
  st.key = loaded.key();
  st.force = !st.rt->options.force_trigger.empty() &&
             loaded.claimed.item.trigger == st.rt->options.force_trigger;
  for (auto& p : loaded.previous) {
    result_slot slot{p.mapping_id, p.position_id};
    st.previous.emplace(slot, std::move(p));
  }
  loaded.previous.clear();
  st.loaded = std::move(loaded);
  // An exception in a handler is a bug: the actor ends with its text, which the supervisor
  // records when it parks the order as internal (instead of CAF printing to stderr).
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    return caf::make_error(caf::sec::runtime_error, std::move(what));
  });
  // A child that crashed takes the order down with it; the supervisor sees the reason.
  self->set_exit_handler([=](caf::exit_msg& x) {
    if (x.reason)
      self->quit(x.reason);
    else if (x.source == self->state.finalizer)
      self->quit();
  });
  // A report here ends the actor at once: the behavior below never runs.
  std::optional<bool> wanted;
  try {
    wanted = st.target->should_sync_order(*st.loaded.order);
  } catch (...) {
    report(self, order_end::failed, providers::to_sync_error(std::current_exception()));
  }
  if (wanted && *wanted)
    start_mapping(self, 0);
  else if (wanted)
    report(self, order_end::skipped, std::nullopt);
  return {
      [=](mapping_result& r) { on_mapping(self, r); },
  };
}

}  // namespace

order_actor spawn_order_actor(caf::local_actor* parent, supervisor_actor supervisor, runtime_ptr rt,
                              std::shared_ptr<providers::provider> target, loaded_order loaded) {
  return parent->spawn(order_behavior, std::move(rt), std::move(target), std::move(supervisor),
                       std::move(loaded));
}

}  // namespace tixsync::actors
