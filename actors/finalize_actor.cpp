// The finalize actor: one guarded provider call with the node's timeout, one report.
#include "actors/finalize_actor.hpp"

#include <caf/all.hpp>
#include <utility>

#include "actors/call_deadlines.hpp"
#include "providers/object_sync.hpp"

namespace tixsync::actors {
namespace {

struct finalize_state {
  runtime_ptr rt;
  supervisor_actor supervisor;
  order_report report;
  std::uint64_t deadline = 0;  ///< ticket of the call timeout (call_deadlines)
  static inline const char* name = "finalize_actor";
};

using finalize_ptr = finalize_actor::stateful_pointer<finalize_state>;

void report(finalize_ptr self, std::optional<providers::sync_error> error) {
  auto& st = self->state;
  st.rt->deadlines->cancel(st.deadline);
  if (error) {
    st.report.end = order_end::failed;
    st.report.error = std::move(error);
    st.report.log_objects.clear();
  }
  self->send(st.supervisor, std::move(st.report));
  self->quit();
}

finalize_actor::behavior_type finalize_behavior(finalize_ptr self, runtime_ptr rt,
                                                supervisor_actor supervisor,
                                                std::shared_ptr<providers::provider> target,
                                                providers::finalize_request request,
                                                order_report success) {
  self->state.supervisor = std::move(supervisor);
  self->state.report = std::move(success);
  const auto timeout = rt->options.provider_call_timeout;
  self->state.deadline = rt->deadlines->arm(self->address());
  self->state.rt = std::move(rt);
  auto weak = caf::actor_cast<caf::weak_actor_ptr>(self->ctrl());
  providers::finalize_order(*target, std::move(request), [weak](providers::finalize_result r) {
    if (auto strong = caf::actor_cast<caf::strong_actor_ptr>(weak)) {
      caf::anon_send(caf::actor_cast<finalize_actor>(strong), finalize_done{std::move(r)});
    }
  });
  return {
      [=](finalize_done& d) { report(self, std::move(d.result.error)); },
      [=](timeout_atom) {
        report(self, providers::make_sync_error(
                         providers::sync_error_kind::recoverable, "finalize_sync_order timed out",
                         "no answer within " + std::to_string(timeout.count()) + " ms", "timeout"));
      },
  };
}

}  // namespace

finalize_actor spawn_finalize_actor(caf::local_actor* parent, runtime_ptr rt,
                                    supervisor_actor supervisor,
                                    std::shared_ptr<providers::provider> target,
                                    providers::finalize_request request, order_report success) {
  return parent->spawn<caf::linked>(finalize_behavior, std::move(rt), std::move(supervisor),
                                    std::move(target), std::move(request), std::move(success));
}

}  // namespace tixsync::actors
