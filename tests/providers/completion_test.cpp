// Tests for the completion handles: the first result wins, later calls are ignored, racing calls
// deliver once, and a handle dropped without a call reports an internal error.
#include "providers/completion.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "providers/provider.hpp"

namespace tixsync::providers {
namespace {

TEST(completion, delivers_the_first_result_only) {
  std::vector<int> seen;
  completion<int> done([&](int v) { seen.push_back(v); }, [] { return -1; });
  completion<int> copy = done;
  EXPECT_FALSE(done.delivered());
  EXPECT_TRUE(copy(1));
  EXPECT_FALSE(done(2));
  EXPECT_TRUE(done.delivered());
  done = completion<int>([](int) {},
                         [] { return 0; });  // dropping the old copies reports nothing more
  copy = done;
  EXPECT_EQ(seen, std::vector<int>{1});
}

TEST(completion, a_dropped_handle_reports_its_fallback) {
  std::vector<int> seen;
  {
    completion<int> done([&](int v) { seen.push_back(v); }, [] { return -1; });
    completion<int> copy = done;
  }
  EXPECT_EQ(seen, std::vector<int>{-1});
}

TEST(completion, racing_calls_deliver_exactly_once) {
  for (int round = 0; round < 50; ++round) {
    std::atomic<int> calls{0};
    {
      completion<int> done([&](int) { ++calls; }, [] { return -1; });
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) threads.emplace_back([done, t] { done(t); });
      for (auto& thread : threads) thread.join();
    }
    EXPECT_EQ(calls, 1) << "round " << round;
  }
}

TEST(completion, provider_handles_report_a_dropped_call_as_internal) {
  std::optional<object_result> object;
  std::optional<finalize_result> finalize;
  make_object_completion([&](object_result r) { object = std::move(r); });
  make_finalize_completion([&](finalize_result r) { finalize = std::move(r); });
  ASSERT_TRUE(object && object->error);
  EXPECT_EQ(object->error->kind, sync_error_kind::internal);
  EXPECT_EQ(object->error->signature, "completion-dropped");
  ASSERT_TRUE(finalize && finalize->error);
  EXPECT_EQ(finalize->error->signature, "completion-dropped");
}

}  // namespace
}  // namespace tixsync::providers
