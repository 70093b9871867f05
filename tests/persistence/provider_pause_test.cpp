// A provider's pause in the claim script: paused items are not claimed on any connection, keep
// their attempts, still take enqueues, and are claimed again after the resume; other providers
// keep being claimed; bad reasons change nothing.
#include "persistence/provider_pause.hpp"

#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class provider_pause_test : public redis_fixture {
 protected:
  provider_pause_store& pauses() {
    if (!pauses_) pauses_ = std::make_unique<provider_pause_store>(connection(), key_space());
    return *pauses_;
  }

 private:
  std::unique_ptr<provider_pause_store> pauses_;
};

TEST_F(provider_pause_test, paused_items_wait_without_attempts_and_are_claimed_after_resume) {
  add(ref("A1"), t0);
  ASSERT_TRUE(pauses().pause("crm", "CRM maintenance", "cli", t0).ok());
  EXPECT_TRUE(take(10, t0 + 1).empty());
  // A second connection (another node) is refused the same way: the flag lives in Redis.
  redis_connection other(options());
  queue_store other_queue(other);
  auto claimed = other_queue.claim("crm", "n2", 10, lease_ms, t0 + 2);
  ASSERT_TRUE(claimed.ok()) << claimed.error().to_string();
  EXPECT_TRUE(claimed->empty());
  auto both = other_queue.complete_and_claim({}, "crm", "n2", 10, lease_ms, t0 + 3);
  ASSERT_TRUE(both.ok()) << both.error().to_string();
  EXPECT_TRUE(both->second.empty());
  add(ref("A2"), t0 + 4);  // enqueues still go in

  auto state = pauses().get("crm");
  ASSERT_TRUE(state.ok());
  EXPECT_TRUE(state->paused);
  EXPECT_EQ(state->reason, "CRM maintenance");
  EXPECT_EQ(state->who, "cli");
  EXPECT_EQ(state->since_ms, t0);
  auto items = queue().get(ref("A1"), t0 + 5);
  ASSERT_TRUE(items.ok() && items->waiting);
  EXPECT_EQ(items->waiting->attempts, 0);
  EXPECT_EQ(items->waiting->state, item_state::due);

  auto resumed = pauses().resume("crm");
  ASSERT_TRUE(resumed.ok());
  EXPECT_TRUE(*resumed);
  auto after = take(10, t0 + 6);
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].item.attempts, 0);
  EXPECT_FALSE(pauses().get("crm")->paused);
  EXPECT_FALSE(*pauses().resume("crm"));  // not paused any more
}

TEST_F(provider_pause_test, other_providers_keep_being_claimed) {
  add(ref("A1", "org/ev1", "crm"), t0);
  add(ref("A1", "org/ev1", "mail"), t0);
  ASSERT_TRUE(pauses().pause("crm", "", "api", t0).ok());
  EXPECT_TRUE(take(10, t0 + 1, "n1", "crm").empty());
  EXPECT_EQ(take(10, t0 + 1, "n1", "mail").size(), 1u);
  auto states = pauses().get_many({"crm", "mail"});
  ASSERT_TRUE(states.ok());
  EXPECT_TRUE((*states)[0].paused);
  EXPECT_FALSE((*states)[1].paused);
}

TEST_F(provider_pause_test, scheduled_items_stay_scheduled_and_expired_leases_are_swept) {
  add(ref("A1"), t0);
  add(ref("B1"), t0, "order_placed", t0 + 1000);
  ASSERT_EQ(take(1, t0).size(), 1u);  // A1 in flight when the pause starts
  ASSERT_TRUE(pauses().pause("crm", "", "cli", t0).ok());
  // The lease of A1 runs out while paused: it waits again (not parked), nothing is handed out.
  EXPECT_TRUE(take(10, t0 + lease_ms + 1).empty());
  auto a1 = queue().get(ref("A1"), t0 + lease_ms + 1);
  ASSERT_TRUE(a1.ok() && a1->waiting);
  EXPECT_FALSE(a1->in_flight);
  EXPECT_EQ(a1->waiting->attempts, 0);
  ASSERT_TRUE(pauses().resume("crm").ok());
  EXPECT_EQ(take(10, t0 + lease_ms + 2).size(), 2u);
}

TEST_F(provider_pause_test, bad_input_changes_nothing) {
  EXPECT_EQ(pauses().pause("crm", std::string(201, 'x'), "cli", t0).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(pauses().pause("crm", "line\nbreak", "cli", t0).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(pauses().pause("c rm", "", "cli", t0).code(), persistence_errc::invalid_identifier);
  EXPECT_FALSE(pauses().get("crm")->paused);
  EXPECT_EQ(raw({"DBSIZE"}).integer, 0);
}

TEST_F(provider_pause_test, has_queue_says_whether_redis_knows_the_provider) {
  EXPECT_FALSE(*pauses().has_queue("crm"));
  add(ref("A1"), t0);
  EXPECT_TRUE(*pauses().has_queue("crm"));
  EXPECT_FALSE(*pauses().has_queue("mail"));
}

}  // namespace
}  // namespace tixsync::persistence::testing
