// The sync actor: all provider calls of a mapping in flight together; the first error or the
// timeout ends the mapping, and completions arriving after that find the actor gone.
#include "actors/sync_actor.hpp"

#include <caf/all.hpp>
#include <utility>

#include "actors/call_deadlines.hpp"
#include "actors/protocol.hpp"

namespace tixsync::actors {
namespace {

struct sync_state {
  runtime_ptr rt;
  order_actor parent;
  std::size_t mapping_index = 0;
  std::vector<std::optional<providers::sync_result>> results;
  std::size_t outstanding = 0;
  std::uint64_t deadline = 0;  ///< ticket of the call timeout (call_deadlines)
  static inline const char* name = "sync_actor";
};

using sync_ptr = sync_actor::stateful_pointer<sync_state>;

void finish(sync_ptr self, std::optional<providers::sync_error> error) {
  auto& st = self->state;
  // A normal end needs no exit message to the order actor, which waits for the result anyway;
  // a crash (an exception in a handler) still reaches it through the link.
  self->unlink_from(st.parent);
  st.rt->deadlines->cancel(st.deadline);
  self->send(st.parent, mapping_result{st.mapping_index, std::move(st.results), std::move(error)});
  self->quit();
}

void count(node_counters& c, const providers::object_sync_outcome& out) {
  auto& counter = !out.result           ? c.objects_empty
                  : out.provider_called ? c.objects_synced
                                        : c.objects_unchanged;
  counter.fetch_add(1, std::memory_order_relaxed);
}

/// Starts every object's sync; completions come back as object_done via a weak handle.
void start_calls(sync_ptr self, providers::provider& target, sync_job& job) {
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
  for (std::size_t i = 0; i < job.objects.size(); ++i) {
    providers::object_request request;
    request.order = job.order;
    request.event = job.event;
    request.mapping = job.mapping;
    request.mapped_objects =
        providers::filter_mapped_objects(*job.mapped, job.objects[i].position_id);
    request.previous = std::move(job.previous[i]);
    if (job.force && request.previous) request.previous->fingerprint.clear();
    request.object = std::move(job.objects[i]);
    providers::sync_one_object(
        target, std::move(request), [weak, i](providers::object_sync_outcome out) {
          if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak)) {
            caf::anon_send(caf::actor_cast<sync_actor>(strong), object_done{i, std::move(out)});
          }
        });
  }
}

sync_actor::behavior_type sync_behavior(sync_ptr self, runtime_ptr rt, order_actor parent,
                                        std::shared_ptr<providers::provider> target, sync_job job) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.parent = std::move(parent);
  st.mapping_index = job.mapping_index;
  st.results.resize(job.objects.size());
  st.outstanding = job.objects.size();
  job.previous.resize(job.objects.size());
  if (st.outstanding == 0) {
    finish(self, std::nullopt);  // ends the actor: the behavior below never runs
  } else {
    st.deadline = st.rt->deadlines->arm(self->address());
    start_calls(self, *target, job);
  }
  return {
      [=](object_done& d) {
        auto& st = self->state;
        if (d.index >= st.results.size() || st.outstanding == 0) return;
        if (d.outcome.error) return finish(self, std::move(d.outcome.error));
        count(st.rt->counters, d.outcome);
        st.rt->observe_object(*target, d.outcome);  // per-provider metrics
        st.results[d.index] = std::move(d.outcome.result);
        if (--st.outstanding == 0) finish(self, std::nullopt);
      },
      [=](timeout_atom) {
        finish(self, providers::make_sync_error(
                         providers::sync_error_kind::recoverable, "Provider call timed out",
                         "no answer within " +
                             std::to_string(self->state.rt->options.provider_call_timeout.count()) +
                             " ms",
                         "timeout"));
      },
  };
}

}  // namespace

sync_actor spawn_sync_actor(caf::local_actor* parent, order_actor order, runtime_ptr rt,
                            std::shared_ptr<providers::provider> target, sync_job job) {
  return parent->spawn<caf::linked>(sync_behavior, std::move(rt), std::move(order),
                                    std::move(target), std::move(job));
}

}  // namespace tixsync::actors
