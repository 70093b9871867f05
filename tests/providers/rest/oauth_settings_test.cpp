// [providers.rest.auth] with type = "oauth2": a complete table is read, and every mistake (a
// missing token URL or client id, a secret in the URL, an unset variable, a key of another
// grant) is reported at its key path without echoing a secret.
#include <gtest/gtest.h>

#include "providers/rest/connection_settings.hpp"
#include "tests/support/fake_env.hpp"

namespace tixsync::providers::rest {
namespace {

std::vector<std::string> read(const json& auth, const env_lookup& env, auth_settings& out) {
  const json table = {{"auth", auth}};
  settings_problems problems;
  settings_table reader(&table, "providers[0].rest", problems);
  connection_settings settings;
  read_connection_settings(reader, env, settings);
  out = settings.auth;
  std::vector<std::string> texts;
  for (const auto& p : problems) texts.push_back(p.key_path + ": " + p.message);
  return texts;
}

TEST(OAuthSettings, ReadsAClientCredentialsTable) {
  auth_settings auth;
  const auto problems = read({{"type", "oauth2"},
                              {"grant", "client_credentials"},
                              {"token_url", "https://auth.example.org/oauth/token"},
                              {"scopes", {"contacts", "deals"}},
                              {"client_id", "tixsync"},
                              {"client_secret_env", "CRM_CLIENT_SECRET"}},
                             testing::fake_env({{"CRM_CLIENT_SECRET", "cs"}}), auth);
  ASSERT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(auth.type, auth_type::oauth2);
  EXPECT_EQ(auth.client_secret.reveal(), "cs");
  EXPECT_EQ(auth.scopes, (std::vector<std::string>{"contacts", "deals"}));
  EXPECT_EQ(auth.client_auth, "basic");
}

TEST(OAuthSettings, ReportsEveryMistakeAtItsPath) {
  auth_settings auth;
  const auto problems = read({{"type", "oauth2"},
                              {"grant", "client_credentials"},
                              {"token_url", "https://user:hunter2@auth.example.org/token"},
                              {"scopes", {"a b"}},
                              {"client_secret_env", "UNSET_SECRET"},
                              {"refresh_token_env", "RT"},
                              {"token_env", "X"}},
                             testing::fake_env({}), auth);
  const std::string all = [&] {
    std::string text;
    for (const auto& p : problems) text += p + "\n";
    return text;
  }();
  EXPECT_NE(all.find("providers[0].rest.auth.token_url:"), std::string::npos) << all;
  EXPECT_NE(all.find("providers[0].rest.auth.scopes:"), std::string::npos) << all;
  EXPECT_NE(all.find("providers[0].rest.auth.client_id:"), std::string::npos) << all;
  EXPECT_NE(all.find("providers[0].rest.auth.client_secret_env: environment variable UNSET_SECRET"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("providers[0].rest.auth.refresh_token_env: only used with grant"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("providers[0].rest.auth.token_env: not used with type = \"oauth2\""),
            std::string::npos)
      << all;
  EXPECT_EQ(all.find("hunter2"), std::string::npos) << all;
}

TEST(OAuthSettings, RefreshTokenGrantNeedsTheRefreshTokenButNoSecret) {
  auth_settings auth;
  auto problems = read({{"type", "oauth2"},
                        {"grant", "refresh_token"},
                        {"token_url", "https://auth.example.org/token"},
                        {"client_id", "tixsync"}},
                       testing::fake_env({}), auth);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "providers[0].rest.auth.refresh_token_env: missing (required)")
      << problems[0];
}

}  // namespace
}  // namespace tixsync::providers::rest
