// The node API's endpoints over real loopback HTTP and a real Redis: health and readiness, the
// dashboard files, auth on every mutating endpoint, events and orders in, jobs with retry and
// cancel, order lookup, sync-now, resync, the overview and the metrics (read by the reference
// Prometheus parser and consistent with the queue).
#include "api/node_api.hpp"

#include <set>

#include "tests/api/node_api_fixture.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::api::testing {
namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_F(node_api_test, health_and_readiness) {
  EXPECT_EQ(get("/healthz").status, 200);
  auto ready = get("/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(json_of(ready)["redis"], "ok");
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    state = "draining";
  }
  auto draining = get("/readyz");
  EXPECT_EQ(draining.status, 503);
  EXPECT_NE(draining.body.find("draining"), std::string::npos);
  {
    std::lock_guard<std::mutex> lock(state_mutex);
    state = "running";
  }
  redis_.stop();
  auto down = get("/readyz");
  EXPECT_EQ(down.status, 503);
  EXPECT_NE(down.body.find("Redis unreachable"), std::string::npos) << down.body;
  EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_EQ(get("/api/v1/jobs/counts?provider=crm").status, 503);
  redis_.start();
}

TEST_F(node_api_test, serves_the_dashboard_with_its_headers) {
  for (const char* path : {"/", "/index.html", "/dashboard.js", "/dashboard.css"}) {
    auto r = get(path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_FALSE(r.body.empty());
    EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-cache");
    EXPECT_EQ(r.header("X-Content-Type-Options").value_or(""), "nosniff");
    EXPECT_NE(r.header("Content-Security-Policy").value_or("").find("default-src 'self'"), std::string::npos);
  }
  EXPECT_NE(get("/").header("Content-Type").value_or("").find("text/html"), std::string::npos);
  EXPECT_EQ(get("/nothing.js").status, 404);
  EXPECT_EQ(tixsync::testing::fetch("DELETE", server_->port(), "/api/v1/jobs").status, 405);
}

struct mutating_endpoint {
  const char* target;
  const char* body;
};
const mutating_endpoint mutating[] = {
    {"/api/v1/events/nordlicht/ndd25", "{}"},
    {"/api/v1/events/nordlicht/ndd25/orders", "{}"},
    {"/webhooks/pretix", "{}"},
    {"/api/v1/jobs/retry", "{\"provider\":\"crm\",\"items\":[{\"event\":\"nordlicht/ndd25\",\"order\":\"K3ZPA\"}]}"},
    {"/api/v1/jobs/cancel", "{\"provider\":\"crm\",\"items\":[{\"event\":\"nordlicht/ndd25\",\"order\":\"K3ZPA\"}]}"},
    {"/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", "{}"},
    {"/api/v1/resync", "{\"provider\":\"crm\",\"event\":\"nordlicht/ndd25\"}"},
};

TEST_F(node_api_test, every_mutating_endpoint_needs_the_token) {
  for (const auto& e : mutating) {
    SCOPED_TRACE(e.target);
    auto none = post(e.target, e.body, "");
    EXPECT_EQ(none.status, 401);
    EXPECT_NE(json_of(none)["error"]["message"].get<std::string>().find("missing API token"), std::string::npos);
    auto wrong = post(e.target, e.body, api_token + "x");
    EXPECT_EQ(wrong.status, 401);
    EXPECT_EQ(json_of(wrong)["error"]["message"], "wrong API token");
    EXPECT_EQ(post(e.target, e.body, "short").status, 401);
  }
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(node_api_test, without_a_configured_token_every_change_is_refused) {
  start_api("", "");
  for (const auto& e : mutating) {
    SCOPED_TRACE(e.target);
    auto r = post(e.target, e.body, "anything");
    EXPECT_EQ(r.status, 403);
    EXPECT_NE(r.body.find("no API token configured"), std::string::npos);
  }
  EXPECT_EQ(get("/api/v1/jobs/counts?provider=crm", read_token).status, 200);
}

TEST_F(node_api_test, the_webhook_takes_the_token_as_a_query_parameter) {
  auto r = tixsync::testing::fetch("POST", server_->port(), "/webhooks/pretix?token=" + api_token,
                                   R"({"organizer":"nordlicht","event":"ndd25","code":"K3ZPA","action":"pretix.event.order.placed"})");
  // Authorised; no [shop] url here, so it cannot fetch: 422 says so.
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(tixsync::testing::fetch("POST", server_->port(), "/webhooks/pretix?token=nope", "{}").status, 401);
}

TEST_F(node_api_test, stores_the_event_and_enqueues_orders_for_the_providers_that_take_them) {
  auto stored = post("/api/v1/events/nordlicht/ndd25", tixsync::testing::read_test_data("event.json"));
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(json_of(stored)["event"], event_id);
  auto mismatch = post("/api/v1/events/nordlicht/other", tixsync::testing::read_test_data("event.json"));
  EXPECT_EQ(mismatch.status, 422);

  const auto lines = orders();
  auto placed = post(order_path(), lines[0]);
  ASSERT_EQ(placed.status, 202) << placed.body;
  auto body = json_of(placed);
  EXPECT_EQ(body["order"], "K3ZPA");
  EXPECT_EQ(body["queued_for"], nlohmann::json::array({"crm", "diet"}));
  EXPECT_TRUE(body["items"][0]["created"].get<bool>());

  auto paid = post(order_path("?trigger=order_paid&not_before=2099-01-01T00:00:00Z"), lines[1]);
  ASSERT_EQ(paid.status, 202) << paid.body;
  EXPECT_EQ(json_of(paid)["queued_for"], nlohmann::json::array({"crm"}));
  auto counts = json_of(get("/api/v1/jobs/counts?provider=crm"));
  EXPECT_EQ(counts["states"]["due"], 1);
  EXPECT_EQ(counts["states"]["scheduled"], 1);
  EXPECT_EQ(counts["total"], 2);

  auto immediate = post(order_path("?not_before=4102444800000&immediate=true"), lines[2]);
  ASSERT_EQ(immediate.status, 202);
  EXPECT_EQ(json_of(get("/api/v1/jobs/counts?provider=crm"))["states"]["due"], 2);

  EXPECT_EQ(post(order_path("?not_before=tomorrow"), lines[3]).status, 400);
  EXPECT_EQ(post(order_path("?immediate=maybe"), lines[3]).status, 400);
  EXPECT_EQ(post(order_path("?trigger=has%20space"), lines[3]).status, 400);
  EXPECT_EQ(post("/api/v1/events/nordlicht/other/orders", lines[3]).status, 400);
  EXPECT_EQ(queued("crm"), 3);
  EXPECT_EQ(queued("diet"), 2);
}

TEST_F(node_api_test, lists_counts_retries_and_cancels_jobs) {
  const auto lines = orders();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post(order_path(), lines[i]).status, 202);
  auto page = json_of(get("/api/v1/jobs?provider=crm&state=due&limit=2"));
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["items"].size(), 2u);
  EXPECT_EQ(page["items"][0]["state"], "due");
  auto by_event = json_of(get("/api/v1/jobs?provider=crm&event=nordlicht/ndd25&state=due&offset=1"));
  EXPECT_EQ(by_event["total"], 3);
  EXPECT_EQ(by_event["items"].size(), 2u);
  EXPECT_EQ(get("/api/v1/jobs?provider=nope").status, 422);
  EXPECT_EQ(get("/api/v1/jobs").status, 400);
  EXPECT_EQ(get("/api/v1/jobs?provider=crm&state=lost").status, 400);
  EXPECT_EQ(get("/api/v1/jobs?provider=crm&limit=0").status, 400);
  EXPECT_EQ(get("/api/v1/jobs?provider=crm&event=bad%20event").status, 400);

  // Claim one and park one, as a node would.
  persistence::redis_connection c(connection());
  persistence::queue_store queue(c);
  auto claimed = queue.claim("crm", "node-a", 2, 60000, now_ms());
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 2u);
  persistence::park_request park;
  park.held = (*claimed)[1].lease_info();
  park.state = persistence::park_state::config;
  park.errors = {"Please update value mapping"};
  park.cause = "value-map";
  ASSERT_TRUE(queue.park(park, now_ms()).ok());
  const auto running = (*claimed)[0].item.ref;
  const auto parked = (*claimed)[1].item.ref;

  auto causes = json_of(get("/api/v1/jobs/causes?provider=crm"));
  ASSERT_EQ(causes["causes"].size(), 1u);
  EXPECT_EQ(causes["causes"][0]["cause"], "value-map");
  EXPECT_EQ(causes["causes"][0]["count"], 1);

  auto item = [](const persistence::item_ref& ref) {
    return nlohmann::json{{"event", ref.event}, {"order", ref.order}};
  };
  auto cancel = post("/api/v1/jobs/cancel", nlohmann::json{{"provider", "crm"},
      {"items", {item(running), {{"event", event_id}, {"order", "NOSUCH"}}}}}.dump());
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(json_of(cancel)["done"], 0);
  ASSERT_EQ(json_of(cancel)["refused"].size(), 2u);
  EXPECT_EQ(json_of(cancel)["refused"][0]["reason"], "in flight");
  EXPECT_EQ(json_of(cancel)["refused"][1]["reason"], "no such job");

  auto retry = post("/api/v1/jobs/retry", nlohmann::json{{"provider", "crm"}, {"items", {item(parked)}}}.dump());
  ASSERT_EQ(retry.status, 200);
  EXPECT_EQ(json_of(retry)["done"], 1);
  EXPECT_EQ(json_of(get("/api/v1/jobs/counts?provider=crm"))["states"]["due"], 2);

  // Park it again and retry the whole cause; then cancel every due job one by one.
  auto again = queue.claim("crm", "node-a", 5, 60000, now_ms());
  ASSERT_TRUE(again.ok());
  for (const auto& claimed_item : *again) {
    park.held = claimed_item.lease_info();
    ASSERT_TRUE(queue.park(park, now_ms()).ok());
  }
  auto by_cause = post("/api/v1/jobs/retry", R"({"provider":"crm","state":"config","cause":"value-map"})");
  ASSERT_EQ(by_cause.status, 200) << by_cause.body;
  EXPECT_EQ(json_of(by_cause)["done"], static_cast<int>(again->size()));
  auto cancel_cause = post("/api/v1/jobs/cancel", R"({"provider":"crm","state":"config","cause":"value-map"})");
  EXPECT_EQ(json_of(cancel_cause)["done"], 0);

  EXPECT_EQ(post("/api/v1/jobs/retry", R"({"provider":"nope","items":[{"event":"a/b","order":"X"}]})").status, 422);
  EXPECT_EQ(post("/api/v1/jobs/retry", R"({"provider":"crm"})").status, 400);
  EXPECT_EQ(post("/api/v1/jobs/retry", R"({"provider":"crm","items":[],"state":"config"})").status, 400);
  EXPECT_EQ(post("/api/v1/jobs/retry", R"({"provider":"crm","state":"due","cause":"x"})").status, 400);
  EXPECT_EQ(post("/api/v1/jobs/cancel", R"({"provider":"crm","items":[{"event":"a/b"}]})").status, 400);
  EXPECT_EQ(post("/api/v1/jobs/cancel", R"({"provider":"crm","items":[{"event":"a b","order":"X"}]})").status, 400);
  EXPECT_EQ(post("/api/v1/jobs/cancel", R"({"provider":"crm","items":[{"event":"a/b","order":"X"}],"x":1})").status, 400);
}

// The dashboard's first view: every parked job of a provider, whatever its park state, without
// naming a state or an event.
TEST_F(node_api_test, lists_every_parked_job_of_a_provider) {
  const auto lines = orders();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(post(order_path(), lines[i]).status, 202);
  persistence::redis_connection c(connection());
  persistence::queue_store queue(c);
  auto claimed = queue.claim("crm", "node-a", 3, 60000, now_ms());
  ASSERT_TRUE(claimed.ok());
  ASSERT_EQ(claimed->size(), 3u);
  const persistence::park_state states[] = {persistence::park_state::permanent,
                                            persistence::park_state::config};
  std::set<std::string> parked;
  for (int i = 0; i < 2; ++i) {
    persistence::park_request park;
    park.held = (*claimed)[i].lease_info();
    park.state = states[i];
    park.errors = {"HTTP 404"};
    ASSERT_TRUE(queue.park(park, now_ms()).ok());
    parked.insert((*claimed)[i].item.ref.order);
  }

  auto page = get("/api/v1/jobs?provider=crm&state=parked");
  ASSERT_EQ(page.status, 200) << page.body;
  auto listed = json_of(page);
  EXPECT_EQ(listed["total"], 2);
  std::set<std::string> seen, seen_states;
  for (const auto& item : listed["items"]) {
    seen.insert(item["order"].get<std::string>());
    seen_states.insert(item["state"].get<std::string>());
  }
  EXPECT_EQ(seen, parked);
  EXPECT_EQ(seen_states, (std::set<std::string>{"config", "permanent"}));

  auto second = json_of(get("/api/v1/jobs?provider=crm&state=parked&limit=1&offset=1"));
  EXPECT_EQ(second["total"], 2);
  ASSERT_EQ(second["items"].size(), 1u);
  EXPECT_EQ(second["items"][0]["order"], listed["items"][1]["order"]);
  auto of_event = json_of(get("/api/v1/jobs?provider=crm&state=parked&event=nordlicht/ndd25"));
  EXPECT_EQ(of_event["total"], 2);
  EXPECT_EQ(json_of(get("/api/v1/jobs?provider=crm&state=parked&event=nordlicht/other"))["total"],
            0);

  // Neither a state nor an event: a 400 that says what to give.
  auto bare = get("/api/v1/jobs?provider=crm");
  EXPECT_EQ(bare.status, 400);
  EXPECT_NE(json_of(bare)["error"]["message"].get<std::string>().find("'parked'"),
            std::string::npos)
      << bare.body;
}

TEST_F(node_api_test, looks_orders_up_and_syncs_them_now) {
  const auto lines = orders();
  ASSERT_EQ(post(order_path(), lines[0]).status, 202);
  auto found = get("/api/v1/orders/nordlicht/ndd25/K3ZPA");
  ASSERT_EQ(found.status, 200) << found.body;
  auto order = json_of(found);
  EXPECT_EQ(order["order"], "K3ZPA");
  ASSERT_EQ(order["providers"].size(), 2u);
  EXPECT_EQ(order["providers"][0]["items"][0]["state"], "due");
  EXPECT_TRUE(order["providers"][0]["results"].is_array());
  EXPECT_TRUE(order["providers"][0]["log"].is_array());

  auto missing = get("/api/v1/orders/nordlicht/ndd25/NOSUCH9");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(json_of(missing)["error"]["message"].get<std::string>().find("NOSUCH9"), std::string::npos);
  EXPECT_EQ(get("/api/v1/orders/nordlicht/ndd25/bad%20code").status, 400);

  auto now = post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", R"({"provider":"crm"})");
  ASSERT_EQ(now.status, 202) << now.body;
  EXPECT_EQ(json_of(now)["queued_for"], nlohmann::json::array({"crm"}));
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", "").status, 202);
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/L7QXM/sync-now", "").status, 404);
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", R"({"provider":"nope"})").status, 422);
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", R"({"provider":1})").status, 400);
}

TEST_F(node_api_test, resyncs_an_event_from_its_snapshots) {
  const auto lines = orders();
  for (int i = 0; i < 4; ++i) ASSERT_EQ(post(order_path("?trigger=order_paid"), lines[i]).status, 202);
  EXPECT_EQ(queued("diet"), 0);
  auto resync = post("/api/v1/resync", R"({"provider":"diet","event":"nordlicht/ndd25"})");
  ASSERT_EQ(resync.status, 202) << resync.body;
  EXPECT_EQ(json_of(resync)["queued"], 4);
  EXPECT_EQ(queued("diet"), 4);
  auto pretix = post("/api/v1/resync", R"({"provider":"diet","event":"nordlicht/ndd25","source":"pretix"})");
  EXPECT_EQ(pretix.status, 422);  // this node has no [shop] url (paging: resync_test.cpp)
  EXPECT_NE(pretix.body.find("no [shop] url"), std::string::npos) << pretix.body;
  EXPECT_EQ(post("/api/v1/resync", R"({"provider":"nope","event":"nordlicht/ndd25"})").status, 422);
  EXPECT_EQ(post("/api/v1/resync", R"({"provider":"diet"})").status, 400);
  EXPECT_EQ(post("/api/v1/resync", R"({"provider":"diet","event":"x y"})").status, 400);
}

TEST_F(node_api_test, the_overview_shows_counts_backlog_nodes_and_rates) {
  const auto lines = orders();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post(order_path(), lines[i]).status, 202);
  auto providers = json_of(get("/api/v1/providers"));
  ASSERT_EQ(providers["providers"].size(), 2u);
  EXPECT_EQ(providers["providers"][0]["display_name"], "Example CRM");
  auto r = get("/api/v1/overview");
  ASSERT_EQ(r.status, 200) << r.body;
  auto overview = json_of(r);
  EXPECT_EQ(overview["providers"][0]["states"]["due"], 3);
  ASSERT_EQ(overview["providers"][0]["events"].size(), 1u);
  EXPECT_EQ(overview["providers"][0]["events"][0]["event"], event_id);
  EXPECT_EQ(overview["providers"][0]["events"][0]["due"], 3);
  EXPECT_GE(overview["providers"][0]["events"][0]["oldest_due_age_seconds"].get<double>(), 0);
  EXPECT_EQ(overview["providers"][0]["circuit"], "closed");
  EXPECT_TRUE(overview["nodes"].is_array());
  EXPECT_TRUE(overview["rates"]["synced_per_second"].is_number());
  EXPECT_TRUE(overview["time"].is_string());
}

TEST_F(node_api_test, metrics_are_parsed_by_the_reference_parser_and_match_the_queue) {
  auto before = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(before.ok) << before.error;
  EXPECT_EQ(before.value("tixsync_orders_enqueued_total{provider=crm}"), 0);
  const auto lines = orders();
  const int n = 5;
  for (int i = 0; i < n; ++i) ASSERT_EQ(post(order_path(), lines[i]).status, 202);
  synced = 7;
  auto scrape = get("/metrics");
  ASSERT_EQ(scrape.status, 200);
  EXPECT_NE(scrape.header("Content-Type").value_or("").find("text/plain; version=0.0.4"), std::string::npos);
  auto after = tixsync::testing::parse_prometheus_text(scrape.body);
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_EQ(after.value("tixsync_orders_enqueued_total{provider=crm}"), n);
  EXPECT_EQ(after.value("tixsync_orders_enqueued_total{provider=diet}"), n);
  EXPECT_EQ(after.value("tixsync_queue_items{provider=crm,state=due}"), queued("crm"));
  EXPECT_EQ(after.value("tixsync_due_backlog{event=nordlicht/ndd25,provider=crm}"), n);
  EXPECT_EQ(after.value("tixsync_node_orders_synced_total{node=test-node}"), 7);
  EXPECT_EQ(after.value("tixsync_redis_up{}"), 1);
  EXPECT_EQ(after.types.at("tixsync_sync_latency_seconds"), "histogram");
  // The API's own Redis connections report their round trips.
  EXPECT_GT(after.value("tixsync_redis_roundtrip_seconds_count{client=api}"), 0);
  EXPECT_EQ(after.value("tixsync_redis_roundtrip_seconds_count{client=node}"), 0);
  api_->record_synced("crm", std::chrono::milliseconds(30));
  auto latency = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  EXPECT_EQ(latency.value("tixsync_sync_latency_seconds_count{provider=crm}"), 1);
  EXPECT_EQ(latency.value("tixsync_sync_latency_seconds_bucket{le=0.05,provider=crm}"), 1);
}

}  // namespace
}  // namespace tixsync::api::testing
