// Test support for providers/: builders, the bounded wait, run_order and scripted_provider.
#include "tests/providers/provider_test_support.hpp"

#include <stdexcept>
#include <thread>
#include <utility>

namespace tixsync::providers::testing {

bool wait_until(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + wait_limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::shared_ptr<const mapping::order> make_order(const std::string& code,
                                                 const std::vector<std::int64_t>& position_ids) {
  auto order = std::make_shared<mapping::order>();
  order->code = code;
  order->status = "n";
  std::int64_t positionid = 0;
  for (const auto id : position_ids) {
    mapping::position position;
    position.id = id;
    position.positionid = ++positionid;
    order->positions.push_back(position);
  }
  return order;
}

mapping::evaluated_object make_object(const mapping::mapping_definition& mapping,
                                      std::optional<std::int64_t> position_id, json id_value,
                                      std::vector<mapping::property_value> properties) {
  mapping::evaluated_object object;
  object.mapping_id = mapping.id;
  object.pretix_model = mapping.pretix_model;
  object.position_id = position_id;
  object.external_object_type = mapping.external_object_type;
  object.external_id_field = mapping.external_id_field;
  object.id_value = std::move(id_value);
  object.properties = std::move(properties);
  return object;
}

mapping::mapping_definition make_mapping(std::int64_t id, const std::string& model,
                                         const std::string& object_type,
                                         const std::string& id_field) {
  mapping::mapping_definition mapping;
  mapping.id = id;
  mapping.pretix_model = model;
  mapping.external_object_type = object_type;
  mapping.pretix_id_field = id_field;
  mapping.external_id_field = id_field;
  return mapping;
}

object_request make_request(const provider& target, std::shared_ptr<const mapping::order> order,
                            mapping::evaluated_object object) {
  object_request request;
  request.order = std::move(order);
  request.event = std::make_shared<mapping::event_bundle>();
  for (const auto& mapping : target.mappings()) {
    if (mapping.id == object.mapping_id) request.mapping = &mapping;
  }
  if (!request.mapping) throw std::invalid_argument("the provider has no such mapping");
  request.object = std::move(object);
  return request;
}

object_sync_outcome sync_and_wait(provider& target, object_request request) {
  auto promise = std::make_shared<std::promise<object_sync_outcome>>();
  auto future = promise->get_future();
  sync_one_object(target, std::move(request), [promise](object_sync_outcome outcome) {
    promise->set_value(std::move(outcome));
  });
  return wait_for_value(future);
}

namespace {

std::optional<sync_error> finalize_and_wait(provider& target,
                                            std::shared_ptr<const mapping::order> order,
                                            const mapped_objects& mapped) {
  auto promise = std::make_shared<std::promise<finalize_result>>();
  auto future = promise->get_future();
  finalize_order(target, {std::move(order), nullptr, mapped},
                 [promise](finalize_result result) { promise->set_value(std::move(result)); });
  return wait_for_value(future).error;
}

}  // namespace

order_run run_order(provider& target, std::shared_ptr<const mapping::order> order,
                    const std::vector<mapping::evaluated_object>& objects, result_store& store) {
  order_run run;
  for (const auto& mapping : target.mappings()) {
    std::vector<std::optional<sync_result>> results;
    for (const auto& object : objects) {
      if (object.mapping_id != mapping.id) continue;
      object_request request = make_request(target, order, object);
      request.mapped_objects = filter_mapped_objects(run.mapped, object.position_id);
      const result_key key{order->code, object.position_id, mapping.id};
      if (auto it = store.find(key); it != store.end()) request.previous = it->second;
      object_sync_outcome outcome = sync_and_wait(target, std::move(request));
      run.provider_calls += outcome.provider_called ? 1 : 0;
      if (outcome.error) {
        run.error = std::move(outcome.error);
        return run;
      }
      if (outcome.result) {
        store[key] = *outcome.result;
        run.actions.push_back(outcome.result->action());
      }
      results.push_back(std::move(outcome.result));
    }
    run.mapped[mapping.id] = std::move(results);
  }
  run.error = finalize_and_wait(target, order, run.mapped);
  return run;
}

scripted_provider::scripted_provider(std::string identifier,
                                     std::vector<mapping::mapping_definition> mappings,
                                     answer_fn answer, bool complete_on_other_thread)
    : identifier_(std::move(identifier)),
      mappings_(std::move(mappings)),
      answer_(std::move(answer)),
      other_thread_(complete_on_other_thread) {}

scripted_provider::~scripted_provider() {
  close();
}

void scripted_provider::sync_object(object_request request, object_completion done) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
  }
  if (!other_thread_) {
    done(answer_(request));
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.emplace_back([this, request = std::move(request), done] { done(answer_(request)); });
}

void scripted_provider::close() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& thread : threads) thread.join();
}

std::vector<object_request> scripted_provider::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

}  // namespace tixsync::providers::testing
