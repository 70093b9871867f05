// [providers.webhook] read and checked: defaults, a complete table, and every problem at once.
#include "providers/rest/webhook_settings.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "providers/rest/http_providers.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::contact_mapping;
using testing::fake_env;

std::vector<std::string> texts(const settings_problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.key_path + ": " + p.message);
  return out;
}

TEST(webhook_settings, defaults_and_a_complete_table) {
  settings_problems problems;
  auto minimal = read_webhook_settings(json{{"url", "https://hooks.test/tixsync"}},
                                       "providers[1].webhook", {contact_mapping()}, {}, problems);
  ASSERT_TRUE(problems.empty());
  EXPECT_EQ(minimal.method, "POST");
  EXPECT_TRUE(minimal.secret.empty());
  EXPECT_EQ(minimal.signature_header, "X-Tixsync-Signature");
  EXPECT_EQ(minimal.connection.request_timeout, std::chrono::milliseconds(10000));

  const json full = json::parse(R"({
    "url": "https://hooks.test/{organizer}/{event}/{order_code}?type={object_type}",
    "method": "PUT", "secret_env": "HOOK_SECRET", "signature_header": "X-Signature",
    "headers": {"X-Source": "tixsync"}, "connect_timeout": "1s", "request_timeout": "3s",
    "auth": {"type": "api_key", "header": "X-Key", "token_env": "HOOK_KEY"}})");
  auto webhook =
      read_webhook_settings(full, "providers[1].webhook", {contact_mapping()},
                            fake_env({{"HOOK_SECRET", "s"}, {"HOOK_KEY", "k"}}), problems);
  ASSERT_TRUE(problems.empty()) << texts(problems).front();
  EXPECT_EQ(webhook.method, "PUT");
  EXPECT_EQ(webhook.secret.reveal(), "s");
  EXPECT_EQ(webhook.secret_env, "HOOK_SECRET");
  EXPECT_EQ(webhook.signature_header, "X-Signature");
  EXPECT_EQ(webhook.connection.headers, (http::header_list{{"X-Source", "tixsync"}}));
  EXPECT_EQ(webhook.connection.connect_timeout, std::chrono::milliseconds(1000));
  EXPECT_EQ(webhook.connection.auth.type, auth_type::api_key);
  EXPECT_EQ(webhook.connection.auth.token.reveal(), "k");
}

TEST(webhook_settings, reports_every_problem_with_its_path) {
  const json settings = json::parse(R"({
    "url": "/relative/{external_id}/{position_id}",
    "method": "PATCH", "secret_env": "HOOK_SECRET", "secret": "in-the-file",
    "signature_header": "X Sig", "timeout": "2s"})");
  settings_problems problems;
  read_webhook_settings(settings, "providers[1].webhook", {contact_mapping()}, fake_env({}),
                        problems);
  const std::vector<std::string> expected{
      "providers[1].webhook.url: placeholder {external_id} cannot be used here",
      "providers[1].webhook.url: must be an absolute URL: http:// or https:// and a host",
      "providers[1].webhook.url: {position_id} has no value for mapping 1, an Order mapping",
      "providers[1].webhook.method: \"PATCH\" is not one of POST, PUT",
      "providers[1].webhook.secret_env: environment variable HOOK_SECRET is not set (or empty)",
      "providers[1].webhook.signature_header: \"X Sig\" is not a valid header name",
      "providers[1].webhook.secret: secrets are not read from the config file: put it in an "
      "environment variable and name that variable in secret_env",
      "providers[1].webhook.timeout: unknown key"};
  const auto all = texts(problems);
  for (const auto& e : expected) {
    EXPECT_NE(std::find(all.begin(), all.end(), e), all.end()) << "missing: " << e;
  }
  EXPECT_EQ(all.size(), expected.size());
  for (const auto& p : all) EXPECT_EQ(p.find("in-the-file"), std::string::npos);

  problems.clear();
  read_webhook_settings(json::object(), "providers[1].webhook", {}, {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(texts(problems)[0], "providers[1].webhook.url: missing (required)");
}

TEST(webhook_settings, build_checks_the_section) {
  auto section = testing::make_section(
      "webhook", json{{"url", "https://hooks.test/x"}, {"secret_env", "HOOK_SECRET"}},
      {contact_mapping()}, "hook");
  const build_options unset{"providers[1]", fake_env({})};
  EXPECT_EQ(check_http_provider(section, unset).at(0).to_string(),
            "crm.toml:7:1: providers[1].webhook.secret_env: environment variable HOOK_SECRET is "
            "not set (or empty)");
  EXPECT_THROW(build_webhook_provider(section, nullptr, {}, unset), settings_error);
  const build_options set{"providers[1]", fake_env({{"HOOK_SECRET", "x"}})};
  EXPECT_TRUE(check_http_provider(section, set).empty());
  EXPECT_EQ(client_options_for(section, set).max_response_bytes, 1024u * 1024u);
  // The wrong builder for the type.
  EXPECT_THROW(build_rest_provider(section, nullptr, {}, set), settings_error);
}

}  // namespace
}  // namespace tixsync::providers::rest
