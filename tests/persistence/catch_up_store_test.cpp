// The catch-up state of an event: one holder at a time, one poll per interval, a lapsed lease
// taken over by another node, and the fencing of renew and finish (a holder whose lease lapsed
// stores nothing); bad event names are refused.
#include "persistence/catch_up_store.hpp"

#include "tests/persistence/redis_fixture.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::persistence::testing {
namespace {

using std::chrono::milliseconds;
using take_result = std::variant<catch_up_lease, catch_up_refusal>;

const std::string event = "nordlicht/ndd25";
constexpr milliseconds interval{60000};
constexpr milliseconds lease{30000};

class catch_up_store_test : public redis_fixture {
 protected:
  void SetUp() override {
    redis_fixture::SetUp();
    store_ = std::make_unique<catch_up_store>(connection(), key_space());
  }
  take_result take(const std::string& owner, std::int64_t now, milliseconds lease_for = lease) {
    auto r = store_->take(event, owner, interval, lease_for, now);
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r.ok() ? *r : take_result{catch_up_refusal{}};
  }
  std::unique_ptr<catch_up_store> store_;
};

TEST_F(catch_up_store_test, one_holder_at_a_time_and_one_poll_per_interval) {
  auto first = take("node-a", t0);
  ASSERT_TRUE(std::holds_alternative<catch_up_lease>(first));
  const auto held = std::get<catch_up_lease>(first);
  EXPECT_EQ(held.cursor, "");
  EXPECT_EQ(held.now_ms, t0);

  auto other = take("node-b", t0 + 10);
  ASSERT_TRUE(std::holds_alternative<catch_up_refusal>(other));
  EXPECT_TRUE(std::get<catch_up_refusal>(other).leased);
  EXPECT_EQ(std::get<catch_up_refusal>(other).holder, held.token);

  ASSERT_TRUE(store_->finish(event, held, "ok", "", "2025-09-20T10:00:00Z").value());
  auto early = take("node-b", t0 + 20);
  ASSERT_TRUE(std::holds_alternative<catch_up_refusal>(early));
  EXPECT_FALSE(std::get<catch_up_refusal>(early).leased);
  EXPECT_EQ(std::get<catch_up_refusal>(early).wait, interval - milliseconds(20));

  auto due = take("node-b", t0 + interval.count());
  ASSERT_TRUE(std::holds_alternative<catch_up_lease>(due));
  EXPECT_EQ(std::get<catch_up_lease>(due).cursor, "2025-09-20T10:00:00Z");
  EXPECT_NE(std::get<catch_up_lease>(due).token, held.token);

  const auto state = store_->read(event).value();
  EXPECT_EQ(state.cursor, "2025-09-20T10:00:00Z");
  EXPECT_EQ(state.holder, std::get<catch_up_lease>(due).token);
  EXPECT_GT(state.lease_left_ms, 0);
  EXPECT_EQ(state.next_poll_ms, t0 + 2 * interval.count());
  EXPECT_EQ(state.last_outcome, "ok");
}

TEST_F(catch_up_store_test, a_lapsed_lease_is_taken_over_and_its_holder_stores_nothing) {
  auto first = take("node-a", t0, milliseconds(100));
  ASSERT_TRUE(std::holds_alternative<catch_up_lease>(first));
  const auto stale = std::get<catch_up_lease>(first);

  // node-a stalls; its lease lapses and node-b polls once the interval has passed.
  take_result second = catch_up_refusal{};
  ASSERT_TRUE(tixsync::testing::eventually([&] {
    second = take("node-b", t0 + interval.count());
    return std::holds_alternative<catch_up_lease>(second);
  }));
  const auto fresh = std::get<catch_up_lease>(second);

  EXPECT_FALSE(store_->renew(event, stale, lease).value());
  EXPECT_FALSE(store_->finish(event, stale, "ok", "", "2099-01-01T00:00:00Z").value());
  EXPECT_EQ(store_->read(event).value().cursor, "");
  EXPECT_EQ(store_->read(event).value().holder, fresh.token);

  EXPECT_TRUE(store_->renew(event, fresh, lease).value());
  ASSERT_TRUE(store_->finish(event, fresh, "failed", "pretix answered HTTP 500", "").value());
  const auto state = store_->read(event).value();
  EXPECT_EQ(state.cursor, "");  // a failed poll keeps the old cursor (none)
  EXPECT_EQ(state.last_outcome, "failed");
  EXPECT_EQ(state.last_error, "pretix answered HTTP 500");
  EXPECT_EQ(state.holder, "");
}

TEST_F(catch_up_store_test, bad_events_and_arguments_are_refused_and_change_nothing) {
  auto bad = store_->take("nordlicht/nd d25", "node-a", interval, lease);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), persistence_errc::invalid_identifier);
  EXPECT_NE(bad.error().message().find("nd d25"), std::string::npos);
  auto no_owner = store_->take(event, "", interval, lease);
  ASSERT_FALSE(no_owner.ok());
  EXPECT_EQ(no_owner.code(), persistence_errc::invalid_argument);
  EXPECT_EQ(raw({"DBSIZE"}).integer, 0);
}

}  // namespace
}  // namespace tixsync::persistence::testing
