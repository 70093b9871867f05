// One result, two paths: every order of a data set synced once through the feed path (`tixsync
// run --feed --feed-event`, node A with its own Redis and mock CRM) and once through pretix's
// webhook followed by the REST fetch from a stand-in pretix (node B with its own Redis and mock
// CRM), with mappings that carry every source field of the event. The evaluated objects
// (`tixsync preview` of the files, and of node B's stored snapshots with --event-id) and the
// CRM contents (objects and webhook deliveries, normalised only for generated ids, the CRM's
// address and delivery times) must be identical. Data sets: the sample event, the shared pretix
// fixtures, and an event series with a given/family name scheme, a check-in list with check-ins,
// vouchers, sub-events and a position cancelled on its own (tests/data/series/README.md).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/mock_crm.hpp"
#include "tests/app/two_paths_support.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

const std::string crm_token = "two-paths-crm-token-SECRET";
const std::string hook_secret = "two-paths-hook-secret-SECRET";
const std::string shop_token = "two-paths-shop-token-SECRET";
const std::string api_token = "two-paths-api-token-SECRET";
const std::string webhook_token = "two-paths-webhook-token-SECRET";

/// A data set, values its CRM records must hold ({type: {key: {field: value}}}, so that both
/// paths agreeing on a wrong value fails too), and the order whose records the test prints from
/// both paths ("" for none).
struct data_set {
  std::string name, event_path, orders_path;
  json expected;
  std::string show;
};

std::ostream& operator<<(std::ostream& out, const data_set& set) {
  return out << set.name;
}

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

/// A mock CRM in this process, with the token and hook secret the nodes use.
std::unique_ptr<app::mock_crm> start_crm() {
  app::mock_crm_options options;
  options.token = crm_token;
  options.hook_secret = hook_secret;
  auto crm = std::make_unique<app::mock_crm>(options);
  crm->start();
  return crm;
}

/// `tixsync preview` output, one JSON line per order, by order code.
std::map<std::string, json> previews(const command_result& result) {
  std::map<std::string, json> out;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) out[json::parse(line)["order"]] = json::parse(line);
  }
  return out;
}

/// One row per field of the records of order `code` (its contact, tickets and order record) as
/// each CRM holds them: field, value by feed, value by webhook.
void print_side_by_side(const std::string& code, const json& by_feed, const json& by_webhook) {
  std::cout << "order " << code << " in the CRM, by feed (node A) | by webhook + fetch (node B)\n";
  for (const char* type : {"contact", "ticket", "order"}) {
    for (const auto& [key, record] : by_feed[type].items()) {
      if (record.value("order_code", "") != code && key.find(code) == std::string::npos) continue;
      std::cout << type << " " << key << "\n";
      for (const auto& [field, value] : record.items()) {
        const json other = by_webhook[type][key].value(field, json("(missing)"));
        std::printf("  %-34s %-44s %s\n", field.c_str(), value.dump().c_str(),
                    other.dump().c_str());
      }
    }
  }
  std::cout << std::flush;
}

class two_paths_test : public node_child_test, public ::testing::WithParamInterface<data_set> {
 protected:
  void SetUp() override {
    node_child_test::SetUp();
    // Inherited by the nodes; never on a command line or in a config.
    setenv("TWO_PATHS_CRM_TOKEN", crm_token.c_str(), 1);
    setenv("TWO_PATHS_HOOK_SECRET", hook_secret.c_str(), 1);
    setenv("TWO_PATHS_SHOP_TOKEN", shop_token.c_str(), 1);
    setenv("TWO_PATHS_API_TOKEN", api_token.c_str(), 1);
    setenv("TWO_PATHS_WEBHOOK_TOKEN", webhook_token.c_str(), 1);
    mappings_path_ = dir_ + "/mappings.json";
    std::ofstream(mappings_path_) << mappings_for_event(GetParam().event_path).dump(2);
  }

  std::string write_config(const node_setup& setup) {
    const std::string path = dir_ + "/" + setup.name + ".toml";
    std::ofstream(path) << node_config(setup);
    return path;
  }

  /// Node A: the data set's orders fed with its event bundle, until the queue is drained.
  void sync_by_feed(const std::string& shop_url) {
    node_setup setup{"feed-node", redis_a_.port(), crm_a_->url(), shop_url, mappings_path_};
    const auto run = run_command(
        {TIXSYNC_BINARY, "run", "--config", write_config(setup), "--feed", GetParam().orders_path,
         "--feed-event", GetParam().event_path, "--exit-when-drained"},
        "", std::chrono::seconds(120));
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }

  /// pretix's webhook for `code` to node B, delivered again while the answer is not 2xx (as
  /// pretix retries, bounded here); the last answer.
  fetch_response deliver(int port, const std::string& code, int& retries) {
    ++notification_;
    const json body = {{"notification_id", notification_},
                       {"organizer", "nordlicht"},
                       {"event", shop_->slug()},
                       {"code", code},
                       {"action", "pretix.event.order.placed"}};
    fetch_response r;
    for (int attempt = 0; attempt < 20; ++attempt) {
      r = fetch("POST", port, "/webhooks/pretix?token=" + webhook_token, body.dump(),
                {{"Content-Type", "application/json"}});
      if (r.status >= 200 && r.status < 300) return r;
      ++retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return r;
  }

  /// Starts node B; its HTTP port, or -1.
  int start_webhook_node() {
    node_setup setup{"webhook-node", redis_b_.port(), crm_b_->url(),
                     shop_->url(),   mappings_path_,  true};
    spawn({TIXSYNC_BINARY, "run", "--config", write_config(setup)});
    const int port = dashboard_port();
    if (port < 0) return -1;
    return eventually([&] { return fetch("GET", port, "/readyz").status == 200; }) ? port : -1;
  }

  /// Until node B has nothing queued for either provider (synced, and nothing parked).
  void wait_drained(int port) {
    for (const std::string provider : {"crm", "hook"}) {
      EXPECT_TRUE(eventually(
          [&] {
            const auto counts =
                json::parse(fetch("GET", port, "/api/v1/jobs/counts?provider=" + provider, "",
                                  {{"Authorization", "Bearer " + api_token}})
                                .body,
                            nullptr, false);
            return counts.is_object() && counts["total"] == 0;
          },
          std::chrono::seconds(60)))
          << provider << "\n"
          << file("stderr");
    }
  }

  /// Stops node B; its output moves to "stderr.stopped", so a restart's port is read anew.
  void stop_webhook_node() {
    ASSERT_EQ(kill(child_, SIGTERM), 0);
    EXPECT_EQ(wait_child(), 0) << file("stderr");
    std::rename((dir_ + "/stderr").c_str(), (dir_ + "/stderr.stopped").c_str());
  }

  /// Node B: a webhook for every order (and one pretix does not know), with a restart of the
  /// node halfway (a deploy during a sale: its cached event data is gone), then every stored
  /// order re-synced from its snapshot, as `tixsync resync` does after a mapping change.
  void sync_by_webhook() {
    int port = start_webhook_node();
    ASSERT_GT(port, 0) << file("stderr");
    int retries = 0;
    const auto& codes = shop_->codes();
    for (std::size_t i = 0; i < codes.size(); ++i) {
      if (i == codes.size() / 2) {
        wait_drained(port);
        stop_webhook_node();
        port = start_webhook_node();
        ASSERT_GT(port, 0) << file("stderr");
      }
      const auto r = deliver(port, codes[i], retries);
      ASSERT_EQ(r.status, 200) << codes[i] << ": " << r.body << "\n" << file("stderr");
    }
    const auto unknown = deliver(port, "NOSUCH", retries);
    EXPECT_EQ(unknown.status, 200) << unknown.body;
    EXPECT_NE(unknown.body.find("order not found"), std::string::npos) << unknown.body;
    // The 429 on the way made pretix deliver one webhook again.
    EXPECT_GE(retries, 1);
    EXPECT_EQ(shop_->throttled(), 1);
    EXPECT_GE(shop_->slowed(), 1);
    wait_drained(port);
    const auto resync = run_tixsync({"resync", "--provider", "crm", "--event",
                                     "nordlicht/" + shop_->slug(), "--redis", redis_b_url()});
    EXPECT_EQ(resync.exit_code, 0) << resync.err;
    wait_drained(port);
    stop_webhook_node();
  }

  std::string redis_b_url() const {
    return "redis://127.0.0.1:" + std::to_string(redis_b_.port()) + "/0";
  }

  redis_server redis_a_, redis_b_;
  std::unique_ptr<app::mock_crm> crm_a_ = start_crm(), crm_b_ = start_crm();
  std::unique_ptr<pretix_shop> shop_ =
      std::make_unique<pretix_shop>(GetParam().event_path, GetParam().orders_path, shop_token);
  std::string mappings_path_;
  std::int64_t notification_ = 0;
};

TEST_P(two_paths_test, every_order_syncs_identically_by_feed_and_by_webhook) {
  sync_by_feed(shop_->url());
  sync_by_webhook();
  if (HasFatalFailure()) return;

  // (a) The evaluated objects: the files the feed read, against what node B stored.
  const std::vector<std::string> flags = {"--mappings", mappings_path_, "--shop-url", shop_->url()};
  auto by_files = flags, by_snapshots = flags;
  by_files.insert(by_files.begin(),
                  {"preview", "--event", GetParam().event_path, "--order", GetParam().orders_path});
  by_snapshots.insert(by_snapshots.begin(), {"preview", "--event-id", "nordlicht/" + shop_->slug(),
                                             "--redis", redis_b_url()});
  const auto fed = run_tixsync(by_files), stored = run_tixsync(by_snapshots);
  ASSERT_EQ(fed.exit_code, 0) << fed.err;
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  const auto fed_previews = previews(fed), stored_previews = previews(stored);
  EXPECT_EQ(fed_previews.size(), shop_->codes().size());
  for (const auto& [code, preview] : fed_previews) {
    EXPECT_EQ(stored_previews.count(code) ? stored_previews.at(code) : json(), preview) << code;
  }
  EXPECT_EQ(stored_previews.size(), fed_previews.size());

  // (b) The CRM contents.
  const json crm_a = normalised_crm(crm_a_->dump(), crm_a_->hooks(), crm_a_->url());
  const json crm_b = normalised_crm(crm_b_->dump(), crm_b_->hooks(), crm_b_->url());
  EXPECT_EQ(crm_a["order"].size(), shop_->codes().size()) << crm_a.dump(1);
  EXPECT_FALSE(crm_a["ticket"].empty());
  EXPECT_FALSE(crm_a["hooks"].empty());
  for (const char* part : {"contact", "ticket", "order", "hooks"}) {
    EXPECT_EQ(crm_b[part], crm_a[part]) << part;
  }
  for (const auto& [type, records] : GetParam().expected.items()) {
    for (const auto& [key, fields] : records.items()) {
      for (const auto& [field, value] : fields.items()) {
        EXPECT_EQ(crm_b[type][key].value(field, json("(missing)")), value)
            << type << " " << key << " " << field;
      }
    }
  }
  if (!GetParam().show.empty()) print_side_by_side(GetParam().show, crm_a, crm_b);
}

/// The consequences in the shared fixtures (and the sample, a copy of them): the given/family
/// scheme, a check-in date, a voucher code, a position cancelled on its own and its order.
const json fixture_values = {
    {"ticket",
     {{"U7JCV-2", {{"ticket_status", "canceled"}, {"attendee_name_given_name", "Paul"}}},
      {"S9GMT-1", {{"checkin_date_501", "2025-09-18T11:15:00+00:00"}}},
      {"R8FNS-1", {{"voucher_code", "SPEAKER25"}}},
      {"K3ZPA-1", {{"question_TOPICS", "T-CPP,T-NET"}, {"question_NEWSLETTER", true}}},
      {"E9UNF-1", {{"attendee_name", "Leo Hartmann"}, {"attendee_name_given_name", ""}}}}},
    {"order", {{"NDD25-U7JCV", {{"tickets", {"U7JCV-1", "U7JCV-2"}}, {"order_status", "paid"}}}}}};

/// The same in the event series (tests/data/series/README.md), with sub-event dates.
const json series_values = {
    {"ticket",
     {{"HB4RG-1",
       {{"attendee_name_given_name", "Anna"},
        {"attendee_name_family_name", "von Berg"},
        {"voucher_code", "CREW26"},
        {"checkin_date_551", "2026-03-14T20:55:00+00:00"},
        {"event_date_from", "2026-03-14T18:00:00+00:00"}}},
      {"HB4RG-2", {{"ticket_status", "canceled"}, {"attendee_name_family_name", "van der Meer"}}},
      {"BX7LN-1", {{"event_date_from", "2026-03-21T18:30:00+00:00"}, {"event_date_to", nullptr}}},
      // A name stored as `_legacy` has no part of the event's scheme: "" (pretix reads parts).
      {"KC9PT-1", {{"voucher_code", "PRESS26"}, {"attendee_name_family_name", ""}}}}},
    {"order", {{"NDT26-HB4RG", {{"tickets", {"HB4RG-1", "HB4RG-2", "HB4RG-3"}}}}}},
    {"contact", {{"anna@von-berg.example", {{"invoice_address_name_family_name", "von Berg"}}}}}};

INSTANTIATE_TEST_SUITE_P(
    data_sets, two_paths_test,
    ::testing::Values(data_set{"sample", examples + "/sample-event.json",
                               examples + "/sample-orders.jsonl", fixture_values, ""},
                      data_set{"fixtures", test_data_path("event.json"),
                               test_data_path("orders.jsonl"), fixture_values, ""},
                      data_set{"series", test_data_path("series/event.json"),
                               test_data_path("series/orders.jsonl"), series_values, "HB4RG"}),
    [](const ::testing::TestParamInfo<data_set>& info) { return info.param.name; });

TEST(preview_of_stored_snapshots, says_what_is_missing_or_wrong_and_exits_accordingly) {
  redis_server redis;
  const std::string url = "redis://127.0.0.1:" + std::to_string(redis.port()) + "/0";
  const std::string mappings = examples + "/crm-mappings.json";
  auto preview = [&](std::vector<std::string> more) {
    std::vector<std::string> args{"preview", "--mappings", mappings};
    args.insert(args.end(), more.begin(), more.end());
    return run_tixsync(args);
  };
  auto r = preview({"--event-id", "nordlicht/ndd25", "--redis", url});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("holds no snapshot of event nordlicht/ndd25"), std::string::npos) << r.err;
  r = preview({"--event-id", "nordlicht", "--redis", url});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("expected organizer/event"), std::string::npos) << r.err;
  r = preview({"--event-id", "nordlicht/ndd25", "--code", "a b", "--redis", url});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  r = preview({"--event-id", "nordlicht/ndd25"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = preview({"--event-id", "nordlicht/ndd25", "--event", examples + "/sample-event.json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;

  // The event and its orders stored, as `enqueue --event-file` stores them.
  const auto stored = run_tixsync({"enqueue", "--provider", "crm", "--event", "nordlicht/ndd25",
                                   "--order", test_data_path("orders.jsonl"), "--event-file",
                                   test_data_path("event.json"), "--redis", url});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  r = preview({"--event-id", "nordlicht/ndd25", "--code", "K3ZPA", "--redis", url});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["order"], "K3ZPA");
  r = preview({"--event-id", "nordlicht/ndd25", "--code", "NOSUCH", "--redis", url});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("no snapshot of order NOSUCH"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace tixsync::testing
