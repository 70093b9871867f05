// End to end against the mock CRM: `tixsync mock-crm` and `tixsync run` as real processes, the
// node configured by a copy of examples/crm.toml pointing at the mock's port. The sample orders
// end up in the CRM as one contact per e-mail, one ticket per position and one order per order,
// linked to each other, with one verified signed webhook per order; a second run on the same data
// dir syncs again without creating duplicates. A node left running reports its HTTP clients'
// connections to the CRM on /metrics. Providers with [providers.orders] filters leave the orders
// they do not sync without a call to the CRM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/mock_crm_child.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/prometheus_parser.hpp"
#include "tests/support/test_data.hpp"
#include "tests/support/webhook_signature.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";
const std::string crm_token = "e2e-crm-token-81f2-SECRET";
const std::string hook_secret = "e2e-hook-secret-09c3-SECRET";

std::string expected_signature(const std::string& timestamp, const std::string& body) {
  return tixsync::testing::expected_webhook_signature(hook_secret, timestamp, body);
}

/// The sample orders: how many, distinct e-mails, positions.
struct sample_counts {
  std::size_t orders = 0;
  std::size_t emails = 0;
  std::size_t positions = 0;
};

sample_counts count_sample() {
  sample_counts counts;
  std::set<std::string> emails;
  std::istringstream lines(read_text(examples + "/sample-orders.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const json order = json::parse(line);
    ++counts.orders;
    std::string email = order["email"];
    std::transform(email.begin(), email.end(), email.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    emails.insert(email);
    counts.positions += order["positions"].size();
  }
  counts.emails = emails.size();
  return counts;
}

class crm_run_test : public node_child_test {
 protected:
  void SetUp() override {
    node_child_test::SetUp();
    // Inherited by every child; never on a command line or in the config.
    setenv("CRM_TOKEN", crm_token.c_str(), 1);
    setenv("HOOK_SECRET", hook_secret.c_str(), 1);
  }

  /// A copy of examples/crm.toml whose URLs point at `base_url`, with `extra` appended.
  std::string write_config(const std::string& base_url, const std::string& extra = "") const {
    std::string text = read_text(examples + "/crm.toml");
    auto replace_all = [&text](const std::string& from, const std::string& to) {
      for (auto at = text.find(from); at != std::string::npos;
           at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
      }
    };
    replace_all("http://127.0.0.1:8089", base_url);
    replace_all("\"crm-mappings.json\"", "\"" + examples + "/crm-mappings.json\"");
    const std::string path = dir_ + "/crm.toml";
    std::ofstream(path) << text << extra;
    return path;
  }

  /// `tixsync run` with the sample orders as its feed: the arguments, without the exit.
  std::vector<std::string> node_command(const std::string& config) const {
    return {TIXSYNC_BINARY, "run",
            "--config",     config,
            "--data-dir",   dir_ + "/data",
            "--feed",       examples + "/sample-orders.jsonl",
            "--feed-event", examples + "/sample-event.json"};
  }

  command_result run_node(const std::string& config) const {
    auto argv = node_command(config);
    argv.push_back("--exit-when-drained");
    return run_command(argv, "", std::chrono::seconds(120));
  }
};

TEST_F(crm_run_test, the_sample_orders_reach_the_crm_linked_and_signed_and_a_rerun_adds_nothing) {
  mock_crm_child crm;
  ASSERT_GT(crm.port(), 0) << "tixsync mock-crm printed no port";
  const std::string config = write_config(crm.url());
  const sample_counts sample = count_sample();
  ASSERT_EQ(sample.orders, 20u);

  const auto first = run_node(config);
  ASSERT_EQ(first.exit_code, 0) << first.err;

  const json dump = crm.get("/_mock/dump");
  ASSERT_TRUE(dump.is_object()) << dump.dump();
  EXPECT_EQ(dump["contact"].size(), sample.emails);
  EXPECT_EQ(dump["ticket"].size(), sample.positions);
  ASSERT_EQ(dump["order"].size(), sample.orders);
  std::set<std::string> contact_ids;
  for (const auto& contact : dump["contact"]) contact_ids.insert(contact["id"].get<std::string>());
  std::set<std::string> ticket_ids;
  for (const auto& ticket : dump["ticket"]) {
    ticket_ids.insert(ticket["id"].get<std::string>());
    EXPECT_EQ(contact_ids.count(ticket.value("contact", "")), 1u) << ticket.dump();
  }
  std::size_t linked_tickets = 0;
  for (const auto& order : dump["order"]) {
    EXPECT_EQ(contact_ids.count(order.value("contact", "")), 1u) << order.dump();
    std::istringstream ids(order.value("tickets", ""));
    std::string id;
    while (std::getline(ids, id, ',')) {
      EXPECT_EQ(ticket_ids.count(id), 1u) << order.dump();
      EXPECT_NE(order.value("ticket_links", "").find(crm.url() + "/api/ticket/" + id),
                std::string::npos);
      ++linked_tickets;
    }
  }
  EXPECT_EQ(linked_tickets, sample.positions);

  const json hooks = crm.get("/_mock/hooks")["hooks"];
  ASSERT_EQ(hooks.size(), sample.orders);
  std::set<std::string> hooked_orders;
  for (const auto& hook : hooks) {
    const std::string body = hook["body"];
    EXPECT_EQ(hook["headers"].value("x-tixsync-signature", ""),
              expected_signature(hook["headers"].value("x-tixsync-timestamp", ""), body));
    hooked_orders.insert(hook["json"]["order_code"].get<std::string>());
  }
  EXPECT_EQ(hooked_orders.size(), sample.orders);
  EXPECT_EQ(crm.get("/_mock/stats")["hooks_refused"], 0);

  // A second run on the same data dir: the orders are synced again, nothing is duplicated.
  const json created_before = crm.get("/_mock/stats")["created"];
  const auto second = run_node(config);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json again = crm.get("/_mock/dump");
  EXPECT_EQ(again["contact"].size(), sample.emails);
  EXPECT_EQ(again["ticket"].size(), sample.positions);
  EXPECT_EQ(again["order"].size(), sample.orders);
  EXPECT_EQ(crm.get("/_mock/stats")["created"], created_before);

  // Neither secret reached the node's output or anything the CRM kept.
  const std::string everything = first.out + first.err + second.out + second.err + again.dump() +
                                 crm.get("/_mock/hooks").dump() + read_text(config);
  EXPECT_EQ(everything.find(crm_token), std::string::npos);
  EXPECT_EQ(everything.find(hook_secret), std::string::npos);
}

TEST_F(crm_run_test, a_running_node_reports_its_connections_to_the_crm_on_metrics) {
  mock_crm_child crm;
  ASSERT_GT(crm.port(), 0) << "tixsync mock-crm printed no port";
  spawn(node_command(write_config(crm.url(), "\n[http]\nport = 0\nopen_metrics = true\n")));
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  // Every sample order in the CRM and every order's webhook delivered.
  ASSERT_TRUE(eventually([&] {
    const json dump = crm.get("/_mock/dump");
    const json hooks = crm.get("/_mock/hooks");
    // (operator[] of a const json must only be given keys that are there.)
    return dump.is_object() && dump.contains("order") && dump["order"].size() == 20u &&
           hooks.is_object() && hooks.contains("hooks") && hooks["hooks"].size() == 20u;
  })) << file("stderr");

  const auto metrics = parse_prometheus_text(fetch("GET", port, "/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_EQ(metrics.types.at("tixsync_http_connections"), "gauge");
  EXPECT_EQ(metrics.types.at("tixsync_http_waiting_requests"), "gauge");
  for (const std::string provider : {"crm", "hook"}) {
    EXPECT_GT(metrics.value("tixsync_http_requests_total{outcome=2xx,provider=" + provider + "}"),
              0)
        << provider;
    // The keep-alive connections stay open, idle (the HTTP client closes them after 30 s), and
    // nothing waits for one.
    EXPECT_GE(metrics.value("tixsync_http_connections{provider=" + provider + "}"), 1) << provider;
    EXPECT_EQ(metrics.value("tixsync_http_waiting_requests{provider=" + provider + "}"), 0)
        << provider;
  }
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

/// The sample orders with a test-mode order (K3ZPA), one of another sales channel (L7QXM) and
/// one awaiting approval (M8HTR); T3HBU, W9LEX and A9QJB stay pending.
std::string write_filtered_orders(const std::string& dir) {
  std::istringstream lines(read_text(examples + "/sample-orders.jsonl"));
  std::ofstream out(dir + "/orders.jsonl");
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    json order = json::parse(line);
    if (order["code"] == "K3ZPA") order["testmode"] = true;
    if (order["code"] == "L7QXM") order["sales_channel"] = "resellers";
    if (order["code"] == "M8HTR") order["require_approval"] = true;
    out << order.dump() << "\n";
  }
  return dir + "/orders.jsonl";
}

/// The order codes in the CRM's orders and webhook deliveries.
std::pair<std::multiset<std::string>, std::multiset<std::string>> crm_codes(
    const mock_crm_child& crm) {
  std::multiset<std::string> orders, hooked;
  const json dump = crm.get("/_mock/dump");
  const json hooks = crm.get("/_mock/hooks");
  if (dump.is_object() && dump.contains("order")) {
    for (const auto& o : dump["order"]) orders.insert(o.value("code", ""));
  }
  if (hooks.is_object() && hooks.contains("hooks")) {
    for (const auto& h : hooks["hooks"]) {
      hooked.insert(h.value("json", json::object()).value("order_code", ""));
    }
  }
  return {orders, hooked};
}

TEST_F(crm_run_test, orders_the_providers_filter_out_leave_the_queue_without_a_call) {
  mock_crm_child crm;
  ASSERT_GT(crm.port(), 0) << "tixsync mock-crm printed no port";
  // The REST provider syncs paid, expired and canceled orders; the webhook provider every
  // status. Neither syncs test-mode orders, other sales channels or orders awaiting approval.
  std::string config = write_config(crm.url(), R"(
[providers.orders]
test_mode = false
sales_channels = ["web"]
awaiting_approval = false

[http]
port = 0
api_token_env = "FILTER_API_TOKEN"
open_metrics = true
)");
  std::string text = read_text(config);
  text.replace(text.find("[providers.retry]"), 0,
               "[providers.orders]\nstatuses = [\"p\", \"e\", \"c\"]\ntest_mode = false\n"
               "sales_channels = [\"web\"]\nawaiting_approval = false\n\n");
  std::ofstream(config) << text;
  setenv("FILTER_API_TOKEN", "filter-api-token", 1);
  const auto checked = run_command({TIXSYNC_BINARY, "check-config", config});
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;

  auto argv = node_command(config);
  argv[std::find(argv.begin(), argv.end(), "--feed") - argv.begin() + 1] =
      write_filtered_orders(dir_);
  spawn(argv);
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  // 20 orders per provider: the REST provider skips 6 (the 4 pending ones, the test-mode and the
  // reseller order), the webhook provider 3; the others sync.
  auto skipped = [&] {
    const auto metrics = parse_prometheus_text(fetch("GET", port, "/metrics").body);
    return metrics.value("tixsync_node_orders_skipped_total{node=crm-demo}");
  };
  ASSERT_TRUE(eventually(
      [&] {
        auto [orders, hooked] = crm_codes(crm);
        return orders.size() == 14u && hooked.size() == 17u && skipped() == 9;
      },
      std::chrono::seconds(60)))
      << file("stderr");
  auto [orders, hooked] = crm_codes(crm);
  for (const std::string code : {"K3ZPA", "L7QXM", "M8HTR", "T3HBU", "W9LEX", "A9QJB"}) {
    EXPECT_EQ(orders.count("NDD25-" + code), 0u) << code;
  }
  for (const std::string code : {"K3ZPA", "L7QXM", "M8HTR"}) EXPECT_EQ(hooked.count(code), 0u);
  EXPECT_EQ(hooked.count("T3HBU"), 1u);
  EXPECT_EQ(orders.count("NDD25-B3RKC"), 1u);
  // Filtered orders left the queue (no item waits) without a stored result.
  auto left_queue_unsynced = [&](const std::string& code, const std::string& provider) {
    const json lookup = json::parse(
        fetch("GET", port, "/api/v1/orders/nordlicht/ndd25/" + code, "",
              {{"Authorization", "Bearer " + std::string(std::getenv("FILTER_API_TOKEN"))}})
            .body,
        nullptr, false);
    if (!lookup.is_object() || !lookup.contains("providers")) return false;
    for (const auto& p : lookup["providers"]) {
      if (p.value("provider", "") == provider) {
        return p.value("items", json::array()).empty() && p.value("results", json::array()).empty();
      }
    }
    return false;
  };
  for (const std::string code : {"K3ZPA", "L7QXM", "M8HTR"}) {
    EXPECT_TRUE(left_queue_unsynced(code, "crm")) << code;
    EXPECT_TRUE(left_queue_unsynced(code, "hook")) << code;
  }
  EXPECT_TRUE(left_queue_unsynced("T3HBU", "crm"));
  EXPECT_FALSE(left_queue_unsynced("T3HBU", "hook"));

  // T3HBU, skipped while pending, is paid now: enqueued again, both providers sync it.
  std::istringstream lines(read_text(examples + "/sample-orders.jsonl"));
  std::string line;
  json paid;
  while (std::getline(lines, line) && paid.is_null()) {
    if (line.find("\"T3HBU\"") != std::string::npos) paid = json::parse(line);
  }
  paid["status"] = "p";
  const auto posted =
      fetch("POST", port, "/api/v1/events/nordlicht/ndd25/orders?trigger=order_paid", paid.dump(),
            {{"Content-Type", "application/json"}, {"Authorization", "Bearer filter-api-token"}});
  ASSERT_EQ(posted.status, 202) << posted.body;
  EXPECT_TRUE(eventually([&] {
    auto [orders, hooked] = crm_codes(crm);
    return orders.count("NDD25-T3HBU") == 1 && hooked.count("T3HBU") == 2;
  })) << file("stderr");
  EXPECT_EQ(skipped(), 9);
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

}  // namespace
}  // namespace tixsync::testing
