// Templates of the HTTP providers: placeholders, literal braces, problems for unknown or
// disallowed names, percent-encoding in URLs, relative URLs, and dotted JSON paths.
#include "providers/rest/text_template.hpp"

#include <gtest/gtest.h>

#include "providers/rest/rest_settings.hpp"
#include "providers/rest/url_rules.hpp"

namespace tixsync::providers::rest {
namespace {

const std::vector<placeholder> all{placeholder::id_value,    placeholder::id_field,
                                   placeholder::external_id, placeholder::object_type,
                                   placeholder::order_code,  placeholder::event,
                                   placeholder::organizer,   placeholder::position_id,
                                   placeholder::mapping_id,  placeholder::base_url};

placeholder_values sample_values() {
  placeholder_values v;
  v.id_value = "anna+tix@example.org";
  v.id_field = "email";
  v.external_id = "17/a b";
  v.object_type = "Contact";
  v.order_code = "ABC12";
  v.event = "ndd25";
  v.organizer = "nordlicht";
  v.position_id = "";
  v.mapping_id = "1";
  v.base_url = "http://crm.test:8089/v1";
  return v;
}

TEST(text_template, expands_every_placeholder) {
  std::vector<std::string> problems;
  auto t = text_template::parse(
      "{object_type}:{id_field}={id_value} #{external_id} {order_code} {organizer}/{event} "
      "[{position_id}] m{mapping_id} {base_url}",
      all, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(t.expand(sample_values(), false),
            "Contact:email=anna+tix@example.org #17/a b ABC12 nordlicht/ndd25 [] m1 "
            "http://crm.test:8089/v1");
  EXPECT_TRUE(t.uses(placeholder::external_id));
}

TEST(text_template, percent_encodes_values_but_not_the_base_url) {
  std::vector<std::string> problems;
  auto t = text_template::parse("{base_url}/api/contact/{external_id}?{id_field}={id_value}", all,
                                problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(t.expand(sample_values(), true),
            "http://crm.test:8089/v1/api/contact/17%2Fa%20b?email=anna%2Btix%40example.org");
  EXPECT_EQ(percent_encode("AZaz09-._~ äß/?#&="), "AZaz09-._~%20%C3%A4%C3%9F%2F%3F%23%26%3D");
}

TEST(text_template, relative_urls_are_appended_to_the_base_url) {
  std::vector<std::string> problems;
  auto relative = text_template::parse("/api/contact/{external_id}", all, problems);
  auto absolute = text_template::parse("https://other.test/x/{external_id}", all, problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(expand_url(relative, sample_values()),
            "http://crm.test:8089/v1/api/contact/17%2Fa%20b");
  EXPECT_EQ(expand_url(absolute, sample_values()), "https://other.test/x/17%2Fa%20b");
}

TEST(text_template, doubled_braces_are_literal) {
  std::vector<std::string> problems;
  auto t = text_template::parse("{{\"id\": \"{id_value}\"}}", all, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(t.expand(sample_values(), false), "{\"id\": \"anna+tix@example.org\"}");
}

TEST(text_template, reports_unknown_and_disallowed_placeholders_and_braces) {
  std::vector<std::string> problems;
  text_template::parse("/api/{foo}/{external_id}/{id_value", {placeholder::id_value}, problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0], "unknown placeholder {foo}");
  EXPECT_EQ(problems[1], "placeholder {external_id} cannot be used here");
  EXPECT_EQ(problems[2], "unclosed \"{\" at character 26 (write \"{{\" for a literal brace)");
  problems.clear();
  text_template::parse("a}b", all, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "unbalanced \"}\" at character 2 (write \"}}\" for a literal brace)");
}

TEST(json_path, finds_keys_and_indexes) {
  std::vector<std::string> problems;
  const json doc = {{"data", {{"id", 7}, {"items", {{{"id", "a"}}, {{"id", "b"}}}}}}};
  EXPECT_EQ(*json_path::parse("data.id", problems).find(doc), 7);
  EXPECT_EQ(*json_path::parse("data.items.1.id", problems).find(doc), "b");
  EXPECT_EQ(*json_path::parse("", problems).find(doc), doc);
  EXPECT_EQ(json_path::parse("data.items.5", problems).find(doc), nullptr);
  EXPECT_EQ(json_path::parse("data.missing", problems).find(doc), nullptr);
  EXPECT_EQ(json_path::parse("data.id.x", problems).find(doc), nullptr);
  EXPECT_TRUE(problems.empty());
  json_path::parse("data..id", problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "\"data..id\" is not a dotted path (an empty segment)");
}

TEST(url_rules, base_urls_and_url_templates) {
  EXPECT_FALSE(base_url_problem("http://127.0.0.1:8089"));
  EXPECT_FALSE(base_url_problem("https://crm.example.org/api/"));
  EXPECT_EQ(*base_url_problem("ftp://x"), "\"ftp://x\" must start with http:// or https://");
  EXPECT_EQ(*base_url_problem("http://"), "has no host");
  // The credentials are not repeated in the message.
  EXPECT_EQ(base_url_problem("https://u:hunter2@crm.test")->find("hunter2"), std::string::npos);
  EXPECT_TRUE(base_url_problem("https://crm.test/?a=b"));
  EXPECT_TRUE(is_usable_url_template("/api/x"));
  EXPECT_TRUE(is_usable_url_template("{base_url}/x"));
  EXPECT_TRUE(is_usable_url_template("https://x.test/"));
  EXPECT_FALSE(is_usable_url_template("api/x"));
  EXPECT_TRUE(is_absolute_url_template("https://hooks.test/{order_code}"));
  EXPECT_FALSE(is_absolute_url_template("https://{organizer}.test/"));
  EXPECT_FALSE(is_absolute_url_template("/hooks"));
}

}  // namespace
}  // namespace tixsync::providers::rest
