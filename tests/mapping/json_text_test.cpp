// json_text against nlohmann's own compact dump: the same bytes for every kind of value, nested
// containers, escapes, non-ASCII text and invalid UTF-8 (replaced, not thrown on).
#include "mapping/json_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tixsync::mapping {
namespace {

using json = nlohmann::json;

std::string dumped(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(json_text, writes_every_kind_of_value_as_dump_does) {
  const std::vector<json> values = {
      nullptr,
      true,
      false,
      0,
      -7,
      std::int64_t{-9223372036854775807LL - 1},
      std::uint64_t{18446744073709551615ULL},
      3.5,
      -0.0,
      1e300,
      0.1,
      "",
      "plain",
      "with \"quotes\", \\ backslash, / slash",
      "controls \b\f\n\r\t \x01 \x1f and del \x7f",
      "Zo\u00eb, \u65e5\u672c, \U0001F3AB",
      std::string("bad \xff byte, cut \xe2\x82 sequence, overlong \xc0\xaf"),
      json::array(),
      json::object(),
      json::array({1, "two", nullptr, json::array({3.25})}),
      json::parse(R"({"z":1,"a":{"nested":["x",{"k":"v"}]},"m":"\u00e9","n":null})"),
  };
  for (const auto& value : values) {
    EXPECT_EQ(json_text(value), dumped(value)) << dumped(value);
    std::string appended = "prefix,";
    append_json(appended, value);
    EXPECT_EQ(appended, "prefix," + dumped(value));
  }
}

TEST(json_text, tells_valid_utf8_and_the_length_of_each_sequence) {
  EXPECT_TRUE(is_valid_utf8("Gr\u00fc\u00dfe, \u6771\u4eac \U0001F3AB"));
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_FALSE(is_valid_utf8("\xff"));
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));      // a UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
  EXPECT_EQ(utf8_sequence_length("a\u00e9\u6771\U0001F3AB", 0), 1u);
  EXPECT_EQ(utf8_sequence_length("a\u00e9\u6771\U0001F3AB", 1), 2u);
  EXPECT_EQ(utf8_sequence_length("a\u00e9\u6771\U0001F3AB", 3), 3u);
  EXPECT_EQ(utf8_sequence_length("a\u00e9\u6771\U0001F3AB", 6), 4u);
  EXPECT_EQ(utf8_sequence_length("\xe2\x82", 0), 0u);  // cut short
}

}  // namespace
}  // namespace tixsync::mapping
