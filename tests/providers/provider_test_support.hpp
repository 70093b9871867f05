// Test support for providers/: hand-built orders and evaluated objects, a bounded wait for
// asynchronous completions, a scriptable provider, and run_order, which syncs one order through
// a provider the way pretix's sync_order does (mappings in order, mapped objects passed on),
// without an actor system.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "providers/object_sync.hpp"
#include "providers/provider.hpp"

namespace tixsync::providers::testing {

/// Long enough for a loaded CI machine; a hang fails the test instead of blocking the run.
inline constexpr std::chrono::seconds wait_limit{10};

/// Waits for a future at most wait_limit; throws std::runtime_error on timeout.
template <class T>
T wait_for_value(std::future<T>& future) {
  if (future.wait_for(wait_limit) != std::future_status::ready) {
    throw std::runtime_error("timed out waiting for a completion");
  }
  return future.get();
}

/// Polls `condition` every millisecond until it holds or wait_limit passes; returns its value.
bool wait_until(const std::function<bool()>& condition);

/// A gate that tasks wait at (at most wait_limit) until the test opens it.
class gate {
 public:
  gate() : opened_(promise_.get_future().share()) {}
  void open() { promise_.set_value(); }
  /// Waits until opened; false when wait_limit passed first.
  bool wait() const { return opened_.wait_for(wait_limit) == std::future_status::ready; }

 private:
  std::promise<void> promise_;
  std::shared_future<void> opened_;
};

/// An order with `code` and positions with the given ids.
std::shared_ptr<const mapping::order> make_order(
    const std::string& code, const std::vector<std::int64_t>& position_ids = {});

/// An evaluated object of `mapping` with the id value and (field, value, mode) properties.
mapping::evaluated_object make_object(const mapping::mapping_definition& mapping,
                                      std::optional<std::int64_t> position_id, json id_value,
                                      std::vector<mapping::property_value> properties);

/// A request for `object`, with the mapping looked up among the provider's mappings.
object_request make_request(const provider& target, std::shared_ptr<const mapping::order> order,
                            mapping::evaluated_object object);

/// sync_one_object, waited for.
object_sync_outcome sync_and_wait(provider& target, object_request request);

/// Stored results by (order code, position id, mapping id), as the store keeps them.
using result_key = std::tuple<std::string, std::optional<std::int64_t>, std::int64_t>;
using result_store = std::map<result_key, sync_result>;

struct order_run {
  mapped_objects mapped;
  std::optional<sync_error> error;
  int provider_calls = 0;
  std::vector<std::string> actions;  ///< sync_info "action" of each stored result, in order
};

/// pretix's sync_order over evaluated objects: for each of the provider's mappings in order,
/// syncs that mapping's objects (taken from `objects` in their order) one at a time, with the
/// mapped objects filtered to the object's position and the previous result from `store`;
/// stores every result; stops at the first error; finalizes when all succeeded.
order_run run_order(provider& target, std::shared_ptr<const mapping::order> order,
                    const std::vector<mapping::evaluated_object>& objects, result_store& store);

/// An asynchronous provider whose answers are scripted: it records each request and completes
/// with `answer(request)`, either inline or from a separate thread.
class scripted_provider : public provider {
 public:
  using answer_fn = std::function<object_result(const object_request&)>;

  scripted_provider(std::string identifier, std::vector<mapping::mapping_definition> mappings,
                    answer_fn answer, bool complete_on_other_thread = false);
  ~scripted_provider() override;

  std::string identifier() const override { return identifier_; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  bool change_detection() const override { return change_detection_; }
  void set_change_detection(bool on) { change_detection_ = on; }

  void sync_object(object_request request, object_completion done) override;
  void close() override;

  /// Copies of the requests received so far.
  std::vector<object_request> requests() const;

 private:
  std::string identifier_;
  std::vector<mapping::mapping_definition> mappings_;
  answer_fn answer_;
  bool other_thread_;
  bool change_detection_ = false;
  mutable std::mutex mutex_;
  std::vector<object_request> requests_;
  std::vector<std::thread> threads_;
};

/// A one-mapping definition: id, model, object type and id field; no properties.
mapping::mapping_definition make_mapping(std::int64_t id, const std::string& model,
                                         const std::string& object_type,
                                         const std::string& id_field);

}  // namespace tixsync::providers::testing
