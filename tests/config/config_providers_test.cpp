// Tests of the [[providers]] part and secrets: mapping files (unreadable, invalid JSON, parse
// problems), inline mappings located to the line, type settings kept as JSON, retry and limits,
// secrets resolved from the environment and never printed, the check against an event.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/config_loader.hpp"
#include "mapping/order_reader.hpp"
#include "tests/support/fake_env.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::config {
namespace {

using testing::fake_env;

std::vector<std::string> strings(const std::vector<config_problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.to_string());
  return out;
}

using testing::temp_dir;

const std::string head = "[[providers]]\nid = \"crm\"\ntype = \"example\"\n";

TEST(ConfigProviders, MappingFileUnreadable) {
  temp_dir dir;
  const std::string cfg = dir.write("t.toml", head + "mappings = \"missing.json\"\n");
  auto problems = strings(load_config(cfg, fake_env({})).problems);
  EXPECT_EQ(problems, std::vector<std::string>{cfg +
                                               ":4:12: providers[0].mappings: cannot read "
                                               "mappings file " +
                                               (dir.path / "missing.json").string() +
                                               ": No such file or directory"});
}

TEST(ConfigProviders, MappingFileInvalidJson) {
  temp_dir dir;
  dir.write("m.json", "[{\"id\": 1,]");
  const std::string cfg = dir.write("t.toml", head + "mappings = \"m.json\"\n");
  auto problems = strings(load_config(cfg, fake_env({})).problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind(cfg + ":4:12: providers[0].mappings: " +
                                  (dir.path / "m.json").string() + ": not valid JSON:",
                              0),
            0u)
      << problems[0];
}

TEST(ConfigProviders, MappingFileProblemsFromParseMappings) {
  temp_dir dir;
  dir.write("m.json",
            "[{\"id\": 1, \"pretix_model\": \"Invoice\", \"external_object_type\": "
            "\"C\", \"pretix_id_field\": \"email\", \"external_id_field\": \"email\"}]");
  const std::string cfg = dir.write("t.toml", head + "mappings = \"m.json\"\n");
  auto problems = strings(load_config(cfg, fake_env({})).problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind(cfg + ":4:12: providers[0].mappings: " +
                                  (dir.path / "m.json").string() + ": mappings[0].pretix_model:",
                              0),
            0u)
      << problems[0];
}

TEST(ConfigProviders, InlineMappingsAreLocatedToTheLine) {
  const std::string text = head +
                           "[[providers.mappings]]\nid = 1\npretix_model = \"Order\"\n"
                           "external_object_type = \"Contact\"\npretix_id_field = \"email\"\n"
                           "external_id_field = \"email\"\n"
                           "[[providers.mappings.property_mappings]]\npretix_field = 7\n"
                           "external_field = \"x\"\n";
  auto result = parse_config(text, "cfg.toml", fake_env({}));
  auto problems = strings(result.problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("cfg.toml:11:16: providers[0].mappings[0].property_mappings[0]."
                              "pretix_field: ",
                              0),
            0u)
      << problems[0];
}

TEST(ConfigProviders, InlineMappingsParse) {
  const std::string text = head +
                           "[[providers.mappings]]\nid = 1\npretix_model = \"Order\"\n"
                           "external_object_type = \"Contact\"\npretix_id_field = \"email\"\n"
                           "external_id_field = \"email\"\n"
                           "[[providers.mappings.property_mappings]]\npretix_field = \"email\"\n"
                           "external_field = \"mail\"\noverwrite = \"if_empty\"\n";
  auto result = parse_config(text, "cfg.toml", fake_env({}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& mappings = result.config.providers.at(0).mappings;
  ASSERT_EQ(mappings.size(), 1u);
  ASSERT_EQ(mappings[0].property_mappings.size(), 1u);
  EXPECT_EQ(mappings[0].property_mappings[0].external_field, "mail");
  EXPECT_EQ(mappings[0].property_mappings[0].overwrite, "if_empty");
}

TEST(ConfigProviders, TypeSettingsRetryAndLimits) {
  const std::string text =
      "[[providers]]\nid = \"hook\"\ntype = \"webhook\"\nmappings = []\nevents = \"org/ev\"\n"
      "native_lists = true\n[providers.retry]\nmode = \"fixed\"\ndelay = \"90s\"\n"
      "max_attempts = 3\n[providers.limits]\nrate = 2.5\nshared = true\n"
      "[providers.webhook]\nurl = \"https://hooks.example.org/x\"\nheaders = { X-Env = \"prod\" "
      "}\n";
  auto result = parse_config(text, "cfg.toml", fake_env({}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& p = result.config.providers.at(0);
  EXPECT_EQ(p.events, std::vector<std::string>{"org/ev"});
  EXPECT_TRUE(p.native_lists);
  EXPECT_EQ(p.retry.mode, backoff_mode::fixed);
  EXPECT_EQ(p.retry.fixed_delay.count(), 90000);
  EXPECT_EQ(p.retry.max_attempts, 3);
  EXPECT_DOUBLE_EQ(p.limits.rate, 2.5);
  EXPECT_TRUE(p.limits.shared);
  EXPECT_EQ(p.settings["url"], "https://hooks.example.org/x");
  EXPECT_EQ(p.settings["headers"]["X-Env"], "prod");
  EXPECT_EQ(p.settings_location.to_string(), "cfg.toml:14:1");
}

TEST(ConfigProviders, BadTypeEventAndJoinerConflict) {
  const std::string text =
      "[[providers]]\nid = \"x y\"\ntype = \"soap\"\nmappings = []\nevents = [\"ev\"]\n"
      "list_joiner = \";\"\nnative_lists = true\n";
  auto problems = strings(parse_config(text, "cfg.toml", fake_env({})).problems);
  ASSERT_EQ(problems.size(), 4u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].rfind("cfg.toml:2:6: providers[0].id:", 0), 0u) << problems[0];
  EXPECT_EQ(problems[1].rfind("cfg.toml:3:8: providers[0].type:", 0), 0u) << problems[1];
  EXPECT_EQ(problems[2].rfind("cfg.toml:5:10: providers[0].events[0]:", 0), 0u) << problems[2];
  EXPECT_EQ(problems[3].rfind("cfg.toml:7:16: providers[0].native_lists:", 0), 0u) << problems[3];
}

TEST(ConfigSecrets, ResolvedFromTheEnvironmentAndNeverPrinted) {
  const std::string text =
      "[redis]\nurl = \"redis://127.0.0.1:6379/0\"\npassword_env = \"TIXSYNC_TEST_PW\"\n"
      "[shop]\napi_token_env = \"TIXSYNC_TEST_TOKEN\"\n";
  auto result = parse_config(
      text, "cfg.toml", fake_env({{"TIXSYNC_TEST_PW", "pw-123"}, {"TIXSYNC_TEST_TOKEN", "tok"}}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  EXPECT_EQ(result.config.redis.password.reveal(), "pw-123");
  EXPECT_EQ(result.config.shop.api_token.reveal(), "tok");
  std::ostringstream printed;
  printed << result.config.redis.password << " " << result.config.shop.api_token;
  EXPECT_EQ(printed.str(), "*** ***");
}

TEST(ConfigSecrets, MissingVariableAndPasswordInTheFile) {
  const std::string text =
      "[redis]\nurl = \"redis://:pw@127.0.0.1:6379/0\"\npassword_env = \"TIXSYNC_TEST_PW\"\n";
  auto problems = strings(parse_config(text, "cfg.toml", fake_env({})).problems);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].rfind("cfg.toml:2:7: redis.url: a password must not be written", 0), 0u)
      << problems[0];
  EXPECT_EQ(problems[0].find("pw@"), std::string::npos);
  EXPECT_EQ(problems[1],
            "cfg.toml:3:16: redis.password_env: environment variable "
            "TIXSYNC_TEST_PW is not set (or empty)");
}

TEST(ConfigProviders, MappingsCheckedAgainstTheEventCatalogue) {
  temp_dir dir;
  dir.write("m.json",
            "[{\"id\": 1, \"pretix_model\": \"Order\", \"external_object_type\": \"C\", "
            "\"pretix_id_field\": \"email\", \"external_id_field\": \"email\", "
            "\"property_mappings\": [{\"pretix_field\": \"no_such_field\", "
            "\"external_field\": \"x\", \"value_map\": \"\", \"overwrite\": "
            "\"overwrite\"}]}]");
  const std::string cfg = dir.write("t.toml", head + "mappings = \"m.json\"\n");
  auto result = load_config(cfg, fake_env({}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  mapping::order_reader reader;
  mapping::event_bundle event;
  mapping::read_error error;
  ASSERT_TRUE(reader.read_event_bundle(testing::read_test_data("event.json"), event, error));
  auto problems = strings(check_mappings_against(result.config, mapping::field_catalogue(event)));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(
      problems[0].rfind(cfg + ":4:12: providers[0].mappings: " + (dir.path / "m.json").string() +
                            ": mappings[0].property_mappings[0].pretix_field:",
                        0),
      0u)
      << problems[0];
}

}  // namespace
}  // namespace tixsync::config
