// End to end against the HubSpot-shaped stand-in: `tixsync mock-crm --flavor hubspot` and
// `tixsync run` as real processes, the node configured by a copy of examples/hubspot-batched.toml
// pointing at the stand-in. The sample orders arrive as one contact per e-mail and one ticket
// record per position associated with its order's contact, each exactly once, in far fewer calls
// than objects; a record the stand-in refuses fails only its own order; and the batched and the
// one-request-per-object path (the same file without its batch tables) write the same values;
// three nodes sharing the example's rate through a real redis-server stay under the stand-in's
// quota (no 429) when it counts requests, with every order synced once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/command.hpp"
#include "tests/support/mock_crm_child.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";
const std::string token = "e2e-hubspot-token-5d1c-SECRET";
const std::string tickets_type = "2-12345678";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// The sample orders as JSON, in file order.
std::vector<json> sample_orders() {
  std::vector<json> orders;
  std::istringstream lines(read_text(examples + "/sample-orders.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) orders.push_back(json::parse(line));
  }
  return orders;
}

/// The properties a sync wrote: without the stand-in's own (hs_*, createdate).
json written(json properties) {
  for (const char* own : {"hs_object_id", "createdate", "hs_lastmodifieddate"}) {
    properties.erase(own);
  }
  return properties;
}

/// `dump[type]` by the value of `key` (lower-cased), each record's written properties and the
/// number of its associations.
std::map<std::string, json> by_key(const json& dump, const std::string& type,
                                   const std::string& key) {
  std::map<std::string, json> out;
  for (const auto& record : dump.value(type, json::array())) {
    const auto properties = record["properties"];
    out[lower(properties.value(key, ""))] = {{"properties", written(properties)},
                                             {"associations", record["associations"].size()}};
  }
  return out;
}

/// The ticket id of a position as mapping 2 writes it ("K3ZPA-1"), lower-cased.
std::string ticket_id_of(const json& order, const json& position) {
  return lower(order["code"].get<std::string>() + "-" +
               std::to_string(position["positionid"].get<int>()));
}

/// `count` copies of the first sample order with 2 positions each, every copy with its own code,
/// e-mail address and position ids, as JSON lines.
std::string many_orders(int count) {
  const json sample = sample_orders().front();
  std::string lines;
  for (int i = 1; i <= count; ++i) {
    json order = sample;
    char code[16];
    std::snprintf(code, sizeof code, "PACE%03d", i);
    order["code"] = code;
    order["email"] = "buyer." + std::to_string(i) + "@example.org";
    order["positions"] = json::array();
    for (int j = 1; j <= 2; ++j) {
      json position = sample["positions"][0];
      position["id"] = i * 100 + j;
      position["order"] = code;
      position["positionid"] = j;
      position["attendee_email"] =
          "attendee." + std::to_string(i) + "." + std::to_string(j) + "@example.org";
      order["positions"].push_back(position);
    }
    lines += order.dump() + "\n";
  }
  return lines;
}

/// Replaces every line starting with `key` by `line` (none when the file has no such line).
void replace_lines(std::string& text, const std::string& key, const std::string& line) {
  std::istringstream in(text);
  std::string out;
  std::string current;
  while (std::getline(in, current)) out += (current.rfind(key, 0) == 0 ? line : current) + "\n";
  text = out;
}

class hubspot_batched_run_test : public node_child_test {
 protected:
  void SetUp() override {
    node_child_test::SetUp();
    setenv("HUBSPOT_TOKEN", token.c_str(), 1);  // inherited by both children
  }

  /// The stand-in on a free port requiring the token, with generous quotas (the one-request
  /// path searches once per object) and `extra` options.
  static std::vector<std::string> stand_in_args(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--flavor",
                                  "hubspot",
                                  "--port",
                                  "0",
                                  "--token-env",
                                  "HUBSPOT_TOKEN",
                                  "--rate-limit",
                                  "100000",
                                  "--search-rate-limit",
                                  "100000"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  /// A copy of examples/hubspot-batched.toml pointing at `base_url` (without its batch tables
  /// when `batched` is false), written as `name`.
  std::string write_config(const std::string& base_url, bool batched,
                           const std::string& name) const {
    std::istringstream lines(read_text(examples + "/hubspot-batched.toml"));
    std::string text;
    std::string line;
    bool skipping = false;
    while (std::getline(lines, line)) {
      if (!line.empty() && line[0] == '[') {
        skipping = !batched && line.size() > 7 && line.compare(line.size() - 7, 7, ".batch]") == 0;
      }
      if (!skipping) text += line + "\n";
    }
    auto replace = [&text](const std::string& from, const std::string& to) {
      const auto at = text.find(from);
      if (at != std::string::npos) text.replace(at, from.size(), to);
    };
    replace("https://api.hubapi.com", base_url);
    // A longer linger fills the batches on a busy test machine as well.
    for (auto at = text.find("max_linger = \"50ms\""); at != std::string::npos;
         at = text.find("max_linger = \"50ms\"", at)) {
      text.replace(at, 19, "max_linger = \"300ms\"");
    }
    replace("\"hubspot-mappings.json\"", "\"" + examples + "/hubspot-mappings.json\"");
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  /// A node's copy of the example for the fleet test: the stand-in, the shared Redis, its own
  /// name, no HTTP listener, batches of 10 (so a few orders make many calls) and the example's
  /// rate and burst, where it sets them, sized to the stand-in's 20 requests per 2 s
  /// (2 + 8 x 2 = 18 tokens in any 2 s).
  std::string write_fleet_config(const std::string& base_url, int redis_port, int node) const {
    std::string text = read_text(write_config(base_url, true, "fleet-base.toml"));
    replace_lines(text, "name = \"hubspot-batched-demo\"",
                  "name = \"fleet-" + std::to_string(node) + "\"");
    replace_lines(text, "max_batch = ", "max_batch = 10");
    replace_lines(text, "rate = ", "rate = 8.0");
    replace_lines(text, "burst = ", "burst = 2");
    text += "\n[redis]\nurl = \"redis://127.0.0.1:" + std::to_string(redis_port) +
            "/0\"\nprefix = \"fleet\"\n\n[http]\nenabled = false\n";
    const std::string path = dir_ + "/fleet-" + std::to_string(node) + ".toml";
    std::ofstream(path) << text;
    return path;
  }

  command_result run_node(const std::string& config, const std::string& data) const {
    return run_command({TIXSYNC_BINARY, "run", "--config", config, "--data-dir", dir_ + "/" + data,
                        "--feed", examples + "/sample-orders.jsonl", "--feed-event",
                        examples + "/sample-event.json", "--exit-when-drained"},
                       "", std::chrono::seconds(120));
  }
};

TEST_F(hubspot_batched_run_test, the_sample_orders_arrive_once_associated_in_few_batch_calls) {
  mock_crm_child hubspot(stand_in_args());
  ASSERT_GT(hubspot.port(), 0) << "tixsync mock-crm printed no port";
  const std::string config = write_config(hubspot.url(), true, "hubspot.toml");
  const auto orders = sample_orders();
  ASSERT_EQ(orders.size(), 20u);

  const auto first = run_node(config, "data");
  ASSERT_EQ(first.exit_code, 0) << first.err;

  // Every e-mail of the sample is another one: a contact per order, its tickets associated
  // with it and with no other order's contact.
  const json dump = hubspot.get("/_mock/dump");
  const auto contacts = by_key(dump, "contacts", "email");
  const auto tickets = by_key(dump, tickets_type, "ticket_id");
  std::set<std::string> contact_ids;
  for (const auto& record : dump["contacts"]) contact_ids.insert(record["id"].get<std::string>());
  std::map<std::string, std::set<std::string>> contacts_of_order;
  for (const auto& record : dump[tickets_type]) {
    ASSERT_EQ(record["associations"].size(), 1u) << record.dump();
    const auto& association = record["associations"][0];
    EXPECT_EQ(association["toObjectType"], "contacts");
    EXPECT_EQ(association["typeId"], 25);
    EXPECT_EQ(contact_ids.count(association["toObjectId"].get<std::string>()), 1u);
    contacts_of_order[record["properties"]["order_code"]].insert(
        association["toObjectId"].get<std::string>());
  }
  std::size_t positions = 0;
  std::set<std::string> used_contacts;
  for (const auto& order : orders) {
    for (const auto& position : order["positions"]) {
      ++positions;
      EXPECT_EQ(tickets.count(ticket_id_of(order, position)), 1u);
    }
    const auto& of_order = contacts_of_order[order["code"]];
    ASSERT_EQ(of_order.size(), 1u) << order["code"];
    EXPECT_TRUE(used_contacts.insert(*of_order.begin()).second) << order["code"];
  }
  EXPECT_EQ(contacts.size(), orders.size());
  EXPECT_EQ(tickets.size(), positions);

  const json stats = hubspot.get("/_mock/stats");
  const double objects = static_cast<double>(orders.size() + positions);
  const double calls = stats["requests"]["total"].get<double>();
  EXPECT_EQ(stats["records_written"].get<double>(), objects);
  EXPECT_LT(calls / objects, 0.25) << stats.dump();  // one request per object would be >= 1
  EXPECT_EQ(stats["requests"]["by_kind"]["search"], 0);
  EXPECT_EQ(stats["requests"]["by_kind"]["create"], 0);

  // Again on the same data: read, found equal, nothing written twice.
  const auto second = run_node(config, "data");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json again = hubspot.get("/_mock/stats");
  EXPECT_EQ(again["created"], stats["created"]);
  EXPECT_EQ(again["records_written"], stats["records_written"]);
  EXPECT_EQ(hubspot.get("/_mock/dump")[tickets_type].size(), positions);
  EXPECT_EQ((first.out + first.err + second.out + second.err).find(token), std::string::npos);
}

TEST_F(hubspot_batched_run_test, a_record_the_stand_in_refuses_fails_only_its_own_order) {
  // Only order N9WJB's contact has this company: its upsert fails inside an accepted batch.
  mock_crm_child hubspot(stand_in_args({"--fail-marker", "Harbour Ops Ltd"}));
  ASSERT_GT(hubspot.port(), 0) << "tixsync mock-crm printed no port";
  const auto orders = sample_orders();
  const auto run = run_node(write_config(hubspot.url(), true, "hubspot.toml"), "data");
  EXPECT_NE(run.err.find("batch-record-error"), std::string::npos) << run.err;

  const json dump = hubspot.get("/_mock/dump");
  const auto contacts = by_key(dump, "contacts", "email");
  const auto tickets = by_key(dump, tickets_type, "ticket_id");
  EXPECT_EQ(contacts.count("ops-team@example.net"), 0u);
  std::size_t positions = 0;
  for (const auto& order : orders) {
    const bool refused = order["code"] == "N9WJB";
    for (const auto& position : order["positions"]) {
      EXPECT_EQ(tickets.count(ticket_id_of(order, position)), refused ? 0u : 1u);
      positions += refused ? 0 : 1;
    }
  }
  EXPECT_EQ(contacts.size(), orders.size() - 1);
  EXPECT_EQ(tickets.size(), positions);
  EXPECT_GE(hubspot.get("/_mock/stats")["record_errors"].get<int>(), 1);
}

TEST_F(hubspot_batched_run_test, batched_and_per_object_paths_write_the_same_values) {
  mock_crm_child batched(stand_in_args());
  mock_crm_child single(stand_in_args());
  ASSERT_GT(batched.port(), 0);
  ASSERT_GT(single.port(), 0);
  const auto a = run_node(write_config(batched.url(), true, "batched.toml"), "data-batched");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto b = run_node(write_config(single.url(), false, "single.toml"), "data-single");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const json batched_stats = batched.get("/_mock/stats");
  const json single_stats = single.get("/_mock/stats");
  EXPECT_GT(single_stats["requests"]["by_kind"]["search"], 0);  // really the other path
  EXPECT_EQ(single_stats["requests"]["by_kind"]["batch_upsert"], 0);
  EXPECT_GT(batched_stats["requests"]["by_kind"]["batch_upsert"], 0);

  const json batched_dump = batched.get("/_mock/dump");
  const json single_dump = single.get("/_mock/dump");
  const auto batched_contacts = by_key(batched_dump, "contacts", "email");
  const auto batched_tickets = by_key(batched_dump, tickets_type, "ticket_id");
  ASSERT_EQ(batched_contacts.size(), 20u);
  EXPECT_EQ(batched_contacts, by_key(single_dump, "contacts", "email"));
  EXPECT_EQ(batched_tickets, by_key(single_dump, tickets_type, "ticket_id"));
}

TEST_F(hubspot_batched_run_test,
       three_nodes_sharing_the_rate_stay_under_the_quota_and_sync_each_order_once) {
  // The quota counts requests: 20 per rolling 2 s. Batches of 10 make about 36 calls of 60
  // orders, far more than one window takes.
  mock_crm_child hubspot({"--flavor", "hubspot", "--port", "0", "--token-env", "HUBSPOT_TOKEN",
                          "--rate-limit", "20", "--rate-window-ms", "2000"});
  ASSERT_GT(hubspot.port(), 0) << "tixsync mock-crm printed no port";
  redis_server redis;
  const int orders = 60;
  const std::string orders_file = dir_ + "/orders.jsonl";
  std::ofstream(orders_file) << many_orders(orders);
  std::vector<std::string> configs;
  for (int node = 1; node <= 3; ++node) {
    configs.push_back(write_fleet_config(hubspot.url(), redis.port(), node));
  }
  const auto enqueued =
      run_command({TIXSYNC_BINARY, "enqueue", "--config", configs[0], "--provider", "hubspot",
                   "--event", "nordlicht/ndd25", "--order", orders_file, "--event-file",
                   examples + "/sample-event.json", "--trigger", "order_placed"});
  ASSERT_EQ(enqueued.exit_code, 0) << enqueued.err;

  std::vector<command_result> runs(configs.size());
  std::vector<std::thread> nodes;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    nodes.emplace_back([&, i] {
      runs[i] = run_command({TIXSYNC_BINARY, "run", "--config", configs[i], "--exit-when-drained"},
                            "", std::chrono::seconds(120));
    });
  }
  for (auto& node : nodes) node.join();
  for (const auto& run : runs) EXPECT_EQ(run.exit_code, 0) << run.err;

  const json stats = hubspot.get("/_mock/stats");
  EXPECT_EQ(stats["rate_limited"], 0) << stats.dump();  // the 429s the stand-in answered
  EXPECT_GT(stats["requests"]["total"].get<int>(), 20) << stats.dump();  // more than one window
  const json dump = hubspot.get("/_mock/dump");
  EXPECT_EQ(by_key(dump, "contacts", "email").size(), static_cast<std::size_t>(orders));
  const auto tickets = by_key(dump, tickets_type, "ticket_id");
  EXPECT_EQ(tickets.size(), static_cast<std::size_t>(2 * orders));
  for (const auto& [id, ticket] : tickets) EXPECT_EQ(ticket["associations"], 1u) << id;
  EXPECT_EQ(stats["records_written"].get<int>(), 3 * orders);  // each object written once
}

}  // namespace
}  // namespace tixsync::testing
