// The small out-of-line parts of the provider API: the request's position lookup and the
// completion handles that report a dropped call as an internal error.
#include "providers/provider.hpp"

namespace tixsync::providers {
namespace {

sync_error dropped(const char* call) {
  return make_sync_error(
      sync_error_kind::internal, "Internal error",
      std::string("the provider dropped the completion of ") + call + " without calling it",
      "completion-dropped");
}

}  // namespace

const mapping::position* object_request::position() const {
  if (!order || !object.position_id) return nullptr;
  return order->find_position(*object.position_id);
}

object_completion make_object_completion(object_completion::callback on_result) {
  return object_completion(std::move(on_result),
                           [] { return object_result::failed(dropped("sync_object")); });
}

finalize_completion make_finalize_completion(finalize_completion::callback on_result) {
  return finalize_completion(
      std::move(on_result), [] { return finalize_result::failed(dropped("finalize_sync_order")); });
}

}  // namespace tixsync::providers
