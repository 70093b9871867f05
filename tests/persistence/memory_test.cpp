// Memory of pending items (not counting order snapshots): at most 1 KB each, measured over 10,000
// items with INFO memory (used_memory delta), which includes the indexes and the audit logs.
#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class memory_test : public redis_fixture {
 protected:
  std::int64_t used_memory() {
    auto info = raw({"INFO", "memory"}).str;
    auto at = info.find("used_memory:");
    return std::stoll(info.substr(at + 12));
  }
};

TEST_F(memory_test, a_pending_item_costs_at_most_1_kb) {
  const int n = 10'000;
  const auto before = used_memory();
  std::vector<enqueue_request> batch;
  for (int i = 0; i < n; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "K%05dX", i);
    batch.push_back({ref(code, "nordlicht/ndd25"), "order_placed", std::nullopt, std::nullopt});
  }
  ASSERT_TRUE(queue().enqueue_many(batch, t0).ok());
  const double per_item = static_cast<double>(used_memory() - before) / n;
  RecordProperty("bytes_per_pending_item", static_cast<int>(per_item));
  std::printf("memory per pending item: %.0f bytes\n", per_item);
  EXPECT_LE(per_item, 1024.0);
  // The item itself (its hash field) is small: MEMORY USAGE of the items hash / n.
  auto usage = [&](const std::string& key) {
    return raw({"MEMORY", "USAGE", key, "SAMPLES", "0"}).integer;
  };
  const auto items = usage("tixsync:{crm}:items") / n;
  const auto ready = usage("tixsync:{crm}:ready") / n;
  const auto by_event = usage("tixsync:{crm}:by_event") / n;
  const auto log = usage("tixsync:{crm}:log:nordlicht/ndd25:K00042X");
  std::printf("per item: items hash %lld, ready %lld, by_event %lld, audit log key %lld bytes\n",
              static_cast<long long>(items), static_cast<long long>(ready),
              static_cast<long long>(by_event), static_cast<long long>(log));
  EXPECT_LE(items, 400);
}

}  // namespace
}  // namespace tixsync::persistence::testing
