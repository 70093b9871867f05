// Claiming: what is due, leases and fencing tokens, stale tokens refused (zombie nodes), and
// 4 concurrent clients never getting the same item.
#include <set>
#include <thread>

#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class claim_test : public redis_fixture {};

TEST_F(claim_test, claims_due_items_with_lease_and_increasing_tokens) {
  for (int i = 0; i < 5; ++i) add(ref("A" + std::to_string(i)), t0 + i);
  auto c = take(3, t0 + 10, "node-1");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].item.ref.order, "A0");  // oldest first
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(c[i].item.state, item_state::in_flight);
    EXPECT_EQ(c[i].item.node, "node-1");
    EXPECT_EQ(c[i].item.lease_until_ms, t0 + 10 + lease_ms);
    EXPECT_EQ(c[i].item.since_ms, t0 + 10);
    if (i > 0) {
      EXPECT_GT(c[i].item.token, c[i - 1].item.token);
    }
  }
  EXPECT_EQ(take(10, t0 + 10).size(), 2u);
  EXPECT_TRUE(take(10, t0 + 10).empty());
}

TEST_F(claim_test, parked_items_are_not_due) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  ASSERT_TRUE(queue().park({c[0].lease_info(), park_state::permanent, {"no"}, "", ""}, t0).ok());
  EXPECT_TRUE(take(10, t0 + 100'000).empty());
}

TEST_F(claim_test, stale_token_is_refused_everywhere) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  ASSERT_EQ(c.size(), 1u);
  lease stale = c[0].lease_info();
  stale.token += 1000;
  auto renewed = queue().renew({stale}, lease_ms, t0 + 1);
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ((*renewed)[0].code(), persistence_errc::stale_lease);
  EXPECT_EQ(queue().complete({stale, {}, nullptr}, t0 + 1).code(), persistence_errc::stale_lease);
  EXPECT_EQ(queue().reschedule(stale, t0 + 5, {"x"}, t0 + 1).code(), persistence_errc::stale_lease);
  EXPECT_EQ(queue().park({stale, park_state::internal, {"x"}, "", ""}, t0 + 1).code(),
            persistence_errc::stale_lease);
  result_store results(connection());
  EXPECT_EQ(results.put(stale, {sync_result{}}, t0 + 1).code(), persistence_errc::stale_lease);
  auto items = queue().get(ref("A1"), t0 + 1);
  ASSERT_TRUE(items.ok() && items->in_flight);
  EXPECT_EQ(items->in_flight->token, c[0].item.token);  // untouched
}

TEST_F(claim_test, zombie_node_cannot_overwrite_newer_state) {
  add(ref("A1"), t0);
  auto zombie = take(1, t0, "zombie");
  ASSERT_EQ(zombie.size(), 1u);
  // The zombie's lease runs out; another node claims the item and completes it.
  auto fresh = take(1, t0 + lease_ms + 1, "n2");
  ASSERT_EQ(fresh.size(), 1u);
  EXPECT_GT(fresh[0].item.token, zombie[0].item.token);
  sync_result newer;
  newer.mapping_id = 1;
  newer.id_value = "newer";
  ASSERT_TRUE(queue().complete({fresh[0].lease_info(), {newer}, nullptr}, t0 + lease_ms + 2).ok());
  // The zombie comes back: every transition is refused and nothing changes.
  sync_result older = newer;
  older.id_value = "older";
  EXPECT_EQ(queue().complete({zombie[0].lease_info(), {older}, nullptr}, t0 + lease_ms + 3).code(),
            persistence_errc::stale_lease);
  EXPECT_EQ(queue().park({zombie[0].lease_info(), park_state::internal, {"x"}, "", ""}, t0).code(),
            persistence_errc::stale_lease);
  result_store results(connection());
  EXPECT_EQ(results.put(zombie[0].lease_info(), {older}, t0).code(), persistence_errc::stale_lease);
  auto stored = results.get(ref("A1"));
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].id_value, "newer");
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 0);
}

TEST_F(claim_test, four_concurrent_clients_never_share_an_item) {
  std::vector<enqueue_request> batch;
  for (int i = 0; i < 2000; ++i) {
    batch.push_back({ref("C" + std::to_string(i), "ev" + std::to_string(i % 7)), "order_placed",
                     std::nullopt, std::nullopt});
  }
  ASSERT_TRUE(queue().enqueue_many(batch, t0).ok());
  std::vector<std::vector<std::string>> seen(4);
  std::vector<std::string> failures(4);
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      redis_connection conn(options());
      queue_store q(conn);
      for (int round = 0; round < 1000; ++round) {  // bounded
        auto c = q.claim("crm", "node" + std::to_string(w), 7, lease_ms, t0 + 1);
        if (!c) return void(failures[w] = c.error().to_string());
        if (c->empty()) return;
        for (const auto& item : *c) seen[w].push_back(item.item.ref.id());
      }
    });
  }
  for (auto& t : workers) t.join();
  std::set<std::string> all;
  std::size_t total = 0;
  for (int w = 0; w < 4; ++w) {
    EXPECT_EQ(failures[w], "");
    EXPECT_GT(seen[w].size(), 0u) << "worker " << w << " got nothing";
    total += seen[w].size();
    all.insert(seen[w].begin(), seen[w].end());
  }
  EXPECT_EQ(total, 2000u);
  EXPECT_EQ(all.size(), 2000u);  // no item handed out twice
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:running"}).integer, 2000);
}

TEST_F(claim_test, bad_arguments_are_refused) {
  EXPECT_EQ(queue().claim("crm", "bad node", 1, lease_ms, t0).code(),
            persistence_errc::invalid_identifier);
  EXPECT_EQ(queue().claim("crm", "n1", 0, lease_ms, t0).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(queue().claim("crm", "n1", 1, 0, t0).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(queue().claim("{crm}", "n1", 1, lease_ms, t0).code(),
            persistence_errc::invalid_identifier);
}

}  // namespace
}  // namespace tixsync::persistence::testing
