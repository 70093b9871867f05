// Tests of the queue commands of build/tixsync against a real Redis: enqueue (one order, JSON
// lines, by code), jobs (counts, pages, causes), retry/cancel (one job, a cause, refusals),
// explain, resync, the --json outputs and the exit codes (1, 2, 3, 4, 5).
#include "tests/app/queue_cli_fixture.hpp"

namespace tixsync::testing {
namespace {

TEST_F(queue_cli, EnqueueCreatesThenUpdates) {
  temp_file order(order_line(0));
  auto first =
      tixsync({"enqueue", "--provider", provider, "--event", event, "--order", order.path()});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("K3ZPA"), std::string::npos);
  EXPECT_NE(first.out.find("created"), std::string::npos);
  auto second = tixsync({"enqueue", "--provider", provider, "--event", event, "--order",
                         order.path(), "--trigger", "order_paid", "--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto doc = json_of(second);
  EXPECT_EQ(doc["updated"], 1);
  EXPECT_EQ(doc["items"][0]["order"], "K3ZPA");
  auto items = queue().get({provider, event, "K3ZPA"}, now());
  ASSERT_TRUE(items.ok() && items->waiting);
  EXPECT_EQ(items->waiting->trigger, "order_paid");
}

TEST_F(queue_cli, EnqueueJsonLinesEnqueuesEveryOrder) {
  auto r = tixsync({"enqueue", "--provider", provider, "--event", event, "--order",
                    test_data_path("orders.jsonl"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = read_test_data_lines("orders.jsonl").size();
  EXPECT_EQ(json_of(r)["created"], lines);
  auto counts = queue().count(provider, now());
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->total(), static_cast<std::int64_t>(lines));
}

TEST_F(queue_cli, EnqueueOfAnOrderOfAnotherEventChangesNothing) {
  temp_file order(order_line(0));
  auto r = tixsync(
      {"enqueue", "--provider", provider, "--event", "nordlicht/other", "--order", order.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("belongs to event 'ndd25'"), std::string::npos) << r.err;
  temp_file broken("{\"code\": ");
  EXPECT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--order", broken.path()})
                .exit_code,
            1);
  EXPECT_EQ(queue().count(provider, now())->total(), 0);
}

TEST_F(queue_cli, EnqueueByCodeWithNotBeforeIsScheduled) {
  ASSERT_TRUE(snapshots().put_order(event, "ABC12", order_line(0)).ok());
  auto r = tixsync({"enqueue", "--provider", provider, "--event", event, "--code", "ABC12",
                    "--not-before", "+1h"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto page = tixsync({"jobs", "--provider", provider, "--state", "scheduled", "--json"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  auto doc = json_of(page);
  ASSERT_EQ(doc["items"].size(), 1u);
  EXPECT_EQ(doc["items"][0]["order"], "ABC12");
  EXPECT_EQ(doc["items"][0]["state"], "scheduled");
  EXPECT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--code", "X1",
                     "--not-before", "tomorrow"})
                .exit_code,
            2);
  EXPECT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event}).exit_code, 2);
}

TEST_F(queue_cli, JobsCountsAndPagesAsTablesAndJson) {
  ASSERT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--order",
                     test_data_path("orders.jsonl")})
                .exit_code,
            0);
  auto counts = tixsync({"jobs", "--provider", provider});
  ASSERT_EQ(counts.exit_code, 0) << counts.err;
  EXPECT_NE(counts.out.find("due"), std::string::npos);
  EXPECT_NE(counts.out.find("total"), std::string::npos);
  auto doc = json_of(tixsync({"jobs", "--provider", provider, "--json"}));
  EXPECT_EQ(doc["states"]["due"], 20);
  auto page =
      tixsync({"jobs", "--provider", provider, "--event", event, "--limit", "5", "--offset", "5"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_NE(page.out.find("5 of 20 items from offset 5"), std::string::npos) << page.out;
  EXPECT_EQ(tixsync({"jobs", "--provider", provider, "--state", "sleeping"}).exit_code, 2);
}

TEST_F(queue_cli, CausesRetryAndCancelByCause) {
  ASSERT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--order",
                     test_data_path("orders.jsonl")})
                .exit_code,
            0);
  park_all(persistence::park_state::permanent, "crm-rejected");
  auto causes = json_of(tixsync({"jobs", "--provider", provider, "--causes", "--json"}));
  ASSERT_EQ(causes["causes"].size(), 1u);
  EXPECT_EQ(causes["causes"][0]["count"], 20);
  const std::string cause = causes["causes"][0]["cause"];
  auto retried =
      tixsync({"retry", "--provider", provider, "--state", "permanent", "--cause", cause});
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_NE(retried.out.find("retried 20"), std::string::npos) << retried.out;
  park_all(persistence::park_state::config, "bad-token");
  auto canceled = tixsync(
      {"cancel", "--provider", provider, "--state", "config", "--cause", "bad-token", "--json"});
  ASSERT_EQ(canceled.exit_code, 0) << canceled.err;
  EXPECT_EQ(json_of(canceled)["count"], 20);
  EXPECT_EQ(queue().count(provider, now())->total(), 0);
  EXPECT_EQ(tixsync({"retry", "--provider", provider, "--state", "config", "--cause", "bad-token"})
                .exit_code,
            4);
}

TEST_F(queue_cli, RetryAndCancelOneJobWithRefusals) {
  temp_file order(order_line(0));
  ASSERT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--order", order.path()})
                .exit_code,
            0);
  park_all(persistence::park_state::exceeded, "timeouts");
  auto retried = tixsync({"retry", "--provider", provider, "--event", event, "--order", "K3ZPA"});
  ASSERT_EQ(retried.exit_code, 0) << retried.err;
  EXPECT_EQ(queue().get({provider, event, "K3ZPA"}, now())->waiting->state,
            persistence::item_state::due);
  ASSERT_EQ(queue().claim(provider, "n1", 10, 30000, now())->size(), 1u);
  auto refused = tixsync({"cancel", "--provider", provider, "--event", event, "--order", "K3ZPA"});
  EXPECT_EQ(refused.exit_code, 5) << refused.err;
  auto missing = tixsync({"cancel", "--provider", provider, "--event", event, "--order", "NOPE1"});
  EXPECT_EQ(missing.exit_code, 4) << missing.err;
  EXPECT_EQ(tixsync({"retry", "--provider", provider, "--order", "K3ZPA"}).exit_code, 2);
}

TEST_F(queue_cli, ExplainShowsItemsResultsAndLog) {
  temp_file order(order_line(0));
  ASSERT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--order", order.path()})
                .exit_code,
            0);
  auto claimed = queue().claim(provider, "node-7", 10, 30000, now());
  ASSERT_EQ(claimed->size(), 1u);
  persistence::sync_result result;
  result.provider = provider;
  result.mapping_id = 1;
  result.order_code = "K3ZPA";
  result.external_object_type = "Contact";
  result.external_id_field = "email";
  result.id_value = "lena.fischer@example.org";
  result.external_link_href = "https://crm.example.org/contacts/17";
  result.external_link_display_name = "Contact #17";
  ASSERT_TRUE(queue().complete({claimed->front().lease_info(), {result}, nullptr}, now()).ok());
  ASSERT_EQ(
      tixsync({"enqueue", "--provider", provider, "--event", event, "--code", "K3ZPA"}).exit_code,
      0);
  auto text = tixsync({"explain", "--provider", provider, "--event", event, "--order", "K3ZPA"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("https://crm.example.org/contacts/17"), std::string::npos) << text.out;
  auto doc = json_of(
      tixsync({"explain", "--provider", provider, "--event", event, "--order", "K3ZPA", "--json"}));
  EXPECT_EQ(doc["waiting"]["state"], "due");
  EXPECT_TRUE(doc["in_flight"].is_null());
  ASSERT_EQ(doc["results"].size(), 1u);
  EXPECT_GE(doc["log"].size(), 3u);  // enqueued, started, synced, enqueued
  EXPECT_EQ(
      tixsync({"explain", "--provider", provider, "--event", event, "--order", "NOPE1"}).exit_code,
      4);
}

TEST_F(queue_cli, ResyncReenqueuesEveryOrderWithASnapshot) {
  ASSERT_EQ(tixsync({"enqueue", "--provider", provider, "--event", event, "--order",
                     test_data_path("orders.jsonl")})
                .exit_code,
            0);
  auto r = tixsync({"resync", "--provider", "warehouse", "--event", event, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json_of(r);
  EXPECT_EQ(doc["orders"], 20);
  EXPECT_EQ(doc["created"], 20);
  auto page =
      queue().list("warehouse", {persistence::item_state::due, std::nullopt, 0, 100}, now());
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 20u);
  EXPECT_EQ(page->items[0].trigger, "resync");
  auto other = json_of(
      tixsync({"resync", "--provider", "warehouse", "--event", "nordlicht/none", "--json"}));
  EXPECT_EQ(other["orders"], 0);
}

TEST_F(queue_cli, UnreachableRedisExitsThreeQuickly) {
  const int port = redis_server::free_port();
  const auto start = std::chrono::steady_clock::now();
  auto r = run_tixsync({"jobs", "--provider", provider, "--redis",
                        "redis://127.0.0.1:" + std::to_string(port) + "/0"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(run_tixsync({"jobs", "--provider", provider}).exit_code, 2);
}

}  // namespace
}  // namespace tixsync::testing

namespace tixsync::testing {
namespace {

TEST_F(queue_cli, JobsNodesListsLiveAndGoneNodes) {
  persistence::node_registry nodes(connection(), persistence::key_space(prefix));
  persistence::node_heartbeat beat;
  beat.name = "worker-1";
  beat.host = "box";
  beat.pid = 99;
  beat.beat_ms = now();
  beat.in_flight = 3;
  beat.providers = {provider};
  ASSERT_TRUE(nodes.beat(beat, std::chrono::seconds(30)).ok());
  beat.name = "worker-2";
  ASSERT_TRUE(nodes.beat(beat, std::chrono::seconds(30)).ok());
  ASSERT_TRUE(nodes.leave("worker-2").ok());

  auto table = tixsync({"jobs", "--nodes"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("worker-1"), std::string::npos);
  EXPECT_NE(table.out.find("alive"), std::string::npos);
  EXPECT_NE(table.out.find("gone"), std::string::npos);
  auto doc = json_of(tixsync({"jobs", "--nodes", "--json"}));
  ASSERT_EQ(doc["nodes"].size(), 2u);
  for (const auto& n : doc["nodes"]) {
    EXPECT_EQ(n["alive"], n["name"] == "worker-1") << n.dump();
  }
  // --provider is required without --nodes, and excluded with it.
  EXPECT_EQ(tixsync({"jobs"}).exit_code, 2);
  EXPECT_EQ(tixsync({"jobs", "--nodes", "--provider", provider}).exit_code, 2);
}

}  // namespace
}  // namespace tixsync::testing
