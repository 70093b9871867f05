// The transitions after a sync: complete (results, delete, log), reschedule, park, pretix quirk
// 11, and a person's retry (fresh attempts: tixsync's deliberate difference) and cancel.
#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class transitions_test : public redis_fixture {
 protected:
  claimed_item claim_one(const item_ref& r, std::int64_t now) {
    auto c = take(1, now);
    EXPECT_EQ(c.size(), 1u);
    EXPECT_EQ(c.empty() ? item_ref{} : c[0].item.ref, r);
    return c.empty() ? claimed_item{} : c[0];
  }
  std::vector<std::string> log_whats(const item_ref& r) {
    audit_log log(connection());
    std::vector<std::string> out;
    for (const auto& e : log.read(r).value()) out.push_back(e.what);
    return out;
  }
};

TEST_F(transitions_test, an_order_the_provider_does_not_sync_is_logged_as_skipped) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  completion skipped{c.lease_info(), {}, nullptr};
  skipped.skipped = true;
  ASSERT_TRUE(queue().complete(skipped, t0 + 5).ok());
  auto items = queue().get(ref("A1"), t0 + 5);
  ASSERT_TRUE(items.ok());
  EXPECT_FALSE(items->waiting || items->in_flight);
  EXPECT_EQ(log_whats(ref("A1")), (std::vector<std::string>{"skipped", "started", "enqueued"}));
  audit_log log(connection());
  EXPECT_FALSE(log.read(ref("A1"), 1).value()[0].data.contains("objects"));
}

TEST_F(transitions_test, complete_stores_results_deletes_the_item_and_logs) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  sync_result order_level =
      make_result(1, std::nullopt, "Contact", "email", "a@example.org", "https://crm.example/c/1",
                  "Anna", {{"action", "created"}}, t0 + 5, "fp1");
  sync_result position = make_result(2, 77, "Deal", "ticket", "T-77", "", "", {}, t0 + 5, "");
  nlohmann::json objects = {{"1", {{{"id_value", "a@example.org"}}}}};
  ASSERT_TRUE(queue().complete({c.lease_info(), {order_level, position}, objects}, t0 + 5).ok());
  auto items = queue().get(ref("A1"), t0 + 5);
  ASSERT_TRUE(items.ok());
  EXPECT_FALSE(items->waiting || items->in_flight);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:by_event"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:leases"}).integer, 0);
  result_store results(connection());
  auto stored = results.get(ref("A1"));
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 2u);
  EXPECT_EQ((*stored)[0], order_level);
  EXPECT_EQ((*stored)[1], position);
  EXPECT_EQ(log_whats(ref("A1")), (std::vector<std::string>{"synced", "started", "enqueued"}));
  audit_log log(connection());
  auto synced = log.read(ref("A1"), 1).value()[0];
  EXPECT_EQ(synced.data["objects"], objects);
  EXPECT_EQ(synced.data["node"], "n1");
  // A second complete with the same token is stale: the item is gone.
  EXPECT_EQ(queue().complete({c.lease_info(), {}, nullptr}, t0 + 6).code(),
            persistence_errc::stale_lease);
}

// The node's path: results and log objects rendered beforehand (stored_json.hpp). The same id
// twice in one call completes once; a bad rendering is refused before anything is sent.
TEST_F(transitions_test, encoded_completions_store_and_log_the_same_as_plain_ones) {
  for (const char* code : {"A1", "A2"}) add(ref(code), t0);
  auto c = take(2, t0);
  ASSERT_EQ(c.size(), 2u);
  sync_result order_level =
      make_result(1, std::nullopt, "Contact", "email", "a@example.org", "https://crm.example/c/1",
                  "Anna \"A\"", {{"action", "created"}}, t0 + 5, "fp1");
  sync_result position = make_result(2, 77, "Deal", "ticket", "T-77", "", "", {}, t0 + 5, "");
  mapping::mapped_objects mapped{{1, {order_level}}, {2, {position}}};
  encoded_completion first{
      c[0].lease_info(), {store_form(order_level), store_form(position)}, log_objects_json(mapped)};
  encoded_completion twice = first;
  encoded_completion second{c[1].lease_info(), {}, ""};
  ASSERT_TRUE(script_runner(connection()).load_all().ok());  // no NOSCRIPT reload counted below
  const auto sent = connection().commands_sent();
  auto res = queue().complete_many_encoded({first, twice, second}, t0 + 5);
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(connection().commands_sent() - sent, 1u);
  EXPECT_TRUE((*res)[0].ok());
  EXPECT_EQ((*res)[1].code(), persistence_errc::stale_lease);  // already completed
  EXPECT_TRUE((*res)[2].ok());
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:running"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:leases"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:by_event"}).integer, 0);
  result_store results(connection());
  EXPECT_EQ(results.get(ref("A1")).value(), (std::vector<sync_result>{order_level, position}));
  EXPECT_TRUE(results.get(ref("A2")).value().empty());
  audit_log log(connection());
  EXPECT_EQ(log.read(ref("A1"), 1).value()[0].data["objects"], mapping::to_log_objects(mapped));
  EXPECT_FALSE(log.read(ref("A2"), 1).value()[0].data.contains("objects"));
  EXPECT_EQ(log_whats(ref("A1")), (std::vector<std::string>{"synced", "started", "enqueued"}));
  // Refused before sending: log objects that are not an object or array, a result without field.
  encoded_completion bad_log{c[0].lease_info(), {}, "\"text\""};
  encoded_completion bad_result{c[0].lease_info(), {{"", "{}"}}, ""};
  EXPECT_EQ(queue().complete_many_encoded({bad_log}, t0 + 6).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(queue().complete_many_encoded({bad_result}, t0 + 6).code(),
            persistence_errc::invalid_argument);
}

TEST_F(transitions_test, complete_many_is_one_call_with_per_item_results) {
  for (int i = 0; i < 5; ++i) add(ref("A" + std::to_string(i), "ev", i < 3 ? "crm" : "mail"), t0);
  auto a = take(10, t0, "n1", "crm");
  auto b = take(10, t0, "n1", "mail");
  std::vector<completion> done;
  for (auto& c : a) done.push_back({c.lease_info(), {}, nullptr});
  for (auto& c : b) done.push_back({c.lease_info(), {}, nullptr});
  done[1].held.token = 999'999;  // one stale lease
  auto res = queue().complete_many(done, t0 + 1);
  ASSERT_TRUE(res.ok());
  ASSERT_EQ(res->size(), 5u);
  EXPECT_EQ((*res)[1].code(), persistence_errc::stale_lease);
  for (std::size_t i : {0u, 2u, 3u, 4u}) EXPECT_TRUE((*res)[i].ok()) << i;
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:running"}).integer, 1);
  EXPECT_EQ(raw({"HLEN", "tixsync:{mail}:running"}).integer, 0);
}

TEST_F(transitions_test, reschedule_counts_the_attempt_and_waits) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  auto r = queue().reschedule(c.lease_info(), t0 + 3'600'000, {"HTTP 503 from crm"}, t0 + 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, failure_outcome::stored);
  auto items = queue().get(ref("A1"), t0 + 2);
  ASSERT_TRUE(items.ok() && items->waiting && !items->in_flight);
  EXPECT_EQ(items->waiting->state, item_state::scheduled);
  EXPECT_EQ(items->waiting->attempts, 1);
  EXPECT_EQ(items->waiting->not_before_ms, t0 + 3'600'000);
  EXPECT_EQ(items->waiting->errors, std::vector<std::string>{"HTTP 503 from crm"});
  EXPECT_TRUE(take(1, t0 + 3'599'999).empty());
  auto again = take(1, t0 + 3'600'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].item.attempts, 1);
  EXPECT_EQ(log_whats(ref("A1"))[0], "retry_scheduled");
}

TEST_F(transitions_test, rate_limit_deferral_keeps_attempts_and_counts_deferrals) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  reschedule_counts deferral;
  deferral.counts_as_attempt = false;
  deferral.deferrals = 1;
  ASSERT_TRUE(queue().reschedule(c.lease_info(), t0 + 10, {"HTTP 429"}, t0 + 1, deferral).ok());
  auto item = queue().get(ref("A1"), t0 + 2).value().waiting;
  ASSERT_TRUE(item);
  EXPECT_EQ(item->attempts, 0);
  EXPECT_EQ(item->deferrals, 1);
  EXPECT_EQ(item->state, item_state::scheduled);
  audit_log log(connection());
  auto entry = log.read(ref("A1"), 1).value()[0];
  EXPECT_EQ(entry.what, "retry_scheduled");
  EXPECT_EQ(entry.data["deferrals"], 1);
  EXPECT_EQ(entry.data["deferred"], true);
  // The claimed item carries the counter; a re-enqueue keeps it (like attempts).
  c = claim_one(ref("A1"), t0 + 10);
  EXPECT_EQ(c.item.deferrals, 1);
  deferral.deferrals = 2;
  ASSERT_TRUE(queue().reschedule(c.lease_info(), t0 + 20, {"HTTP 429"}, t0 + 11, deferral).ok());
  add(ref("A1"), t0 + 12, "order_paid");
  item = queue().get(ref("A1"), t0 + 12).value().waiting;
  EXPECT_EQ(item->attempts, 0);
  EXPECT_EQ(item->deferrals, 2);
  // A counted failure (cap reached) keeps the deferral count unless told otherwise.
  c = claim_one(ref("A1"), t0 + 13);
  ASSERT_TRUE(queue().reschedule(c.lease_info(), t0 + 30, {"HTTP 429"}, t0 + 14).ok());
  item = queue().get(ref("A1"), t0 + 14).value().waiting;
  EXPECT_EQ(item->attempts, 1);
  EXPECT_EQ(item->deferrals, 2);
  // A person's retry resets it, and a zero count is not stored at all.
  ASSERT_TRUE(queue().retry(ref("A1"), t0 + 15).ok());
  EXPECT_EQ(queue().get(ref("A1"), t0 + 15).value().waiting->deferrals, 0);
  EXPECT_EQ(raw({"HGET", "tixsync:{crm}:items", ref("A1").id()}).str.find("deferrals"),
            std::string::npos);
  EXPECT_EQ(queue().reschedule(c.lease_info(), t0, {}, t0 + 16, {false, -1}).code(),
            persistence_errc::invalid_argument);
}

TEST_F(transitions_test, park_in_every_state_with_messages) {
  const park_state states[] = {park_state::exceeded, park_state::permanent, park_state::config,
                               park_state::internal, park_state::timeout};
  for (int i = 0; i < 5; ++i) {
    add(ref("P" + std::to_string(i)), t0 + i);
    auto c = take(1, t0 + 10);
    ASSERT_EQ(c.size(), 1u);
    park_request p{c[0].lease_info(), states[i], {"boom " + std::to_string(i)}, "trace", "cause"};
    ASSERT_TRUE(queue().park(p, t0 + 20).ok());
    auto items = queue().get(c[0].item.ref, t0 + 20).value();
    ASSERT_TRUE(items.waiting);
    EXPECT_EQ(items.waiting->state, as_item_state(states[i]));
    EXPECT_EQ(items.waiting->full_message, "trace");
    EXPECT_EQ(items.waiting->cause, "cause");
    EXPECT_EQ(items.waiting->parked_at_ms, t0 + 20);
    EXPECT_EQ(items.waiting->attempts, states[i] == park_state::exceeded ? 1 : 0);
  }
  auto counts = queue().count("crm", t0 + 30).value();
  for (auto s : states) EXPECT_EQ(counts.by_state[as_item_state(s)], 1);
  EXPECT_EQ(counts.total(), 5);
}

TEST_F(transitions_test, park_with_broken_utf8_and_long_messages_stays_readable) {
  queue_options o;
  o.max_full_message = 10;
  queue_store q(connection(), o);
  add(ref("A1"), t0);
  auto c = q.claim("crm", "n1", 1, lease_ms, t0).value();
  ASSERT_EQ(c.size(), 1u);
  park_request p{
      c[0].lease_info(), park_state::internal, {"bad \xff byte"}, "123456789\xc3\xbc", ""};
  ASSERT_TRUE(q.park(p, t0).ok());
  auto item = q.get(ref("A1"), t0).value().waiting;
  ASSERT_TRUE(item);
  EXPECT_EQ(item->full_message, "123456789?");  // cut to 10 bytes, the split character repaired
  EXPECT_EQ(item->errors.size(), 1u);
  EXPECT_EQ(q.enqueue({ref("A2"), "bad \xff", {}, {}}, t0).code(),
            persistence_errc::invalid_argument);
}

TEST_F(transitions_test, complete_and_claim_is_one_round_trip) {
  for (int i = 0; i < 5; ++i) add(ref("W" + std::to_string(i)), t0 + i);
  auto first = take(2, t0 + 10);
  ASSERT_EQ(first.size(), 2u);
  std::vector<completion> done;
  for (auto& c : first) done.push_back({c.lease_info(), {}, nullptr});
  ASSERT_TRUE(script_runner(connection()).load_all().ok());  // no NOSCRIPT round trip below
  const auto sent = connection().commands_sent();
  auto step = queue().complete_and_claim(done, "crm", "n1", 2, lease_ms, t0 + 11);
  ASSERT_TRUE(step.ok()) << step.error().to_string();
  EXPECT_EQ(connection().commands_sent() - sent, 2u);  // complete + claim, pipelined
  ASSERT_EQ(step->first.size(), 2u);
  EXPECT_TRUE(step->first[0].ok() && step->first[1].ok());
  ASSERT_EQ(step->second.size(), 2u);
  EXPECT_EQ(step->second[0].item.ref.order, "W2");
  auto last = queue().complete_and_claim({}, "crm", "n1", 10, lease_ms, t0 + 12).value();
  EXPECT_EQ(last.second.size(), 1u);
  EXPECT_EQ(queue().complete_and_claim({}, "crm", "bad node", 1, lease_ms, t0).code(),
            persistence_errc::invalid_identifier);
}

TEST_F(transitions_test, quirk_11_failing_item_with_waiting_twin_is_deleted) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  add(ref("A1"), t0 + 1, "order_paid");  // the follow-up twin
  auto r = queue().reschedule(c.lease_info(), t0 + 100, {"HTTP 503"}, t0 + 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, failure_outcome::replaced_by_follow_up);
  auto items = queue().get(ref("A1"), t0 + 2).value();
  EXPECT_FALSE(items.in_flight);
  ASSERT_TRUE(items.waiting);
  EXPECT_EQ(items.waiting->attempts, 0);  // the twin carries on with its own counter
  EXPECT_EQ(items.waiting->state, item_state::due);
  auto next = claim_one(ref("A1"), t0 + 3);
  EXPECT_EQ(next.item.trigger, "order_paid");
  // Same for park.
  add(ref("A1"), t0 + 4, "order_changed");
  park_request p{next.lease_info(), park_state::permanent, {"no"}, "", ""};
  EXPECT_EQ(queue().park(p, t0 + 5).value(), failure_outcome::replaced_by_follow_up);
  EXPECT_EQ(queue().get(ref("A1"), t0 + 5).value().waiting->state, item_state::due);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:parked"}).integer, 0);
}

TEST_F(transitions_test, manual_retry_gives_fresh_attempts) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  ASSERT_TRUE(queue().reschedule(c.lease_info(), t0 + 1, {"e"}, t0).ok());
  c = claim_one(ref("A1"), t0 + 2);
  ASSERT_TRUE(queue().park({c.lease_info(), park_state::exceeded, {"e"}, "", ""}, t0 + 3).ok());
  ASSERT_EQ(queue().get(ref("A1"), t0 + 3).value().waiting->attempts, 2);
  ASSERT_TRUE(queue().retry(ref("A1"), t0 + 4, "alice").ok());
  auto item = queue().get(ref("A1"), t0 + 4).value().waiting;
  ASSERT_TRUE(item);
  EXPECT_EQ(item->state, item_state::due);
  EXPECT_EQ(item->attempts, 0);  // tixsync: fresh attempts (pretix would keep 2)
  EXPECT_EQ(item->not_before_ms, t0 + 4);
  EXPECT_TRUE(item->errors.empty());
  audit_log log(connection());
  auto last = log.read(ref("A1"), 1).value()[0];
  EXPECT_EQ(last.what, "retried");
  EXPECT_EQ(last.data["by"], "alice");
  EXPECT_EQ(last.data["was"], "exceeded");
  EXPECT_EQ(claim_one(ref("A1"), t0 + 5).item.attempts, 0);
}

TEST_F(transitions_test, retry_and_cancel_are_refused_while_in_flight) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  EXPECT_EQ(queue().retry(ref("A1"), t0 + 1).code(), persistence_errc::in_flight);
  EXPECT_EQ(queue().cancel(ref("A1"), t0 + 1).code(), persistence_errc::in_flight);
  EXPECT_EQ(queue().cancel(ref("NOPE"), t0 + 1).code(), persistence_errc::not_found);
  EXPECT_EQ(queue().retry(ref("NOPE"), t0 + 1).code(), persistence_errc::not_found);
  EXPECT_TRUE(queue().get(ref("A1"), t0 + 1).value().in_flight);
  // A follow-up of the running order can be canceled; the running sync is untouched.
  add(ref("A1"), t0 + 2);
  EXPECT_TRUE(queue().cancel(ref("A1"), t0 + 3, "bob").ok());
  auto items = queue().get(ref("A1"), t0 + 3).value();
  EXPECT_FALSE(items.waiting);
  EXPECT_TRUE(items.in_flight);
  EXPECT_TRUE(queue().complete({c.lease_info(), {}, nullptr}, t0 + 4).ok());
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 0);
}

TEST_F(transitions_test, cancel_deletes_a_parked_item) {
  add(ref("A1"), t0);
  auto c = claim_one(ref("A1"), t0);
  ASSERT_TRUE(queue().park({c.lease_info(), park_state::config, {"bad map"}, "", ""}, t0).ok());
  ASSERT_TRUE(queue().cancel(ref("A1"), t0 + 1, "carol").ok());
  EXPECT_FALSE(queue().get(ref("A1"), t0 + 1).value().waiting);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:parked"}).integer, 0);
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:causes"}).integer, 0);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:by_event"}).integer, 0);
  EXPECT_EQ(log_whats(ref("A1"))[0], "canceled");
}

TEST_F(transitions_test, parked_items_grouped_by_cause_retry_and_cancel_per_cause) {
  for (int i = 0; i < 6; ++i) add(ref("G" + std::to_string(i)), t0 + i);
  auto c = take(6, t0 + 10);
  ASSERT_EQ(c.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    std::string error =
        i < 4 ? "HTTP 422: email " + std::to_string(1000 + i) + " invalid" : "HTTP 500: internal";
    ASSERT_TRUE(queue().park({c[i].lease_info(), park_state::permanent, {error}, "", ""}, t0).ok());
  }
  auto groups = queue().causes("crm").value();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].state, park_state::permanent);
  EXPECT_EQ(groups[0].cause, "http 422: email # invalid");
  EXPECT_EQ(groups[0].count, 4);
  EXPECT_EQ(groups[1].cause, "http 500: internal");
  EXPECT_EQ(queue().retry_cause("crm", park_state::permanent, groups[0].cause, t0 + 20).value(),
            4u);
  EXPECT_EQ(take(10, t0 + 21).size(), 4u);
  EXPECT_EQ(queue().cancel_cause("crm", park_state::permanent, groups[1].cause, t0 + 22).value(),
            2u);
  EXPECT_TRUE(queue().causes("crm").value().empty());
  EXPECT_EQ(queue().retry_cause("crm", park_state::exceeded, "nothing", t0 + 23).value(), 0u);
}

}  // namespace
}  // namespace tixsync::persistence::testing
