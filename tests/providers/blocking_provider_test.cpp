// Tests for blocking_provider: the blocking call runs on the provider's pool, its return value
// and every exception reach the completion exactly once, a full pool answers at once, and
// close() completes the waiting requests.
#include "providers/blocking_provider.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "tests/providers/provider_test_support.hpp"

namespace tixsync::providers {
namespace {

using testing::gate;
using testing::wait_for_value;

/// Answers with whatever `behaviour` does; optionally waits at a gate first.
class test_provider final : public blocking_provider {
 public:
  using behaviour_fn = std::function<std::optional<object_outcome>(const object_request&)>;

  explicit test_provider(behaviour_fn behaviour, blocking_pool::options pool = {2, 8})
      : blocking_provider(pool),
        behaviour_(std::move(behaviour)),
        mappings_{testing::make_mapping(1, "Order", "Contact", "email")} {}
  ~test_provider() override { close(); }

  std::string identifier() const override { return "test"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }

  gate* hold = nullptr;
  std::atomic<int> started{0};
  std::function<void()> on_finalize;

 protected:
  std::optional<object_outcome> sync_object_blocking(const object_request& request) override {
    ++started;
    if (hold) hold->wait();
    return behaviour_(request);
  }
  void finalize_sync_order_blocking(const finalize_request&) override {
    if (on_finalize) on_finalize();
  }

 private:
  behaviour_fn behaviour_;
  std::vector<mapping::mapping_definition> mappings_;
};

/// Calls sync_object and returns a future of its result plus a counter of completions.
struct call {
  std::shared_ptr<std::promise<object_result>> promise =
      std::make_shared<std::promise<object_result>>();
  std::future<object_result> future = promise->get_future();
  std::shared_ptr<std::atomic<int>> completions = std::make_shared<std::atomic<int>>(0);

  explicit call(provider& target) {
    auto request = testing::make_request(
        target, testing::make_order("ABC12"),
        testing::make_object(target.mappings()[0], std::nullopt, "a@example.org", {}));
    target.sync_object(std::move(request),
                       make_object_completion([p = promise, n = completions](object_result r) {
                         if (++*n == 1) p->set_value(std::move(r));
                       }));
  }
  object_result get() { return wait_for_value(future); }
};

TEST(blocking_provider, returns_the_outcome_from_a_pool_thread) {
  std::thread::id ran_on;
  test_provider p([&](const object_request& request) {
    ran_on = std::this_thread::get_id();
    object_outcome outcome;
    outcome.sync_info = {{"seen", request.id_value()}};
    return outcome;
  });
  call c(p);
  object_result r = c.get();
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.outcome);
  EXPECT_EQ(r.outcome->sync_info["seen"], "a@example.org");
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(*c.completions, 1);
}

TEST(blocking_provider, nullopt_skips_the_object) {
  test_provider p([](const object_request&) { return std::nullopt; });
  object_result r = call(p).get();
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.outcome.has_value());
}

TEST(blocking_provider, converts_every_exception) {
  const std::vector<std::pair<std::function<void()>, sync_error_kind>> table = {
      {[] { throw recoverable_sync_error({"down"}, "", std::nullopt, "http-503"); },
       sync_error_kind::recoverable},
      {[] { throw rate_limited_sync_error(std::nullopt); }, sync_error_kind::rate_limited},
      {[] { throw unrecoverable_sync_error({"gone"}); }, sync_error_kind::unrecoverable},
      {[] { throw sync_config_error("bad field"); }, sync_error_kind::config},
      {[] { throw std::runtime_error("bug"); }, sync_error_kind::internal},
      {[] { throw "a string"; }, sync_error_kind::internal},
  };
  for (const auto& [thrower, kind] : table) {
    test_provider p([&](const object_request&) -> std::optional<object_outcome> {
      thrower();
      return std::nullopt;
    });
    call c(p);
    object_result r = c.get();
    ASSERT_TRUE(r.error) << to_string(kind);
    EXPECT_EQ(r.error->kind, kind);
    p.close();
    EXPECT_EQ(*c.completions, 1) << to_string(kind);
  }
}

TEST(blocking_provider, a_full_pool_answers_at_once_with_back_pressure) {
  gate release;
  test_provider p([](const object_request&) { return object_outcome{}; }, {1, 1});
  p.hold = &release;
  call running(p);
  ASSERT_TRUE(testing::wait_until([&] { return p.started == 1; }));
  call waiting(p);
  call rejected(p);  // completes before sync_object returns
  ASSERT_EQ(rejected.future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  object_result r = rejected.get();
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->kind, sync_error_kind::rate_limited);
  EXPECT_EQ(r.error->signature, "pool-saturated");
  release.open();
  EXPECT_TRUE(running.get().ok());
  EXPECT_TRUE(waiting.get().ok());
}

TEST(blocking_provider, close_completes_waiting_requests_and_lets_running_ones_finish) {
  gate release;
  test_provider p([](const object_request&) { return object_outcome{}; }, {1, 4});
  p.hold = &release;
  call running(p);
  ASSERT_TRUE(testing::wait_until([&] { return p.started == 1; }));
  call waiting1(p);
  call waiting2(p);
  std::thread closer([&] { p.close(); });
  object_result r1 = waiting1.get();
  ASSERT_TRUE(r1.error);
  EXPECT_EQ(r1.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(r1.error->signature, "shutdown");
  EXPECT_TRUE(waiting2.get().error.has_value());
  release.open();
  closer.join();
  EXPECT_TRUE(running.get().ok());
  call after(p);
  EXPECT_EQ(after.get().error->signature, "shutdown");
  for (auto* c : {&running, &waiting1, &waiting2, &after}) EXPECT_EQ(*c->completions, 1);
}

TEST(blocking_provider, finalize_runs_on_the_pool_and_reports_errors) {
  test_provider p([](const object_request&) { return object_outcome{}; });
  auto finalize = [&] {
    auto promise = std::make_shared<std::promise<finalize_result>>();
    auto future = promise->get_future();
    p.finalize_sync_order({testing::make_order("ABC12"), nullptr, {}},
                          make_finalize_completion(
                              [promise](finalize_result r) { promise->set_value(std::move(r)); }));
    return wait_for_value(future);
  };
  EXPECT_TRUE(finalize().ok());
  p.on_finalize = [] { throw recoverable_sync_error({"bulk write failed"}); };
  finalize_result failed = finalize();
  ASSERT_TRUE(failed.error);
  EXPECT_EQ(failed.error->kind, sync_error_kind::recoverable);
}

}  // namespace
}  // namespace tixsync::providers
