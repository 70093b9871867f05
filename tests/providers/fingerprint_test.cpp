// Tests for the change-detection fingerprint: FNV-1a reference values, stability, sensitivity to
// every part (value, mode, field, order of properties, id), and unchanged_result.
#include "providers/fingerprint.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace tixsync::providers {
namespace {

mapping::evaluated_object contact() {
  mapping::evaluated_object object;
  object.mapping_id = 1;
  object.pretix_model = "Order";
  object.external_object_type = "Contact";
  object.external_id_field = "email";
  object.id_value = "jane@example.org";
  object.properties = {{"name", "Jane Doe", "overwrite"},
                       {"tags", "vip,press", "append"},
                       {"paid", true, "if_empty"}};
  return object;
}

TEST(fnv1a_64, matches_the_reference_values) {
  EXPECT_EQ(fnv1a_64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(fnv1a_64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(fnv1a_64("foobar"), 0x85944171f73967e8ULL);
}

TEST(fingerprint, is_sixteen_hex_digits_and_stable) {
  const std::string print = fingerprint(contact());
  EXPECT_EQ(print.size(), 16u);
  EXPECT_EQ(print.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(fingerprint(contact()), print);
  // Pinned: a change here invalidates every stored fingerprint (bump format_version then).
  EXPECT_EQ(print, "20b36c17a1d96688");  // checked against a Python FNV-1a
  mapping::evaluated_object copy = contact();
  copy.mapping_id = 9;  // not part of it: results are stored per mapping anyway
  copy.position_id = 4;
  EXPECT_EQ(fingerprint(copy), print);
}

TEST(fingerprint, changes_with_every_part) {
  const std::string base = fingerprint(contact());
  std::vector<mapping::evaluated_object> variants(9, contact());
  variants[0].properties[0].value = "Jane Smith";                   // value
  variants[1].properties[1].mode = "overwrite";                     // mode
  variants[2].properties[0].external_field = "title";               // field
  std::swap(variants[3].properties[0], variants[3].properties[1]);  // order of properties
  variants[4].id_value = "john@example.org";                        // id value
  variants[5].external_id_field = "mail";                           // id field
  variants[6].external_object_type = "Lead";                        // object type
  variants[7].properties.pop_back();                                // one property fewer
  variants[8].properties[2].value = "true";                         // same text, other JSON type
  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(fingerprint(variants[i]), base) << "variant " << i;
  }
}

TEST(fingerprint, field_boundaries_are_unambiguous) {
  mapping::evaluated_object a = contact();
  mapping::evaluated_object b = contact();
  a.properties = {{"ab", "c", "overwrite"}};
  b.properties = {{"a", "bc", "overwrite"}};
  EXPECT_NE(fingerprint(a), fingerprint(b));
}

TEST(fingerprint, object_values_do_not_depend_on_key_order) {
  mapping::evaluated_object a = contact();
  mapping::evaluated_object b = contact();
  a.properties[0].value = json::parse(R"({"x": 1, "y": [1, 2]})");
  b.properties[0].value = json::parse(R"({"y": [1, 2], "x": 1})");
  EXPECT_EQ(fingerprint(a), fingerprint(b));
}

TEST(fingerprint, survives_invalid_utf8) {
  mapping::evaluated_object object = contact();
  object.properties[0].value = std::string("bad \xff byte");
  EXPECT_EQ(fingerprint(object).size(), 16u);
}

/// The fingerprint as its format defines it, every value through dump(): the fast path for plain
/// strings must give the same bytes.
std::string by_the_definition(const mapping::evaluated_object& object) {
  std::string canonical;
  auto part = [&](const std::string& text) {
    canonical += std::to_string(text.size()) + ":" + text;
  };
  auto dumped = [](const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
  };
  part("tixsync-fp-1");
  part(object.external_object_type);
  part(object.external_id_field);
  part(dumped(object.id_value));
  part(std::to_string(object.properties.size()));
  for (const auto& property : object.properties) {
    part(property.external_field);
    part(dumped(property.value));
    part(property.mode);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a_64(canonical)));
  return hex;
}

TEST(fingerprint, every_kind_of_value_gives_the_bytes_of_its_definition) {
  const std::vector<json> values = {"plain text",
                                    "",
                                    "with \"quotes\" and \\ backslash",
                                    "tab\there",
                                    "Zo\u00eb, \u65e5\u672c",
                                    std::string("bad \xff byte"),
                                    std::string("del \x7f"),
                                    42,
                                    -7,
                                    0,
                                    std::uint64_t{18446744073709551615ULL},
                                    std::int64_t{-9223372036854775807LL - 1},
                                    3.5,
                                    -0.0,
                                    1e300,
                                    nullptr,
                                    true,
                                    false,
                                    json::array({"a", "b"}),
                                    json::parse(R"({"k": "v", "n": 1})")};
  for (const auto& value : values) {
    mapping::evaluated_object object = contact();
    object.properties[0].value = value;
    object.id_value = value;
    EXPECT_EQ(fingerprint(object), by_the_definition(object)) << value.dump();
  }
  EXPECT_EQ(by_the_definition(contact()), "20b36c17a1d96688");  // the pinned value above
}

sync_result stored(const std::string& print) {
  sync_result result;
  result.provider = "crm";
  result.mapping_id = 1;
  result.external_link_href = "https://crm.example/c/7";
  result.sync_info = {{"action", "create"}, {"contact_id", 7}};
  result.transmitted_ms = 1000;
  result.fingerprint = print;
  return result;
}

TEST(unchanged_result, carries_the_previous_result_forward_as_nothing_to_do) {
  const std::string print = fingerprint(contact());
  auto carried = unchanged_result(stored(print), print);
  ASSERT_TRUE(carried.has_value());
  EXPECT_TRUE(carried->nothing_to_do());
  EXPECT_EQ(carried->sync_info["contact_id"], 7);
  EXPECT_EQ(carried->external_link_href, "https://crm.example/c/7");
  EXPECT_EQ(carried->transmitted_ms, 1000);
  EXPECT_EQ(carried->fingerprint, print);
}

TEST(unchanged_result, is_empty_when_anything_differs_or_is_missing) {
  const std::string print = fingerprint(contact());
  EXPECT_FALSE(unchanged_result(std::nullopt, print).has_value());
  EXPECT_FALSE(unchanged_result(stored("0000000000000000"), print).has_value());
  EXPECT_FALSE(unchanged_result(stored(""), "").has_value());
  EXPECT_FALSE(unchanged_result(stored(print), "").has_value());
}

}  // namespace
}  // namespace tixsync::providers
