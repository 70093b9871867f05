// The once-only answer of responder.hpp and the 500 for a request nobody answered.
#include "api/responder.hpp"

namespace tixsync::api {

void reply_slot::give_up_unanswered() {
  if (claim()) {
    deliver(error_response(500, "internal error: the handler dropped the request unanswered"));
  }
}

bool responder::send(http_response response) const {
  if (!slot_ || !slot_->claim()) return false;
  slot_->deliver(std::move(response));
  return true;
}

bool responder::close_connection() const {
  if (!slot_ || !slot_->claim()) return false;
  slot_->drop_connection();
  return true;
}

}  // namespace tixsync::api
