// blocking_provider: wraps the blocking calls into pool tasks whose every path ends in the
// completion handle.
#include "providers/blocking_provider.hpp"

#include <memory>
#include <utility>

namespace tixsync::providers {

blocking_provider::blocking_provider(blocking_pool::options pool_options) : pool_(pool_options) {}

blocking_provider::~blocking_provider() {
  pool_.shutdown();
}

void blocking_provider::sync_object(object_request request, object_completion done) {
  // std::function needs copyable captures; share the request instead of copying it.
  auto shared = std::make_shared<const object_request>(std::move(request));
  pool_.submit({[this, shared, done] {
                  try {
                    auto outcome = sync_object_blocking(*shared);
                    done(outcome ? object_result::synced(std::move(*outcome))
                                 : object_result::skipped());
                  } catch (...) {
                    done(object_result::failed(to_sync_error(std::current_exception())));
                  }
                },
                [done](const sync_error& error) { done(object_result::failed(error)); }});
}

void blocking_provider::finalize_sync_order(finalize_request request, finalize_completion done) {
  auto shared = std::make_shared<const finalize_request>(std::move(request));
  pool_.submit({[this, shared, done] {
                  try {
                    finalize_sync_order_blocking(*shared);
                    done(finalize_result::succeeded());
                  } catch (...) {
                    done(finalize_result::failed(to_sync_error(std::current_exception())));
                  }
                },
                [done](const sync_error& error) { done(finalize_result::failed(error)); }});
}

void blocking_provider::close() {
  pool_.shutdown();
}

}  // namespace tixsync::providers
