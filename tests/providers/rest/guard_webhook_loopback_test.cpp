// The webhook provider and the guard through the real http_client against the real mock CRM over
// loopback: a delivery whose HMAC-SHA256 signature over its time and exact body the receiver
// verifies (and refuses when replayed late or signed with another secret); the rate limit of a
// provider built by the provider factory from a config, observed as requests arriving at the mock;
// and the circuit breaker opening during a mock outage, answering without requests, and closing
// after its cooldown once the mock is back.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/mock_crm.hpp"
#include "app/provider_factory.hpp"
#include "config/config_loader.hpp"
#include "providers/rest/http_providers.hpp"
#include "providers/rest/webhook_signature.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/webhook_signature.hpp"

namespace tixsync::providers::rest {
namespace {

using json = nlohmann::json;
using providers::testing::make_object;
using providers::testing::make_order;
using providers::testing::make_request;

const std::string hook_secret = "hook-secret-55aa-SECRET";
const std::string token = "guard-token-31bd-SECRET";
const char* const token_variable = "TIXSYNC_LOOPBACK_CRM_TOKEN";

using tixsync::testing::expected_webhook_signature;

TEST(webhook_loopback, delivers_signed_bodies_the_receiver_can_verify) {
  app::mock_crm_options options;
  options.hook_secret = hook_secret;  // the mock verifies every delivery
  app::mock_crm crm(options);
  crm.start();
  json settings{{"url", crm.url() + "/hooks/tixsync?event={organizer}/{event}"},
                {"secret_env", "HOOK_SECRET"},
                {"request_timeout", "5s"}};
  auto mapping = providers::testing::make_mapping(1, "Order", "order", "code");
  auto section = testing::make_section("webhook", settings, {mapping}, "hook");
  testing::log_lines log;
  auto provider =
      build_webhook_provider(section, nullptr, log.sink(),
                             {"providers[0]", testing::fake_env({{"HOOK_SECRET", hook_secret}})});
  for (const std::string code : {"K3ZPA", "M9QRT"}) {
    auto request = make_request(*provider, make_order(code),
                                make_object(provider->mappings()[0], std::nullopt, "NDD25-" + code,
                                            {{"email", code + "@example.org", "overwrite"}}));
    auto event = std::make_shared<mapping::event_bundle>();
    event->organizer = "nordlicht";
    event->slug = "ndd25";
    request.event = event;
    const auto done = testing::sync_object_and_wait(*provider, std::move(request)).result;
    ASSERT_TRUE(done.ok()) << done.error->summary();
    EXPECT_EQ(done.outcome->sync_info["action"], "delivered");
    EXPECT_EQ(done.outcome->sync_info["status"], 204);
  }
  provider->close();

  const json hooks = crm.hooks()["hooks"];
  ASSERT_EQ(hooks.size(), 2u);
  EXPECT_EQ(crm.stats()["hooks_refused"], 0);
  for (const auto& hook : hooks) {
    EXPECT_EQ(hook["name"], "tixsync");
    const std::string body = hook["body"];
    const std::string timestamp = hook["headers"]["x-tixsync-timestamp"];
    EXPECT_EQ(hook["headers"]["x-tixsync-signature"],
              expected_webhook_signature(hook_secret, timestamp, body))
        << body;
    EXPECT_NE(hook["headers"]["x-tixsync-signature"],
              expected_webhook_signature("other", timestamp, body));
    EXPECT_EQ(hook["json"]["organizer"], "nordlicht");
    EXPECT_EQ(hook["json"]["properties"]["email"],
              hook["json"]["order_code"].get<std::string>() + "@example.org");
  }
  // The receiver refuses a body signed 10 minutes ago (a replay), one signed with another
  // secret, and one without a signature.
  const std::string body = hooks[0]["body"];
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  for (const auto& signature :
       {std::optional<std::string>(webhook_signature(hook_secret, now - 600, body)),
        std::optional<std::string>(webhook_signature("other", now, body)),
        std::optional<std::string>()}) {
    tixsync::testing::http_headers headers{{"Content-Type", "application/json"}};
    if (signature) headers.emplace_back("X-Tixsync-Signature", *signature);
    const auto refused =
        tixsync::testing::fetch("POST", crm.port(), "/hooks/tixsync", body, headers);
    EXPECT_EQ(refused.status, 401) << refused.body;
  }
  EXPECT_EQ(crm.stats()["hooks_refused"], 3);
  EXPECT_EQ(crm.hooks()["hooks"].size(), 2u);

  std::string text = crm.hooks().dump() + crm.stats().dump();
  for (const auto& line : log.lines()) text += line;
  EXPECT_EQ(text.find(hook_secret), std::string::npos);
}

/// A config with one REST provider for contacts on the mock at `url`, with these limits and
/// circuit breaker settings, built by the provider factory (guarded).
app::built_providers guarded_crm(const std::string& url, const std::string& limits,
                                 const std::string& circuit) {
  setenv(token_variable, token.c_str(), 1);
  const std::string text = R"(
[node]
name = "loopback"

[shop]
url = "https://tickets.example.org"
organizer = "nordlicht"

[[providers]]
id = "crm"
type = "rest"

[[providers.mappings]]
id = 1
pretix_model = "Order"
external_object_type = "Contact"
pretix_id_field = "email"
external_id_field = "email"

[providers.limits]
)" + limits + R"(

[providers.circuit_breaker]
)" + circuit + R"(

[providers.rest]
base_url = ")" + url + R"("
request_timeout = "5s"

[providers.rest.auth]
type = "bearer"
token_env = ")" + token_variable +
                           R"("

[providers.rest.objects.Contact]
lookup = { url = "/api/contact?{id_field}={id_value}", results = "results" }
create = { url = "/api/contact" }
update = { url = "/api/contact/{external_id}" }
)";
  auto loaded = config::parse_config(text, "/tmp/loopback-guard.toml");
  EXPECT_TRUE(loaded.ok()) << config::format_problems(loaded.problems);
  return app::build_providers(loaded.config);
}

object_request contact_request(const provider& target, const std::string& email) {
  return make_request(
      target, make_order("ORD" + email.substr(0, email.find('@'))),
      make_object(target.mappings()[0], std::nullopt, email, {{"name", "Guest", "overwrite"}}));
}

std::uint64_t lookups(const app::mock_crm& crm) {
  return crm.stats()["requests"]["by_route"].value("GET /api/{type}", std::uint64_t{0});
}

TEST(guard_loopback, the_rate_limit_bounds_the_requests_the_crm_receives) {
  app::mock_crm_options options;
  options.token = token;
  app::mock_crm crm(options);
  crm.start();
  constexpr double rate = 10;
  constexpr int burst = 2;
  constexpr int calls = 30;
  auto built = guarded_crm(
      crm.url(), "concurrency = 16\nrate = 10.0\nburst = 2\nmax_wait = \"60s\"", "enabled = false");
  ASSERT_EQ(built.guards.size(), 1u);
  auto guarded = built.guards[0].second;

  std::mutex mutex;
  std::vector<object_result> results;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    guarded->sync_object(contact_request(*guarded, "guest" + std::to_string(i) + "@example.org"),
                         make_object_completion([&](object_result result) {
                           std::lock_guard<std::mutex> lock(mutex);
                           results.push_back(std::move(result));
                         }));
  }
  auto done = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return results.size() == static_cast<std::size_t>(calls);
  };
  // Each admitted call looks its contact up once: the lookups the mock counted are calls that
  // started. Read the count first, the clock after: the bound then only gets looser.
  int samples = 0;
  const auto limit = start + std::chrono::seconds(30);
  while (!done() && std::chrono::steady_clock::now() < limit) {
    const double seen = static_cast<double>(lookups(crm));
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LE(seen, rate * elapsed.count() + burst) << "after " << elapsed.count() << " s";
    ++samples;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::chrono::duration<double> total = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(done()) << "not every call completed within 30 s";
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result.error->summary();
  EXPECT_EQ(lookups(crm), static_cast<std::uint64_t>(calls));
  EXPECT_EQ(crm.stats()["objects"]["contact"], calls);
  EXPECT_GT(samples, 5);
  // Not wildly under the rate: the calls need (calls - burst) / rate = 2.8 s at the configured
  // rate; at half of it they would need 5.6 s.
  EXPECT_GE(calls, 0.5 * rate * total.count()) << "took " << total.count() << " s";
  guarded->close();
}

std::uint64_t count_of(const guard::guarded_provider& guarded, const std::string& outcome) {
  for (const auto& [label, count] : guarded.http_request_counts()) {
    if (label == outcome) return count;
  }
  ADD_FAILURE() << "no outcome " << outcome;
  return 0;
}

TEST(guard_loopback, counts_the_http_requests_of_a_factory_built_provider_by_outcome) {
  app::mock_crm_options options;
  options.token = token;
  app::mock_crm crm(options);
  crm.start();
  auto built = guarded_crm(crm.url(), "concurrency = 4", "enabled = false");
  auto guarded = built.guards.at(0).second;
  auto sync = [&](const std::string& email) {
    return testing::sync_object_and_wait(*guarded, contact_request(*guarded, email)).result;
  };
  std::vector<std::string> labels;
  for (const auto& [label, count] : guarded->http_request_counts()) {
    labels.push_back(label);
    EXPECT_EQ(count, 0u) << label;
  }
  EXPECT_EQ(labels,
            (std::vector<std::string>{"2xx", "3xx", "4xx", "5xx", "timeout", "network-error"}));

  // A new contact: the lookup (200, no results) and the create (201).
  ASSERT_TRUE(sync("anna@example.org").ok());
  EXPECT_EQ(count_of(*guarded, "2xx"), 2u);
  // The CRM down: the lookup is answered 503 and the chain ends there.
  crm.start_outage(std::chrono::minutes(5));
  ASSERT_FALSE(sync("ben@example.org").ok());
  EXPECT_EQ(count_of(*guarded, "5xx"), 1u);
  crm.start_outage(std::chrono::milliseconds(0));
  // Stopped: the next request gets no connection.
  crm.stop();
  ASSERT_FALSE(sync("carl@example.org").ok());
  EXPECT_EQ(count_of(*guarded, "network-error"), 1u);
  EXPECT_EQ(count_of(*guarded, "2xx"), 2u);
  EXPECT_EQ(count_of(*guarded, "3xx"), 0u);
  EXPECT_EQ(count_of(*guarded, "4xx"), 0u);
  EXPECT_EQ(count_of(*guarded, "timeout"), 0u);
  guarded->close();
}

TEST(guard_loopback, the_circuit_opens_during_an_outage_and_closes_when_the_crm_is_back) {
  app::mock_crm_options options;
  options.token = token;
  app::mock_crm crm(options);
  crm.start();
  auto built = guarded_crm(crm.url(), "concurrency = 4",
                           "failure_threshold = 3\ncooldown = \"300ms\"\nmax_cooldown = \"1s\"");
  auto guarded = built.guards.at(0).second;
  auto sync = [&](const std::string& email) {
    return testing::sync_object_and_wait(*guarded, contact_request(*guarded, email)).result;
  };

  crm.start_outage(std::chrono::minutes(5));
  for (int i = 0; i < 3; ++i) {
    const auto failed = sync("anna@example.org");
    ASSERT_FALSE(failed.ok());
    EXPECT_EQ(failed.error->kind, sync_error_kind::recoverable);
    EXPECT_EQ(failed.error->signature, "http-503");
  }
  EXPECT_EQ(guarded->stats().circuit, guard::circuit_state::open);
  EXPECT_EQ(guarded->stats().times_opened, 1u);

  // Open: answered at once, nothing reaches the CRM.
  const auto requests = crm.stats()["requests"]["total"];
  const auto paused = sync("anna@example.org");
  ASSERT_FALSE(paused.ok());
  EXPECT_EQ(paused.error->kind, sync_error_kind::rate_limited);
  EXPECT_EQ(paused.error->signature, "circuit-open");
  EXPECT_TRUE(paused.error->retry_at.has_value());
  EXPECT_EQ(crm.stats()["requests"]["total"], requests);

  // The CRM is back: after the cooldown a probe goes through and closes the circuit.
  crm.start_outage(std::chrono::milliseconds(0));
  std::optional<object_result> probe;
  const auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < limit) {
    auto result = sync("anna@example.org");
    if (result.ok()) {
      probe = std::move(result);
      break;
    }
    EXPECT_EQ(result.error->signature, "circuit-open");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(probe.has_value()) << "the circuit did not close within 20 s";
  EXPECT_EQ(probe->outcome->sync_info["action"], "created");
  EXPECT_EQ(guarded->stats().circuit, guard::circuit_state::closed);
  EXPECT_TRUE(sync("ben@example.org").ok());
  EXPECT_EQ(crm.stats()["objects"]["contact"], 2);
  guarded->close();
}

}  // namespace
}  // namespace tixsync::providers::rest
