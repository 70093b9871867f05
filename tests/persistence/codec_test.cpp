// Pure parts of the module (no Redis): status/status_or, error signatures for grouping parked
// items, decoding stored items and sync results.
#include <gtest/gtest.h>

#include "persistence/errors.hpp"
#include "persistence/queue_codec.hpp"
#include "persistence/sync_result.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence {
namespace {

TEST(codec, status_or_carries_a_value_or_a_readable_error) {
  status_or<int> good(7);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  status_or<int> bad(persistence_errc::stale_lease, "complete crm/ev:A1");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.code(), persistence_errc::stale_lease);
  EXPECT_EQ(bad.error().to_string(), "stale lease (fencing token mismatch): complete crm/ev:A1");
  EXPECT_THROW(bad.value(), std::system_error);
  EXPECT_EQ(std::string(bad.code().category().name()), "tixsync.persistence");
  EXPECT_EQ(status().to_string(), "ok");
}

TEST(codec, error_signature_normalises_numbers_and_quotes) {
  EXPECT_EQ(error_signature({"HTTP 422: email 'a@b.c' invalid for order 12345"}),
            "http 422: email \"...\" invalid for order #");
  EXPECT_EQ(error_signature({"HTTP 503: Service Unavailable", "second message ignored"}),
            "http 503: service unavailable");
  EXPECT_EQ(error_signature({"timeout after 30000 ms"}), "timeout after # ms");
  EXPECT_EQ(error_signature({"code ABC123 rejected"}), "code abc# rejected");
  EXPECT_EQ(error_signature({}), "");
  EXPECT_EQ(error_signature({std::string(300, 'x')}).size(), 80u);
  EXPECT_EQ(sanitize_cause("a|b\nc"), "a b c");
}

TEST(codec, utf8_is_checked_and_repaired) {
  EXPECT_TRUE(is_valid_utf8("Grüße, 東京 🎫"));
  EXPECT_FALSE(is_valid_utf8("bad \xff byte"));
  EXPECT_FALSE(is_valid_utf8("cut \xc3"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a UTF-16 surrogate
  EXPECT_EQ(valid_utf8("ok \xff \xc3\xbc"), "ok ? \xc3\xbc");
  EXPECT_EQ(valid_utf8("cut \xe2\x82"), "cut ??");
  EXPECT_TRUE(is_valid_utf8(sanitize_cause(std::string(79, 'x') + "\xc3\xbc")));
}

TEST(codec, decode_item_derives_the_state) {
  item_ref r{"crm", "ev", "A1"};
  const std::string waiting = R"({"trigger":"t","triggered":5,"not_before":100,"attempts":2,
      "expiries":1,"errors":["e1"]})";
  EXPECT_EQ(decode_item(r, waiting, {false, false, 100})->state, item_state::due);
  EXPECT_EQ(decode_item(r, waiting, {false, false, 99})->state, item_state::scheduled);
  EXPECT_EQ(decode_item(r, waiting, {false, true, 100})->state, item_state::follow_up);
  EXPECT_EQ(decode_item(r, waiting, {true, false, 100})->state, item_state::in_flight);
  auto item = decode_item(r, waiting, {false, false, 100}).value();
  EXPECT_EQ(item.attempts, 2);
  EXPECT_EQ(item.expiries, 1);
  EXPECT_EQ(item.errors, std::vector<std::string>{"e1"});
  auto parked = decode_item(r, R"({"state":"config","errors":{}})", {false, false, 1}).value();
  EXPECT_EQ(parked.state, item_state::config);
  EXPECT_TRUE(parked.errors.empty());  // cjson writes an empty list as {}
  EXPECT_EQ(decode_item(r, "not json", {}).code(), persistence_errc::protocol_error);
  EXPECT_EQ(decode_item(r, R"({"attempts":"x"})", {}).code(), persistence_errc::protocol_error);
}

// Claimed items are read by a fast reader when they are plain (cjson's flat output without
// escapes); everything else takes the full parser. Both must give the same item.
TEST(codec, decode_item_reads_plain_and_escaped_items_alike) {
  item_ref r{"crm", "ev", "A1"};
  const std::string plain =
      R"({"trigger":"order_paid","triggered":1764280000123,"not_before":1764280000456,)"
      R"("attempts":3,"expiries":1,"deferrals":2,"errors":{},"node":"node-7","token":-42,)"
      R"("since":1764280001000,"lease_until":1764280031000,"extra":"ignored"})";
  // The same values, written so that only the full parser reads them (escapes, spaces, float).
  const std::string escaped =
      R"({ "trigger" : "order_paid", "triggered":1764280000123,"not_before":1764280000456,)"
      R"("attempts":3.0,"expiries":1,"deferrals":2,"errors":[],"node":"node\/7","token":-42,)"
      R"("since":1764280001000,"lease_until":1764280031000,"extra":[1,2]})";
  auto a = decode_item(r, plain, {true, false, 1}).value();
  auto b = decode_item(r, escaped, {true, false, 1}).value();
  for (const auto* item : {&a, &b}) {
    EXPECT_EQ(item->trigger, "order_paid");
    EXPECT_EQ(item->triggered_ms, 1764280000123);
    EXPECT_EQ(item->not_before_ms, 1764280000456);
    EXPECT_EQ(item->attempts, 3);
    EXPECT_EQ(item->expiries, 1);
    EXPECT_EQ(item->deferrals, 2);
    EXPECT_TRUE(item->errors.empty());
    EXPECT_EQ(item->node, item == &a ? "node-7" : "node/7");
    EXPECT_EQ(item->token, -42);
    EXPECT_EQ(item->since_ms, 1764280001000);
    EXPECT_EQ(item->lease_until_ms, 1764280031000);
    EXPECT_EQ(item->state, item_state::in_flight);
  }
  EXPECT_EQ(decode_item(r, "{}", {false, false, 5})->state, item_state::due);
  auto parked = decode_item(r, R"({"state":"timeout","cause":"lease","parked_at":9})", {});
  EXPECT_EQ(parked->state, item_state::timeout);
  EXPECT_EQ(parked->cause, "lease");
  EXPECT_EQ(parked->parked_at_ms, 9);
  // Wrong types and broken text are reported, whichever reader saw them first.
  EXPECT_EQ(decode_item(r, R"({"token":"7"})", {}).code(), persistence_errc::protocol_error);
  EXPECT_EQ(decode_item(r, R"({"node":7})", {}).code(), persistence_errc::protocol_error);
  EXPECT_EQ(decode_item(r, R"({"trigger":"t")", {}).code(), persistence_errc::protocol_error);
  EXPECT_EQ(decode_item(r, R"({"trigger":"t"} x)", {}).code(), persistence_errc::protocol_error);
  EXPECT_EQ(decode_item(r, R"([1])", {}).code(), persistence_errc::protocol_error);
}

TEST(codec, park_state_names_round_trip) {
  for (auto s : {park_state::exceeded, park_state::permanent, park_state::config,
                 park_state::internal, park_state::timeout}) {
    park_state back;
    ASSERT_TRUE(parse_park_state(to_string(s), back));
    EXPECT_EQ(back, s);
    EXPECT_STREQ(to_string(as_item_state(s)), to_string(s));
  }
  park_state unused;
  EXPECT_FALSE(parse_park_state("due", unused));
}

TEST(codec, sync_results_round_trip) {
  sync_result r = testing::make_result(4, 9, "Deal", "ticket", "T-9", "https://x/9", "Deal 9", {{"k", {1, 2}}}, 77, "f");
  EXPECT_EQ(result_field(4, 9), "4:9");
  EXPECT_EQ(result_field(4, std::nullopt), "4:order");
  EXPECT_EQ(decode_result("4:9", encode_result(r)).value(), r);
  r.position_id.reset();
  EXPECT_EQ(decode_result("4:order", encode_result(r)).value(), r);
  EXPECT_EQ(decode_result("x", "[]").code(), persistence_errc::invalid_argument);
  EXPECT_EQ(decode_result("x", "{}").code(), persistence_errc::invalid_argument);
}

}  // namespace
}  // namespace tixsync::persistence
