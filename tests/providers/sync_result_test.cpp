// Tests for sync_result: pretix's filter_mapped_objects, the success-log forms (nothing_done,
// result dicts), the JSON round trip and the id value text.
#include "providers/sync_result.hpp"

#include <gtest/gtest.h>

namespace tixsync::providers {
namespace {

sync_result result(std::int64_t mapping_id, std::optional<std::int64_t> position_id,
                   const std::string& id_value) {
  sync_result r;
  r.provider = "crm";
  r.mapping_id = mapping_id;
  r.order_code = "ABC12";
  r.position_id = position_id;
  r.external_object_type = "Ticket";
  r.external_id_field = "number";
  r.id_value = id_value;
  return r;
}

/// Mapping 1 is order-level, mapping 2 per position (positions 11, 12 and a skipped 13).
mapped_objects sample() {
  return {{1, {result(1, std::nullopt, "ABC12")}},
          {2, {result(2, 11, "ABC12-1"), result(2, 12, "ABC12-2"), std::nullopt}}};
}

TEST(filter_mapped_objects, for_an_order_returns_everything_nulls_included) {
  const mapped_objects all = sample();
  EXPECT_EQ(filter_mapped_objects(all, std::nullopt), all);
}

TEST(filter_mapped_objects, for_a_position_keeps_order_level_and_own_results) {
  const mapped_objects filtered = filter_mapped_objects(sample(), 12);
  ASSERT_EQ(filtered.size(), 2u);
  ASSERT_EQ(filtered.at(1).size(), 1u);
  EXPECT_EQ(filtered.at(1)[0]->id_value, "ABC12");
  ASSERT_EQ(filtered.at(2).size(), 1u);
  EXPECT_EQ(filtered.at(2)[0]->id_value, "ABC12-2");
}

TEST(filter_mapped_objects, drops_nulls_and_keeps_emptied_mappings) {
  const mapped_objects filtered = filter_mapped_objects(sample(), 13);
  ASSERT_EQ(filtered.count(2), 1u);  // pretix keeps the key with an empty list
  EXPECT_TRUE(filtered.at(2).empty());
  EXPECT_EQ(filtered.at(1).size(), 1u);
  EXPECT_TRUE(filter_mapped_objects({}, 5).empty());
}

TEST(nothing_done, only_when_every_result_is_null_or_nothing_to_do) {
  EXPECT_TRUE(nothing_done({}));
  EXPECT_TRUE(nothing_done({{1, {std::nullopt}}}));
  mapped_objects mapped = sample();
  EXPECT_FALSE(nothing_done(mapped));
  for (auto& [id, results] : mapped) {
    for (auto& r : results) {
      if (r) r->sync_info["action"] = "nothing_to_do";
    }
  }
  EXPECT_TRUE(nothing_done(mapped));
  mapped[1][0]->sync_info["action"] = "update";
  EXPECT_FALSE(nothing_done(mapped));
}

TEST(sync_result, action_reads_a_string_only) {
  sync_result r = result(1, std::nullopt, "x");
  EXPECT_EQ(r.action(), "");
  r.sync_info["action"] = 5;
  EXPECT_EQ(r.action(), "");
  r.sync_info["action"] = "nothing_to_do";
  EXPECT_TRUE(r.nothing_to_do());
}

TEST(to_result_dict, merges_sync_info_which_wins) {
  sync_result r = result(2, 11, "ABC12-1");
  r.external_link_href = "https://crm.example/t/1";
  r.sync_info = {{"my_id", 1}, {"object_type", "overridden"}};
  const json dict = to_result_dict(r);
  EXPECT_EQ(dict["position"], 11);
  EXPECT_EQ(dict["object_type"], "overridden");
  EXPECT_EQ(dict["external_id_field"], "number");
  EXPECT_EQ(dict["id_value"], "ABC12-1");
  EXPECT_EQ(dict["external_link_href"], "https://crm.example/t/1");
  EXPECT_TRUE(dict["external_link_display_name"].is_null());
  EXPECT_EQ(dict["my_id"], 1);
  const json objects = to_log_objects(sample());
  EXPECT_EQ(objects["2"].size(), 3u);
  EXPECT_TRUE(objects["2"][2].is_null());
  EXPECT_EQ(objects["1"][0]["position"], nullptr);
}

TEST(sync_result, json_round_trip) {
  sync_result r = result(2, 11, "ABC12-1");
  r.external_link_display_name = "Ticket 1";
  r.sync_info = {{"action", "create"}, {"nested", {{"a", 1}}}};
  r.transmitted_ms = 1'750'000'000'000;
  r.fingerprint = "0123456789abcdef";
  EXPECT_EQ(sync_result_from_json(to_json(r)), r);
  sync_result order_level = result(1, std::nullopt, "ABC12");
  EXPECT_EQ(sync_result_from_json(to_json(order_level)), order_level);
  EXPECT_THROW(sync_result_from_json(json{{"provider", "crm"}}), std::invalid_argument);
}

TEST(id_value_text, is_pythons_str_cut_to_128_characters) {
  EXPECT_EQ(id_value_text("ABC12"), "ABC12");
  EXPECT_EQ(id_value_text(42), "42");
  EXPECT_EQ(id_value_text(true), "True");
  EXPECT_EQ(id_value_text(std::string(200, 'x')), std::string(128, 'x'));
  std::string umlauts;
  for (int i = 0; i < 130; ++i) umlauts += "\xc3\xa4";  // "ä", two bytes each
  EXPECT_EQ(id_value_text(umlauts).size(), 256u);       // 128 characters, never half of one
}

}  // namespace
}  // namespace tixsync::providers
