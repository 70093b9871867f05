// Tests of what keeps secrets out of the config file and out of messages: every *_env key refuses
// a secret written in its place without repeating it, credentials in URLs are refused, URLs in
// messages are redacted, the pretix token over plain http:// is warned about; and of the files
// the config names: only regular files, with a size cap (/dev/zero, a FIFO).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "config/config_loader.hpp"
#include "config/input_file.hpp"
#include "config/url_secrets.hpp"
#include "tests/support/fake_env.hpp"
#include "tests/support/temp_dir.hpp"

namespace tixsync::config {
namespace {

using testing::fake_env;

std::string all_text(const std::vector<config_problem>& problems) {
  return format_problems(problems);
}

/// Secrets as people paste them: a Stripe-like key (a valid identifier), a JWT, a long one.
const std::vector<std::string> pasted_secrets{"sk_live_4eC39HqLyjWDarjtT1zdp7dc",
                                              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
                                              "Bearer 0123456789abcdef", std::string(80, 'A')};

TEST(ConfigSecrets, EveryEnvKeyRefusesASecretWithoutRepeatingIt) {
  const std::vector<std::pair<std::string, std::string>> keys{
      {"http", "api_token_env"}, {"shop", "api_token_env"}, {"redis", "password_env"}};
  for (const auto& [table, key] : keys) {
    for (const auto& value : pasted_secrets) {
      const std::string text = "[" + table + "]\n" + key + " = \"" + value + "\"\n";
      auto result = parse_config(text, "cfg.toml", fake_env({}));
      ASSERT_EQ(result.problems.size(), 1u) << all_text(result.problems);
      const std::string message = result.problems[0].to_string();
      EXPECT_EQ(message.rfind("cfg.toml:2:", 0), 0u) << message;
      EXPECT_NE(message.find(table + "." + key + ": "), std::string::npos) << message;
      EXPECT_EQ(message.find(value), std::string::npos) << message;
      EXPECT_EQ(message.find(value.substr(0, 12)), std::string::npos) << message;
    }
  }
}

TEST(ConfigSecrets, AConventionalVariableNameIsNamedWhenUnset) {
  auto result =
      parse_config("[http]\napi_token_env = \"TIXSYNC_API_TOKEN\"\n", "cfg.toml", fake_env({}));
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].to_string(),
            "cfg.toml:2:17: http.api_token_env: environment variable TIXSYNC_API_TOKEN is not set "
            "(or empty)");
  EXPECT_TRUE(parse_config("[http]\napi_token_env = \"TIXSYNC_API_TOKEN\"\n", "cfg.toml",
                           fake_env({{"TIXSYNC_API_TOKEN", "t"}}))
                  .ok());
  EXPECT_TRUE(is_environment_name("_A1"));
  EXPECT_FALSE(is_environment_name("1A"));
  EXPECT_FALSE(is_environment_name(std::string(65, 'A')));
}

TEST(ConfigSecrets, UrlsInMessagesAreRedacted) {
  EXPECT_EQ(redact_url("redis://:PASSWORD@host:bad/0"), "redis://***@host:bad/0");
  EXPECT_EQ(redact_url("redis://user:pa/ss@host:1/0"), "redis://***@host:1/0");
  EXPECT_EQ(redact_url("https://crm.test/api?api_key=SECRET&x=1#frag"),
            "https://crm.test/api?api_key=***&x=***#***");
  EXPECT_EQ(redact_url(":pw@host"), "***@host");
  EXPECT_EQ(redact_url("https://crm.test/api"), "https://crm.test/api");
}

TEST(ConfigSecrets, CredentialNamesAndUrls) {
  for (const char* name : {"X-Api-Key", "X-Auth-Token", "Cookie", "api_key", "access_token",
                           "apiKey", "X-Client-Secret", "password", "sig"}) {
    EXPECT_TRUE(is_credential_name(name)) << name;
  }
  for (const char* name : {"X-Tenant", "Accept-Language", "Idempotency-Key", "email", "page"}) {
    EXPECT_FALSE(is_credential_name(name)) << name;
  }
  EXPECT_TRUE(url_credentials_problem("https://u:p@hooks.test/x"));
  EXPECT_TRUE(url_credentials_problem("/contacts?email={id_value}&api_key=SECRET"));
  EXPECT_TRUE(url_credentials_problem("https://hooks.test/x?token=SECRET"));
  EXPECT_FALSE(url_credentials_problem("/contacts?email={id_value}"));
  EXPECT_FALSE(url_credentials_problem("/contacts?token={id_value}"));
  auto why = url_credentials_problem("https://hooks.test/x?access_token=SECRET");
  ASSERT_TRUE(why);
  EXPECT_EQ(why->find("SECRET"), std::string::npos) << *why;
}

TEST(ConfigSecrets, ShopUrlWithCredentialsIsRefused) {
  const auto env = fake_env({{"PRETIX_TOKEN", "t"}});
  for (const char* url :
       {"https://admin:hunter2@pretix.test", "https://pretix.test/?token=hunter2"}) {
    auto result = parse_config(
        std::string("[shop]\nurl = \"") + url + "\"\napi_token_env = \"PRETIX_TOKEN\"\n",
        "cfg.toml", env);
    ASSERT_EQ(result.problems.size(), 1u) << url;
    const std::string message = result.problems[0].to_string();
    EXPECT_EQ(message.rfind("cfg.toml:2:7: shop.url: must not carry", 0), 0u) << message;
    EXPECT_NE(message.find("shop.api_token_env"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
}

TEST(ConfigSecrets, PretixTokenOverPlainHttpIsWarnedAbout) {
  const auto env = fake_env({{"PRETIX_TOKEN", "t"}});
  auto shop = [&](const std::string& url, bool token) {
    return parse_config(
        "[shop]\nurl = \"" + url + "\"\n" + (token ? "api_token_env = \"PRETIX_TOKEN\"\n" : ""),
        "cfg.toml", env);
  };
  auto plain = shop("http://pretix.example.org", true);
  ASSERT_TRUE(plain.ok()) << all_text(plain.problems);
  ASSERT_EQ(plain.warnings.size(), 1u);
  EXPECT_EQ(plain.warnings[0].to_string(),
            "cfg.toml:2:7: shop.url: the pretix API token travels in plain text over http:// to a "
            "host that is not loopback: use https://");
  EXPECT_TRUE(shop("https://pretix.example.org", true).warnings.empty());
  EXPECT_TRUE(shop("http://127.0.0.1:8000", true).warnings.empty());
  EXPECT_TRUE(shop("http://localhost:8000", true).warnings.empty());
  EXPECT_TRUE(shop("http://[::1]:8000", true).warnings.empty());
  EXPECT_TRUE(shop("http://pretix.example.org", false).warnings.empty());
}

using testing::temp_dir;

const std::string provider_head = "[[providers]]\nid = \"crm\"\ntype = \"example\"\n";

TEST(ConfigInputFiles, DevZeroAsMappingsIsRefusedUnread) {
  auto result =
      parse_config(provider_head + "mappings = \"/dev/zero\"\n", "cfg.toml", fake_env({}));
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_EQ(result.problems[0].to_string(),
            "cfg.toml:4:12: providers[0].mappings: cannot read mappings file /dev/zero: not a "
            "regular file (a character device)");
  auto config = load_config("/dev/zero", fake_env({}));
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_EQ(config.problems[0].to_string(),
            "/dev/zero:0:0: cannot read the file: not a regular file (a character device)");
}

TEST(ConfigInputFiles, FifoAsConfigOrMappingsIsRefusedWithoutWaiting) {
  temp_dir dir;
  const std::string fifo = (dir.path / "pipe").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Opening a FIFO for reading waits for a writer: a blocking open would hang this test.
  auto config = load_config(fifo, fake_env({}));
  ASSERT_EQ(config.problems.size(), 1u);
  EXPECT_NE(config.problems[0].message.find("not a regular file (a FIFO)"), std::string::npos);
  const std::string cfg = dir.write("t.toml", provider_head + "mappings = \"pipe\"\n");
  auto mappings = load_config(cfg, fake_env({}));
  ASSERT_EQ(mappings.problems.size(), 1u);
  EXPECT_NE(mappings.problems[0].message.find("pipe: not a regular file (a FIFO)"),
            std::string::npos)
      << mappings.problems[0].message;
}

TEST(ConfigInputFiles, AMappingsFileOverTheCapIsRefused) {
  temp_dir dir;
  {
    std::ofstream big(dir.path / "big.json");
    big << "[" << std::string(max_input_file_bytes, ' ') << "]";
  }
  const std::string cfg = dir.write("t.toml", provider_head + "mappings = \"big.json\"\n");
  auto result = load_config(cfg, fake_env({}));
  ASSERT_EQ(result.problems.size(), 1u);
  EXPECT_NE(result.problems[0].message.find("big.json: larger than 16 MiB"), std::string::npos)
      << result.problems[0].message;
}

TEST(ConfigInputFiles, LinesAreReadWithABound) {
  temp_dir dir;
  const std::string path = dir.write("lines", "one\r\n" + std::string(100, 'x') + "\nlast");
  input_file file(path);
  ASSERT_TRUE(file.ok());
  std::string line;
  bool too_long = false;
  ASSERT_TRUE(file.next_line(line, 10, too_long));
  EXPECT_EQ(line, "one");
  EXPECT_FALSE(too_long);
  ASSERT_TRUE(file.next_line(line, 10, too_long));
  EXPECT_EQ(line, std::string(10, 'x'));
  EXPECT_TRUE(too_long);
  ASSERT_TRUE(file.next_line(line, 10, too_long));
  EXPECT_EQ(line, "last");
  EXPECT_EQ(file.line_number(), 3);
  EXPECT_FALSE(file.next_line(line, 10, too_long));
  file.rewind();
  ASSERT_TRUE(file.next_line(line, 10, too_long));
  EXPECT_EQ(line, "one");
}

}  // namespace
}  // namespace tixsync::config
