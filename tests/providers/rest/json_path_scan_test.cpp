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
