// The wrapping test provider.
#include "tests/actors/test_providers.hpp"

#include <stdexcept>

#include "providers/example/example_providers.hpp"

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

manual_provider::manual_provider()
    : mappings_(providers::example::order_and_ticket_sync::default_mappings()) {}

void manual_provider::sync_object(providers::object_request request,
                                  providers::object_completion done) {
  ++object_calls;
  objects_.push_back({request.order ? request.order->code : std::string(), std::move(done)});
}

void manual_provider::finalize_sync_order(providers::finalize_request,
                                          providers::finalize_completion done) {
  ++finalize_calls;
  if (finalize_at_once) return void(done(providers::finalize_result::succeeded()));
  finalizes_.push_back(std::move(done));
}

bool manual_provider::answer_object(providers::object_result result) {
  if (objects_.empty()) return false;
  auto call = std::move(objects_.front());
  objects_.pop_front();
  call.done(std::move(result));
  return true;
}

namespace {
providers::object_result synced_record(int id) {
  providers::object_outcome outcome;
  outcome.sync_info = {{"action", "created"}, {"_id", id}};
  return providers::object_result::synced(std::move(outcome));
}
}  // namespace

bool manual_provider::answer_object() {
  return answer_object(synced_record(object_calls));
}

bool manual_provider::answer_object_of(const std::string& code) {
  for (auto it = objects_.begin(); it != objects_.end(); ++it) {
    if (it->order != code) continue;
    auto done = std::move(it->done);
    objects_.erase(it);
    done(synced_record(object_calls));
    return true;
  }
  return false;
}

bool manual_provider::answer_finalize(providers::finalize_result result) {
  if (finalizes_.empty()) return false;
  auto done = std::move(finalizes_.front());
  finalizes_.pop_front();
  done(std::move(result));
  return true;
}

void manual_provider::drop_all() {
  objects_.clear();
  finalizes_.clear();
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
