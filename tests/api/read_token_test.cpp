// Reading needs a token: every GET route of the node API but health and the dashboard's files is
// refused without one (401 with a challenge) or with a wrong one (403), and answered with the
// read token or the API token; the read token changes nothing. /metrics opens with open_metrics.
// And forgetting an order over the API: 409 while queued, everything erased after its sync, 404
// then, and a late webhook syncs the order afresh.
#include <regex>

#include "api/node_api.hpp"
#include "api/node_api_impl.hpp"
#include "persistence/redis_connection.hpp"
#include "tests/api/node_api_fixture.hpp"
#include "tests/support/redis_contents.hpp"

namespace tixsync::api::testing {
namespace {

/// A concrete path for a route pattern ("{organizer}" -> "nordlicht", ...).
std::string path_of(const std::string& pattern) {
  static const std::map<std::string, std::string> values = {
      {"{organizer}", "nordlicht"}, {"{event}", "ndd25"}, {"{code}", "K3ZPA"}};
  std::string out = pattern;
  for (const auto& [name, value] : values) {
    for (auto at = out.find(name); at != std::string::npos; at = out.find(name)) {
      out.replace(at, name.size(), value);
    }
  }
  return std::regex_replace(out, std::regex(R"(\{[a-z_.]+\})"), "x");
}

bool is_open(const std::string& pattern) {
  for (const char* open :
       {"/healthz", "/readyz", "/", "/index.html", "/dashboard.js", "/dashboard.css"}) {
    if (pattern == open) return true;
  }
  return false;
}

class read_token_test : public node_api_test {
 protected:
  /// Every route of the API with `method`.
  std::vector<std::string> patterns(const std::string& method) {
    std::vector<std::string> out;
    const router all = api_->routes();
    for (const auto& r : all.routes()) {
      if (r.method == method) out.push_back(r.pattern);
    }
    return out;
  }
};

TEST_F(read_token_test, every_read_route_needs_the_read_or_the_api_token) {
  std::size_t guarded = 0;
  for (const auto& pattern : patterns("GET")) {
    const auto path = path_of(pattern);
    if (is_open(pattern)) {
      EXPECT_NE(get(path, "").status, 401) << pattern;
      continue;
    }
    ++guarded;
    auto missing = get(path, "");
    EXPECT_EQ(missing.status, 401) << pattern << " " << path << ": " << missing.body;
    EXPECT_TRUE(missing.header("WWW-Authenticate").has_value()) << pattern;
    EXPECT_EQ(get(path, "wrong-token").status, 403) << pattern;
    for (const auto& token : {read_token, api_token}) {
      const int status = get(path, token).status;
      EXPECT_NE(status, 401) << pattern;
      EXPECT_NE(status, 403) << pattern;
    }
  }
  EXPECT_GE(guarded, 8u);  // providers, overview, jobs, counts, causes, orders, resync, metrics
  EXPECT_EQ(get("/metrics", "").status, 401);
  EXPECT_EQ(get("/api/v1/jobs/counts?provider=crm", read_token).status, 200);
}

TEST_F(read_token_test, the_read_token_is_refused_on_every_mutating_route) {
  for (const auto& pattern : patterns("POST")) {
    auto r = post(path_of(pattern), "{}", read_token);
    EXPECT_EQ(r.status, 403) << pattern << ": " << r.body;
  }
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(read_token_test, open_metrics_opens_only_the_metrics) {
  tweak_options = [](node_api_options& o) { o.open_metrics = true; };
  start_api(api_token, "");
  EXPECT_EQ(get("/metrics", "").status, 200);
  EXPECT_EQ(get("/api/v1/providers", "").status, 401);
}

TEST_F(read_token_test, without_any_token_configured_reads_are_refused) {
  tweak_options = [](node_api_options& o) { o.read_token.clear(); };
  start_api("", "");
  EXPECT_EQ(get("/api/v1/providers", "").status, 403);
  EXPECT_EQ(get("/api/v1/providers", "anything").status, 403);
  EXPECT_EQ(get("/healthz", "").status, 200);
}

class forget_api_test : public node_api_test {
 protected:
  void SetUp() override { start_api(api_token, pretix_.url()); }

  /// Claims and completes the order's item of `provider`, as a node's sync would.
  void sync(const std::string& provider) {
    persistence::redis_connection c(connection());
    persistence::queue_store q(c);
    auto claimed = q.claim(provider, "n1", 10, 30'000, unix_ms_now());
    ASSERT_TRUE(claimed.ok());
    for (const auto& item : *claimed) {
      persistence::completion done{item.lease_info(), {}, nullptr};
      ASSERT_TRUE(q.complete(done, unix_ms_now()).ok());
    }
  }

  std::vector<std::string> keys_mentioning(const std::string& text) {
    persistence::redis_connection c(connection());
    return tixsync::testing::keys_mentioning(c, text);
  }

  std::string webhook(int notification) {
    return nlohmann::json{{"notification_id", notification},
                          {"organizer", "nordlicht"},
                          {"event", "ndd25"},
                          {"code", "K3ZPA"},
                          {"action", "pretix.event.order.placed"}}
        .dump();
  }

  fake_pretix pretix_;
  const std::string forget_path = "/api/v1/orders/nordlicht/ndd25/K3ZPA/forget";
};

TEST_F(forget_api_test, forgets_a_synced_order_and_a_late_webhook_syncs_it_afresh) {
  ASSERT_EQ(post("/webhooks/pretix", webhook(1)).status, 200);
  auto queued_now = post(forget_path, "");
  EXPECT_EQ(queued_now.status, 409) << queued_now.body;
  EXPECT_FALSE(keys_mentioning("lena.fischer@example.org").empty());
  sync("crm");
  sync("diet");
  auto forgotten = post(forget_path, "");
  ASSERT_EQ(forgotten.status, 200) << forgotten.body;
  EXPECT_EQ(json_of(forgotten)["forgotten_for"], nlohmann::json::array({"crm", "diet"}));
  EXPECT_EQ(json_of(forgotten)["snapshot"], true);
  EXPECT_TRUE(keys_mentioning("lena.fischer@example.org").empty());
  // Only the webhook's notification mark (order code and notification id) stays, for 10 min.
  for (const auto& key : keys_mentioning("K3ZPA")) {
    EXPECT_EQ(key.rfind("tixsync:webhook:", 0), 0u) << key;
  }
  EXPECT_EQ(get("/api/v1/orders/nordlicht/ndd25/K3ZPA").status, 404);
  EXPECT_EQ(post(forget_path, "").status, 404);
  EXPECT_EQ(post(forget_path, "", "").status, 401);

  auto late = post("/webhooks/pretix", webhook(2));
  ASSERT_EQ(late.status, 200) << late.body;
  EXPECT_EQ(json_of(late)["queued_for"], nlohmann::json::array({"crm", "diet"}));
  EXPECT_EQ(queued("crm"), 1);
  EXPECT_FALSE(keys_mentioning("lena.fischer@example.org").empty());  // the snapshot again
}

}  // namespace
}  // namespace tixsync::api::testing
