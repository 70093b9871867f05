// The wrapping test provider.
#include "tests/actors/test_providers.hpp"

#include <stdexcept>

namespace tixsync::actors::testing {

wrapping_provider::wrapping_provider(
    std::shared_ptr<providers::provider> inner,
    std::optional<std::vector<mapping::mapping_definition>> mappings)
    : inner_(std::move(inner)), mappings_(mappings ? *mappings : inner_->mappings()) {}

wrapping_provider::~wrapping_provider() {
  release_held();
}

bool wrapping_provider::should_sync_order(const mapping::order& order) const {
  return should_sync ? should_sync(order) : true;
}

void wrapping_provider::sync_object(providers::object_request request,
                                    providers::object_completion done) {
  ++calls;
  switch (mode.load()) {
    case call_mode::fail:
      done(providers::object_result::failed(failure));
      return;
    case call_mode::throw_error:
      throw std::runtime_error("provider exploded");
    case call_mode::hang: {
      std::lock_guard<std::mutex> lock(mutex_);
      held_.emplace_back(std::move(request), std::move(done));
      return;
    }
    case call_mode::pass:
      break;
  }
  ++forwarded;
  inner_->sync_object(std::move(request), std::move(done));
}

void wrapping_provider::release_held(bool forward) {
  std::vector<std::pair<providers::object_request, providers::object_completion>> held;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    held.swap(held_);
  }
  if (!forward) return;
  for (auto& [request, done] : held) {
    ++forwarded;
    inner_->sync_object(std::move(request), std::move(done));
  }
}

std::size_t wrapping_provider::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.size();
}

providers::retry_policy fast_retry(int max_attempts) {
  providers::retry_policy p;
  p.mode = providers::backoff_mode::fixed;
  p.fixed_delay = std::chrono::milliseconds(1);
  p.jitter = 0;
  p.max_attempts = max_attempts;
  return p;
}

}  // namespace tixsync::actors::testing
