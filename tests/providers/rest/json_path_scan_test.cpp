// scan_value_at against json_path::find on the parsed document: the same value (scalars) or the
// same kind of container at every path, the last of repeated keys, and "not JSON" for any text
// the parser refuses.
#include "providers/rest/json_path_scan.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tixsync::providers::rest {
namespace {

json_path path_of(const std::string& text) {
  std::vector<std::string> problems;
  json_path path = json_path::parse(text, problems);
  EXPECT_TRUE(problems.empty()) << text;
  return path;
}

/// What json_path::find gives for `text` at `path`, in scan_value_at's terms.
std::optional<json> expected_at(const std::string& text, const json_path& path) {
  const json document = json::parse(text);
  const json* found = path.find(document);
  if (!found) return std::nullopt;
  if (found->is_object()) return json::object();
  if (found->is_array()) return json::array();
  return *found;
}

TEST(json_path_scan, finds_what_find_finds_in_the_parsed_document) {
  const std::vector<std::string> texts = {
      R"({"ticket_code":"X","answers":[{"id":7},{"id":"8"}],"id":"1","a":{"id":2.5,"b":null}})",
      R"({"data":{"id":123456789012,"tags":["x",{"id":true}]},"results":[[1,2],{"id":"r"}]})",
      R"([{"id":"first"},{"id":"second"}])",
      R"("just a string")",
      R"({"id":{"nested":"object"},"list":[],"empty":{}})",
      R"({"01":"key with digits","x":[0,1,2,3,4,5,6,7,8,9,10,11]})",
  };
  const std::vector<std::string> paths = {"",
                                          "id",
                                          "a.id",
                                          "a.b",
                                          "answers.1",
                                          "answers.0.id",
                                          "answers.1.id",
                                          "data.id",
                                          "data.tags.1.id",
                                          "results.0.1",
                                          "results.1.id",
                                          "0.id",
                                          "1.id",
                                          "2.id",
                                          "list",
                                          "empty",
                                          "id.nested",
                                          "01",
                                          "x.01",
                                          "x.11",
                                          "x.12",
                                          "missing.id"};
  for (const auto& text : texts) {
    for (const auto& p : paths) {
      const json_path path = path_of(p);
      const scanned_value scanned = scan_value_at(text, path);
      EXPECT_TRUE(scanned.is_json) << text;
      EXPECT_EQ(scanned.value, expected_at(text, path)) << text << " at \"" << p << "\"";
    }
  }
}

TEST(json_path_scan, keeps_the_last_of_repeated_keys_as_parsing_does) {
  const std::string text = R"({"id":"old","x":{"id":1},"id":"new"})";
  EXPECT_EQ(scan_value_at(text, path_of("id")).value, json("new"));
  EXPECT_EQ(expected_at(text, path_of("id")), json("new"));
}

TEST(json_path_scan, agrees_with_parsing_on_number_types_and_at_the_edges_of_the_fast_parser) {
  std::string deep = R"({"id":)";
  for (int i = 0; i < 1100; ++i) deep += "[";
  deep += "1";
  for (int i = 0; i < 1100; ++i) deep += "]";
  deep += "}";
  const std::vector<std::string> texts = {
      R"({"id":-12})",
      R"({"id":0})",
      R"({"id":-0})",
      R"({"id":1.5})",
      R"({"id":1e2})",
      R"({"id":9223372036854775807})",
      R"({"id":18446744073709551615})",
      R"({"id":123456789012345678901234})",
      R"({"id":"\u00e9\ud83d\ude00 \"quoted\" \\ \/"})",
      "\xEF\xBB\xBF{\"id\":\"after a byte-order mark\"}",
      R"({"id":true,"id":false})",
      R"({"id":null})",
      deep,
  };
  const json_path path = path_of("id");
  for (const auto& text : texts) {
    const bool parses = !json::parse(text, nullptr, false).is_discarded();
    const scanned_value scanned = scan_value_at(text, path);
    EXPECT_EQ(scanned.is_json, parses) << text.substr(0, 60);
    if (!parses) continue;
    const auto expected = expected_at(text, path);
    ASSERT_EQ(scanned.value.has_value(), expected.has_value()) << text.substr(0, 60);
    if (!expected) continue;
    EXPECT_EQ(*scanned.value, *expected) << text.substr(0, 60);
    EXPECT_EQ(scanned.value->type(), expected->type()) << text.substr(0, 60);
  }
}

TEST(json_path_scan, reads_an_answer_larger_than_the_reused_parser_takes) {
  std::string text = R"({"padding":")" + std::string(200 * 1024, 'x') + R"(","id":"big"})";
  EXPECT_EQ(scan_value_at(text, path_of("id")).value, json("big"));
  EXPECT_EQ(scan_value_at(R"({"id":"small"})", path_of("id")).value, json("small"));
}

TEST(json_path_scan, says_not_json_for_what_the_parser_refuses) {
  for (const std::string text : {"", "{", R"({"id":"1"} trailing)", R"({"id":"1",})",
                                 "<html>201</html>", "{\"id\":\"\x01\"}"}) {
    const scanned_value scanned = scan_value_at(text, path_of("id"));
    EXPECT_FALSE(scanned.is_json) << text;
    EXPECT_FALSE(scanned.value.has_value()) << text;
    EXPECT_TRUE(json::parse(text, nullptr, false).is_discarded()) << text;
  }
}

}  // namespace
}  // namespace tixsync::providers::rest
