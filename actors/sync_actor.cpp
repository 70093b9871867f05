// The sync actor: all provider calls of a mapping in flight together; the first error or the
// timeout ends the mapping, and completions arriving after that find the actor gone.
//
// The calls complete on the provider's threads (the HTTP client's, mostly). Their outcomes are
// gathered there, in mapping_calls, and reach the actor in one message per mapping - with every
// outcome, or at the first error - so a mapping of N objects wakes the actor thread once, not N
// times.
#include "actors/sync_actor.hpp"

#include <caf/all.hpp>
#include <mutex>
#include <utility>

#include "actors/call_deadlines.hpp"
#include "actors/protocol.hpp"

namespace tixsync::actors {
namespace {

/// The outcomes of one mapping's calls, filled in by whichever threads complete them. The last
/// outcome, or the first error, sends them all to the sync actor; anything after that is dropped.
class mapping_calls {
 public:
  mapping_calls(caf::weak_actor_ptr actor, std::size_t objects)
      : actor_(std::move(actor)), outstanding_(objects) {
    done_.outcomes.resize(objects);
  }

  void complete(std::size_t index, providers::object_sync_outcome outcome) {
    objects_done message;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (sent_ || index >= done_.outcomes.size() || done_.outcomes[index]) return;
      const bool failed = outcome.error.has_value();
      done_.outcomes[index] = std::move(outcome);
      if (!failed && --outstanding_ > 0) return;
      sent_ = true;
      message = std::move(done_);
    }
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(actor_)) {
      caf::anon_send(caf::actor_cast<sync_actor>(strong), std::move(message));
    }
  }

  /// The outcomes so far, for the actor that gives up waiting (the timeout); later completions
  /// are dropped. Empty when they were sent already.
  objects_done take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (sent_) return {};
    sent_ = true;
    return std::move(done_);
  }

 private:
  std::mutex mutex_;
  caf::weak_actor_ptr actor_;
  objects_done done_;
  std::size_t outstanding_;
  bool sent_ = false;
};

struct sync_state {
  runtime_ptr rt;
  order_actor parent;
  std::size_t mapping_index = 0;
  std::uint64_t deadline = 0;  ///< ticket of the call timeout (call_deadlines)
  std::shared_ptr<mapping_calls> calls;
  static inline const char* name = "sync_actor";
};

using sync_ptr = sync_actor::stateful_pointer<sync_state>;

void finish(sync_ptr self, std::vector<std::optional<providers::sync_result>> results,
            std::optional<providers::sync_error> error) {
  auto& st = self->state;
  // A normal end needs no exit message to the order actor, which waits for the result anyway;
  // a crash (an exception in a handler) still reaches it through the link.
  self->unlink_from(st.parent);
  st.rt->deadlines->cancel(st.deadline);
  self->send(st.parent, mapping_result{st.mapping_index, std::move(results), std::move(error)});
  self->quit();
}

void count(node_counters& c, const providers::object_sync_outcome& out) {
  auto& counter = !out.result           ? c.objects_empty
                  : out.provider_called ? c.objects_synced
                                        : c.objects_unchanged;
  counter.fetch_add(1, std::memory_order_relaxed);
}

/// Starts every object's sync; the outcomes come back together as one objects_done.
void start_calls(sync_ptr self, providers::provider& target, sync_job& job) {
  auto calls = std::make_shared<mapping_calls>(caf::actor_cast<caf::weak_actor_ptr>(self->ctrl()),
                                               job.objects.size());
  self->state.calls = calls;
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
        target, std::move(request),
        [calls, i](providers::object_sync_outcome out) { calls->complete(i, std::move(out)); });
  }
}

/// Counts the finished objects (in the node's and the provider's metrics); returns their results
/// by index, and the first error among them.
std::vector<std::optional<providers::sync_result>> count_objects(
    sync_ptr self, const providers::provider& target, objects_done& d,
    std::optional<providers::sync_error>& error) {
  auto& st = self->state;
  std::vector<std::optional<providers::sync_result>> results(d.outcomes.size());
  for (std::size_t i = 0; i < d.outcomes.size(); ++i) {
    auto& out = d.outcomes[i];
    if (!out) continue;
    if (out->error) {
      error = std::move(out->error);
      continue;
    }
    // Objects finished before an error count as well: the destination has them.
    count(st.rt->counters, *out);
    st.rt->observe_object(target, *out);  // per-provider metrics
    results[i] = std::move(out->result);
  }
  return results;
}

/// The mapping's results, or its first error.
void on_objects(sync_ptr self, const providers::provider& target, objects_done& d) {
  std::optional<providers::sync_error> error;
  auto results = count_objects(self, target, d, error);
  finish(self, std::move(results), std::move(error));
}

/// The call timeout: the objects finished so far still count; the mapping ends with the timeout.
void on_timeout(sync_ptr self, const providers::provider& target) {
  auto& st = self->state;
  if (st.calls) {
    auto finished = st.calls->take();
    std::optional<providers::sync_error> ignored;
    count_objects(self, target, finished, ignored);
  }
  finish(self, {},
         providers::make_sync_error(
             providers::sync_error_kind::recoverable, "Provider call timed out",
             "no answer within " + std::to_string(st.rt->options.provider_call_timeout.count()) +
                 " ms",
             "timeout"));
}

sync_actor::behavior_type sync_behavior(sync_ptr self, runtime_ptr rt, order_actor parent,
                                        std::shared_ptr<providers::provider> target, sync_job job) {
  auto& st = self->state;
  st.rt = std::move(rt);
  st.parent = std::move(parent);
  st.mapping_index = job.mapping_index;
  job.previous.resize(job.objects.size());
  if (job.objects.empty()) {
    finish(self, {}, std::nullopt);  // ends the actor: the behavior below never runs
  } else {
    st.deadline = st.rt->deadlines->arm(self->address());
    start_calls(self, *target, job);
  }
  return {
      [=](objects_done& d) { on_objects(self, *target, d); },
      [=](timeout_atom) { on_timeout(self, *target); },
  };
}

}  // namespace

sync_actor spawn_sync_actor(caf::local_actor* parent, order_actor order, runtime_ptr rt,
                            std::shared_ptr<providers::provider> target, sync_job job) {
  return parent->spawn<caf::linked>(sync_behavior, std::move(rt), std::move(order),
                                    std::move(target), std::move(job));
}

}  // namespace tixsync::actors
