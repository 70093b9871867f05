// The webhook provider over a scripted receiver: the body (properties after assign_properties
// for a new object), the signature over time and body verified here independently with OpenSSL's
// HMAC and by check_webhook_signature (replays refused), the timestamp, method and URL template,
// delivery results, errors and secrets.
#include "providers/rest/webhook_provider.hpp"

#include <gtest/gtest.h>

#include "providers/rest/http_providers.hpp"
#include "providers/rest/webhook_signature.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"
#include "tests/support/webhook_signature.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::respond;

const std::string hook_secret = "whsec-5a4b3c-SECRET";

/// The expected signature header of `body` sent at `timestamp`, computed without the provider's
/// code.
std::string expected_signature(const std::string& timestamp, const std::string& body) {
  return tixsync::testing::expected_webhook_signature(hook_secret, timestamp, body);
}

std::string header(const http::http_request& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

/// The signature `request` should carry for its body and X-Tixsync-Timestamp.
std::string expected_signature(const http::http_request& request) {
  return expected_signature(header(request, "X-Tixsync-Timestamp"), request.body);
}

mapping::mapping_definition ticket_mapping() {
  mapping::mapping_definition m;
  m.id = 4;
  m.pretix_model = "OrderPosition";
  m.external_object_type = "Ticket";
  m.pretix_id_field = "ticket_secret";
  m.external_id_field = "secret";
  return m;
}

/// A webhook provider over a scripted receiver that answers `status`.
class webhook_fixture {
 public:
  explicit webhook_fixture(json settings, std::optional<std::string> joiner = std::string(","))
      : transport(std::make_shared<testing::scripted_transport>(
            [this](const http::http_request&) { return respond(status, reply); })) {
    auto section =
        testing::make_section("webhook", std::move(settings), {ticket_mapping()}, "hook");
    if (joiner) {
      section.list_joiner = *joiner;
    } else {
      section.native_lists = true;
    }
    provider = build_webhook_provider(
        section, transport, log.sink(),
        {"providers[1]",
         testing::fake_env({{"HOOK_SECRET", hook_secret}, {"HOOK_TOKEN", testing::crm_token}})});
  }
  ~webhook_fixture() { EXPECT_TRUE(transport->wait_idle()); }

  object_request request(std::vector<mapping::property_value> properties) const {
    auto order = providers::testing::make_order("ABC12", {11, 12});
    object_request r = providers::testing::make_request(
        *provider, order,
        providers::testing::make_object(ticket_mapping(), 12, "tsecret12", std::move(properties)));
    auto event = std::make_shared<mapping::event_bundle>();
    event->organizer = "nordlicht";
    event->slug = "ndd25";
    r.event = event;
    return r;
  }

  std::atomic<int> status{204};
  std::string reply;
  std::shared_ptr<testing::scripted_transport> transport;
  testing::log_lines log;
  std::shared_ptr<webhook_provider> provider;
};

json hook_settings() {
  return {{"url", "https://hooks.test/tixsync/{organizer}/{event}/{order_code}?t={object_type}"},
          {"secret_env", "HOOK_SECRET"}};
}

TEST(webhook_provider, delivers_a_signed_body) {
  webhook_fixture f(hook_settings());
  const auto done =
      testing::sync_object_and_wait(*f.provider, f.request({{"name", "Anna B", "overwrite"},
                                                            {"note", "", "overwrite"},
                                                            {"city", "Berlin", "if_new"},
                                                            {"phone", "", "if_empty"},
                                                            {"tags", "vip", "append"}}));
  ASSERT_TRUE(done.result.ok()) << done.result.error->summary();
  EXPECT_EQ(done.result.outcome->sync_info, json({{"action", "delivered"}, {"status", 204}}));
  EXPECT_FALSE(done.result.outcome->external_link_href);
  EXPECT_EQ(done.thread, f.transport->worker_id());

  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 1u);
  const http::http_request& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://hooks.test/tixsync/nordlicht/ndd25/ABC12?t=Ticket");
  EXPECT_EQ(header(sent, "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(sent.body),
            json({{"provider", "hook"},
                  {"event", "ndd25"},
                  {"organizer", "nordlicht"},
                  {"order_code", "ABC12"},
                  {"position_id", 12},
                  {"mapping_id", 4},
                  {"object_type", "Ticket"},
                  {"id_field", "secret"},
                  {"id_value", "tsecret12"},
                  // assign_properties on {} for a new object: overwrite keeps "", if_new is set,
                  // the empty if_empty value is dropped, append starts from "" (joiner ",").
                  {"properties",
                   {{"name", "Anna B"}, {"note", ""}, {"city", "Berlin"}, {"tags", "vip"}}}}));
  EXPECT_EQ(header(sent, "X-Tixsync-Signature"), expected_signature(sent));
  const std::string timestamp = header(sent, "X-Tixsync-Timestamp");
  ASSERT_FALSE(timestamp.empty());
  EXPECT_EQ(timestamp.find_first_not_of("0123456789"), std::string::npos);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_LE(std::stoll(timestamp), now);
  EXPECT_GT(std::stoll(timestamp), now - 24 * 3600);
}

TEST(webhook_provider, the_signature_changes_with_the_body) {
  webhook_fixture f(hook_settings());
  testing::sync_object_and_wait(*f.provider, f.request({{"name", "A", "overwrite"}}));
  testing::sync_object_and_wait(*f.provider, f.request({{"name", "B", "overwrite"}}));
  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_NE(header(requests[0], "X-Tixsync-Signature"), header(requests[1], "X-Tixsync-Signature"));
  EXPECT_EQ(header(requests[1], "X-Tixsync-Signature"), expected_signature(requests[1]));
  EXPECT_EQ(webhook_signature(hook_secret, 1714567890, requests[0].body),
            expected_signature("1714567890", requests[0].body));
}

TEST(webhook_provider, the_signature_covers_the_time_so_receivers_can_refuse_replays) {
  webhook_fixture f(hook_settings());
  testing::sync_object_and_wait(*f.provider, f.request({{"name", "A", "overwrite"}}));
  const http::http_request sent = f.transport->requests().at(0);
  const std::string signature = header(sent, "X-Tixsync-Signature");
  const std::int64_t sent_at = std::stoll(header(sent, "X-Tixsync-Timestamp"));
  EXPECT_EQ(check_webhook_signature(hook_secret, signature, sent.body, sent_at), "");
  EXPECT_EQ(check_webhook_signature(hook_secret, signature, sent.body, sent_at + 300), "");
  // The same delivery replayed later, or its body with a newer time: refused.
  EXPECT_NE(check_webhook_signature(hook_secret, signature, sent.body, sent_at + 301)
                .find("more than 300 s away from now"),
            std::string::npos);
  const std::string newer =
      "t=" + std::to_string(sent_at + 600) + signature.substr(signature.find(','));
  EXPECT_NE(
      check_webhook_signature(hook_secret, newer, sent.body, sent_at + 600).find("does not match"),
      std::string::npos);
  EXPECT_NE(check_webhook_signature("other", signature, sent.body, sent_at), "");
  EXPECT_NE(check_webhook_signature(hook_secret, signature, sent.body + " ", sent_at), "");
  EXPECT_NE(check_webhook_signature(hook_secret, "sha256=abc", sent.body, sent_at), "");
  // A second v1 value (e.g. while a secret is rotated) may stand before the matching one.
  const std::string two =
      "t=" + std::to_string(sent_at) + ",v1=00" + signature.substr(signature.find(','));
  EXPECT_EQ(check_webhook_signature(hook_secret, two, sent.body, sent_at), "");
  EXPECT_EQ(check_webhook_signature(hook_secret, newer, sent.body, sent_at).find(hook_secret),
            std::string::npos);
}

TEST(webhook_provider, put_native_lists_custom_header_and_auth) {
  json settings = hook_settings();
  settings["method"] = "PUT";
  settings["signature_header"] = "X-Signature";
  settings["headers"] = {{"X-Source", "tixsync"}};
  settings["auth"] = {{"type", "bearer"}, {"token_env", "HOOK_TOKEN"}};
  webhook_fixture f(settings, std::nullopt);
  f.status = 200;
  const auto done =
      testing::sync_object_and_wait(*f.provider, f.request({{"tags", "vip", "append"}}));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(done.result.outcome->sync_info["status"], 200);
  const http::http_request sent = f.transport->requests().at(0);
  EXPECT_EQ(sent.method, "PUT");
  EXPECT_EQ(json::parse(sent.body)["properties"], json({{"tags", {"", "vip"}}}));
  EXPECT_EQ(header(sent, "X-Signature"), expected_signature(sent));
  EXPECT_EQ(header(sent, "X-Tixsync-Signature"), "<none>");
  EXPECT_EQ(header(sent, "X-Source"), "tixsync");
  EXPECT_EQ(header(sent, "Authorization"), "Bearer " + testing::crm_token);
}

TEST(webhook_provider, without_a_secret_nothing_is_signed) {
  webhook_fixture f(json{{"url", "http://hooks.test/x"}});
  ASSERT_TRUE(testing::sync_object_and_wait(*f.provider, f.request({})).result.ok());
  const http::http_request sent = f.transport->requests().at(0);
  EXPECT_EQ(header(sent, "X-Tixsync-Signature"), "<none>");
  EXPECT_NE(header(sent, "X-Tixsync-Timestamp"), "<none>");
  EXPECT_EQ(json::parse(sent.body)["properties"], json::object());
}

TEST(webhook_provider, failures_are_classified_and_secrets_stay_hidden) {
  json settings = hook_settings();
  settings["auth"] = {{"type", "bearer"}, {"token_env", "HOOK_TOKEN"}};
  webhook_fixture f(settings);
  f.reply = "bad token " + testing::crm_token + " / secret " + hook_secret;
  std::string output;
  for (int status : {500, 429, 410}) {
    f.status = status;
    const auto done = testing::sync_object_and_wait(*f.provider, f.request({}));
    ASSERT_FALSE(done.result.ok());
    const sync_error& e = *done.result.error;
    EXPECT_EQ(e.signature, "http-" + std::to_string(status));
    EXPECT_EQ(e.kind, status == 500   ? sync_error_kind::recoverable
                      : status == 429 ? sync_error_kind::rate_limited
                                      : sync_error_kind::unrecoverable);
    EXPECT_EQ(e.messages.at(0),
              "POST https://hooks.test/\u2026 failed: HTTP " + std::to_string(status));
    EXPECT_EQ(e.messages.at(1), "Response: bad token *** / secret ***");
    output += testing::all_text(done.result);
  }
  for (const auto& line : f.log.lines()) output += line + "\n";
  EXPECT_NE(output.find("warning webhook provider \"hook\": order ABC12 mapping 4 failed"),
            std::string::npos);
  EXPECT_EQ(output.find(testing::crm_token), std::string::npos) << output;
  EXPECT_EQ(output.find(hook_secret), std::string::npos) << output;
}

TEST(webhook_provider, the_url_path_is_a_secret_logged_by_origin_only) {
  // Chat and automation services carry their secret in the path (Slack's /services/T/B/XXXX).
  const std::string path_token = "t0k3n-Zq81";
  webhook_fixture f(
      json{{"url", "https://hooks.test:8443/services/T000/" + path_token + "/{order_code}?t=1"}});
  f.reply = "invalid_payload";
  std::string output;
  for (int status : {204, 400, 503}) {
    f.status = status;
    const auto done = testing::sync_object_and_wait(*f.provider, f.request({}));
    output += testing::all_text(done.result);
    if (status == 204) continue;
    ASSERT_FALSE(done.result.ok());
    const sync_error& e = *done.result.error;
    EXPECT_EQ(e.log_text,
              "POST https://hooks.test:8443/\u2026 failed: HTTP " + std::to_string(status));
    EXPECT_EQ(e.messages.at(0), e.log_text);
    EXPECT_NE(e.full_message.find("Response body: invalid_payload"), std::string::npos);
  }
  EXPECT_EQ(f.transport->requests().at(0).url,
            "https://hooks.test:8443/services/T000/" + path_token + "/ABC12?t=1");
  const auto lines = f.log.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            "debug webhook provider \"hook\": POST https://hooks.test:8443/\u2026 -> 204 (order "
            "ABC12 mapping 4)");
  for (const auto& line : lines) output += line + "\n";
  EXPECT_EQ(output.find(path_token), std::string::npos) << output;
  EXPECT_EQ(output.find("/services"), std::string::npos) << output;
}

TEST(webhook_provider, a_bad_url_message_does_not_repeat_the_secret_path) {
  auto transport = std::make_shared<testing::scripted_transport>([](const http::http_request& r) {
    return testing::transport_failure(http::transport_error_kind::bad_url,
                                      "invalid URL '" + r.url + "': bad character");
  });
  auto section =
      testing::make_section("webhook", {{"url", "https://hooks.test/hooks/catch/123/abc-SECRET/"}},
                            {ticket_mapping()}, "hook");
  testing::log_lines log;
  auto provider = build_webhook_provider(section, transport, log.sink(), {"providers[1]", {}});
  webhook_fixture requests(hook_settings());
  const auto done = testing::sync_object_and_wait(*provider, requests.request({}));
  ASSERT_FALSE(done.result.ok());
  EXPECT_EQ(done.result.error->log_text,
            "POST https://hooks.test/\u2026 failed: bad-url (invalid URL "
            "'https://hooks.test/\u2026': bad character)");
  std::string output = testing::all_text(done.result);
  for (const auto& line : log.lines()) output += line + "\n";
  EXPECT_EQ(output.find("abc-SECRET"), std::string::npos) << output;
  EXPECT_TRUE(transport->wait_idle());
}

TEST(webhook_provider, transport_failures_are_recoverable) {
  auto transport = std::make_shared<testing::scripted_transport>([](const http::http_request&) {
    return testing::transport_failure(http::transport_error_kind::connect, "hooks.test:443");
  });
  auto section = testing::make_section("webhook", {{"url", "https://hooks.test/x"}},
                                       {ticket_mapping()}, "hook");
  auto provider = build_webhook_provider(section, transport, {}, {"providers[1]", {}});
  webhook_fixture requests(hook_settings());
  const auto done = testing::sync_object_and_wait(*provider, requests.request({}));
  ASSERT_FALSE(done.result.ok());
  EXPECT_EQ(done.result.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(done.result.error->signature, "connect");
  EXPECT_TRUE(transport->wait_idle());
}

}  // namespace
}  // namespace tixsync::providers::rest
