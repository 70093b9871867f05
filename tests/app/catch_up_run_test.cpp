// End to end: `tixsync run` and `tixsync mock-crm` as real processes, pretix a stand-in in this
// process serving the sample event and orders. With [shop] catch_up and a backfill from a date,
// the node's first poll brings every sample order into the CRM; an order pretix reports as
// modified without a change the mappings see is caught up (trigger catch_up) and, with change
// detection on, sends nothing to the CRM, while a real change reaches it. check-config and run
// refuse bad catch-up values naming the key, and warn about a triggers list without catch_up.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/api/node_api_fixture.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/mock_crm_child.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/prometheus_parser.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

const std::string read_token = "catch-up-read-token-SECRET";
const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

std::vector<std::string> sample_orders() {
  std::vector<std::string> out;
  std::istringstream lines(read_text(examples + "/sample-orders.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

class catch_up_run_test : public node_child_test {
 protected:
  void SetUp() override {
    node_child_test::SetUp();
    setenv("CRM_TOKEN", "e2e-crm-token-SECRET", 1);
    setenv("HOOK_SECRET", "e2e-hook-secret-SECRET", 1);
    setenv("PRETIX_TOKEN", api::testing::shop_token.c_str(), 1);
    setenv("READ_TOKEN", read_token.c_str(), 1);
  }

  /// examples/crm.toml (providers crm and hook) against the mock CRM and the stand-in pretix,
  /// catching up every second from 2025 on, both providers with change detection.
  std::string write_config(const std::string& crm_url, const std::string& pretix_url) const {
    std::string text = read_text(examples + "/crm.toml");
    auto replace = [&text](const std::string& from, const std::string& to) {
      for (auto at = text.find(from); at != std::string::npos;
           at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
      }
    };
    replace("http://127.0.0.1:8089", crm_url);
    replace("\"crm-mappings.json\"", "\"" + examples + "/crm-mappings.json\"");
    replace("url = \"https://tickets.nordlicht.example\"",
            "url = \"" + pretix_url +
                "\"\napi_token_env = \"PRETIX_TOKEN\"\ncatch_up = \"1s\"\n"
                "catch_up_from = \"2025-01-01T00:00:00Z\"");
    replace("\ntriggers = [\"*\"]\n", "\ntriggers = [\"*\"]\nchange_detection = true\n");
    replace("\nnative_lists = true\n", "\nnative_lists = true\nchange_detection = true\n");
    const std::string path = dir_ + "/crm.toml";
    std::ofstream(path)
        << text << "\n[http]\nport = 0\nopen_metrics = true\nread_token_env = \"READ_TOKEN\"\n";
    return path;
  }

  /// Calls of the CRM's API (its /_mock routes left out).
  static std::uint64_t crm_calls(const mock_crm_child& crm) {
    std::uint64_t n = 0;
    const json stats = crm.get("/_mock/stats");
    if (!stats.is_object()) return 0;
    for (const auto& [route, count] : stats["requests"]["by_route"].items()) {
      if (route.find("/_mock") == std::string::npos) n += count.get<std::uint64_t>();
    }
    return n;
  }
  static double metric(int port, const std::string& sample) {
    const auto parsed = parse_prometheus_text(fetch("GET", port, "/metrics").body);
    return parsed.ok ? parsed.value(sample) : -1;
  }
};

TEST_F(catch_up_run_test, an_order_caught_up_without_a_change_sends_nothing_to_the_crm) {
  mock_crm_child crm;
  ASSERT_GT(crm.port(), 0) << "tixsync mock-crm printed no port";
  api::testing::fake_pretix pretix(json::parse(read_text(examples + "/sample-event.json")),
                                   sample_orders());
  spawn({TIXSYNC_BINARY, "run", "--config", write_config(crm.url(), pretix.url()), "--data-dir",
         dir_ + "/data"});
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");

  // The backfill: every sample order reaches the CRM through the catch-up.
  const std::string synced = "tixsync_orders_synced_total{provider=crm}";
  ASSERT_TRUE(eventually([&] { return metric(port, synced) == 20; }, std::chrono::seconds(90)))
      << file("stderr");
  EXPECT_EQ(crm.get("/_mock/dump")["order"].size(), 20u);
  const std::uint64_t calls = crm_calls(crm);

  // pretix reports K3ZPA as modified (e.g. an internal comment): caught up, nothing sent.
  pretix.touch_order("K3ZPA", [](json& o) { o["comment"] = "called the customer"; });
  ASSERT_TRUE(eventually([&] { return metric(port, synced) == 21; }, std::chrono::seconds(60)))
      << file("stderr");
  EXPECT_EQ(metric(port, "tixsync_catch_up_orders_enqueued_total{event=nordlicht/ndd25}"), 21);
  EXPECT_GT(metric(port, "tixsync_objects_total{action=unchanged,provider=crm}"), 0);
  EXPECT_EQ(crm_calls(crm), calls);
  const json order = json::parse(fetch("GET", port, "/api/v1/orders/nordlicht/ndd25/K3ZPA", "",
                                       {{"Authorization", "Bearer " + read_token}})
                                     .body,
                                 nullptr, false);
  EXPECT_NE(order.dump().find("\"trigger\":\"catch_up\""), std::string::npos) << order.dump();

  // A change the mappings see does reach the CRM.
  pretix.touch_order("K3ZPA", [](json& o) { o["email"] = "lena.new@example.org"; });
  // The first call may be the lookup: wait for the write that carries the new address.
  ASSERT_TRUE(eventually(
      [&] {
        return crm.get("/_mock/dump").dump().find("lena.new@example.org") != std::string::npos;
      },
      std::chrono::seconds(60)))
      << file("stderr");
  EXPECT_GT(crm_calls(crm), calls);

  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0) << file("stderr");
}

TEST_F(catch_up_run_test, check_config_and_run_refuse_bad_values_and_warn_about_triggers) {
  const std::string head =
      "[shop]\nurl = \"https://pretix.example\"\norganizer = \"nordlicht\"\ncatch_up = \"5m\"\n";
  const std::string provider =
      "[[providers]]\nid = \"crm\"\ntype = \"example\"\n"
      "events = [\"nordlicht/ndd25\"]\nmappings = \"" +
      examples + "/mappings.json\"\n";
  const std::string good = dir_ + "/good.toml";
  std::ofstream(good) << head << provider << "triggers = [\"order_placed\", \"order_paid\"]\n";
  const auto checked = run_command({TIXSYNC_BINARY, "check-config", good});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.err.find("warning: provider crm: its triggers list lacks \"catch_up\""),
            std::string::npos)
      << checked.err;

  const std::string bad = dir_ + "/bad.toml";
  std::ofstream(bad) << head << "catch_up_from = \"yesterday\"\n" << provider;
  for (const auto& argv : {std::vector<std::string>{TIXSYNC_BINARY, "check-config", bad},
                           std::vector<std::string>{TIXSYNC_BINARY, "run", "--config", bad,
                                                    "--data-dir", dir_ + "/data"}}) {
    const auto refused = run_command(argv);
    EXPECT_EQ(refused.exit_code, 1) << argv[1];
    EXPECT_NE((refused.out + refused.err)
                  .find("bad.toml:5:17: shop.catch_up_from: bad datetime 'yesterday'"),
              std::string::npos)
        << argv[1] << ": " << refused.out << refused.err;
  }
}

}  // namespace
}  // namespace tixsync::testing
