// Tests of `tixsync check-config` and of the queue commands driven by --config: problems with
// locations and exit 1, --json, the --event catalogue check, and that a secret named in the
// config never appears in any output.
#include <cstdlib>

#include "tests/app/queue_cli_fixture.hpp"
#include "tests/support/redis_contents.hpp"

namespace tixsync::testing {
namespace {

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

/// A config for the suite's Redis with provider "crm" and the example mappings.
std::string config_text(int port, const std::string& extra_redis = "") {
  return "[redis]\nurl = \"redis://127.0.0.1:" + std::to_string(port) + "/0\"\nprefix = \"cli\"\n" +
         extra_redis + "\n[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \"" +
         examples + "/mappings.json\"\n";
}

TEST(check_config, ExampleConfigIsOk) {
  auto r = run_tixsync({"check-config", examples + "/tixsync.toml"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok (1 providers, 2 mappings"), std::string::npos) << r.out;
  auto with_event = run_tixsync(
      {"check-config", examples + "/tixsync.toml", "--event", examples + "/sample-event.json"});
  EXPECT_EQ(with_event.exit_code, 0) << with_event.out << with_event.err;
}

TEST(check_config, EveryProblemWithItsLocation) {
  temp_file config("[node]\nlease = \"soon\"\nconcurency = 3\n[http]\nport = 70000\n", ".toml");
  auto r = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(config.path() + ":2:9: node.lease: bad duration"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(config.path() + ":3:1: node.concurency: unknown key (did you mean "
                                       "'concurrency'?)"),
            std::string::npos);
  EXPECT_NE(r.out.find(config.path() + ":5:8: http.port: out of range"), std::string::npos);
  EXPECT_NE(r.err.find("3 problem(s)"), std::string::npos) << r.err;
  auto json = run_tixsync({"check-config", config.path(), "--json"});
  EXPECT_EQ(json.exit_code, 1);
  auto doc = nlohmann::json::parse(json.out);
  EXPECT_FALSE(doc["ok"]);
  ASSERT_EQ(doc["problems"].size(), 3u);
  EXPECT_EQ(doc["problems"][0]["line"], 2);
  EXPECT_EQ(doc["problems"][0]["column"], 9);
  EXPECT_EQ(doc["problems"][0]["key"], "node.lease");
}

TEST(check_config, EventCatalogueCheckFindsUnknownFields) {
  temp_file mappings(R"([{"id": 1, "pretix_model": "Order", "external_object_type": "C",
    "pretix_id_field": "email", "external_id_field": "email", "property_mappings": [
    {"pretix_field": "shoe_size", "external_field": "s", "value_map": "", "overwrite": "overwrite"}]}])",
                     ".json");
  temp_file config(
      "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \"" + mappings.path() + "\"\n",
      ".toml");
  // No event can have shoe_size: refused without --event too (mapping_fields_cli_test.cpp).
  auto without_event = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(without_event.exit_code, 1);
  EXPECT_NE(without_event.out.find("'shoe_size' is no pretix field of any event"),
            std::string::npos)
      << without_event.out;
  auto r = run_tixsync({"check-config", config.path(), "--event", test_data_path("event.json")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find(config.path() + ":4:12: providers[0].mappings: "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("shoe_size"), std::string::npos) << r.out;
}

TEST_F(queue_cli, CommandsReadTheRedisFromTheConfig) {
  temp_file config(config_text(server().port()), ".toml");
  temp_file order(order_line(0));
  auto r = run_tixsync({"enqueue", "--config", config.path(), "--provider", "crm", "--event", event,
                        "--order", order.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(queue().count(provider, now())->total(), 1);
  auto unknown = run_tixsync({"enqueue", "--config", config.path(), "--provider", "erp", "--event",
                              event, "--code", "K3ZPA"});
  EXPECT_EQ(unknown.exit_code, 1);
  temp_file embedded("[node]\nname = \"a\"\n", ".toml");
  EXPECT_EQ(run_tixsync({"jobs", "--config", embedded.path(), "--provider", "crm"}).exit_code, 2);
}

TEST_F(queue_cli, SecretFromTheEnvironmentIsNeverPrinted) {
  const std::string value = "sekret-value-4711";
  ::setenv("TIXSYNC_CLI_TEST_PASSWORD", value.c_str(), 1);
  temp_file config(config_text(server().port(), "password_env = \"TIXSYNC_CLI_TEST_PASSWORD\"\n"),
                   ".toml");
  // The test server has no password, so AUTH is refused: the error must not echo the secret.
  auto r = run_tixsync({"jobs", "--config", config.path(), "--provider", "crm"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out.find(value), std::string::npos);
  EXPECT_EQ(r.err.find(value), std::string::npos) << r.err;
  auto check = run_tixsync({"check-config", config.path(), "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.out;
  EXPECT_EQ(check.out.find(value), std::string::npos);
  ::unsetenv("TIXSYNC_CLI_TEST_PASSWORD");
  auto missing = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.out.find("TIXSYNC_CLI_TEST_PASSWORD is not set"), std::string::npos);
}

TEST_F(queue_cli, ForgetErasesAnOrderOnceItsSyncEnded) {
  temp_file config(config_text(server().port()), ".toml");
  temp_file order(order_line(0));  // K3ZPA, lena.fischer@example.org
  ASSERT_EQ(run_tixsync({"enqueue", "--config", config.path(), "--provider", "crm", "--event",
                         event, "--order", order.path()})
                .exit_code,
            0);
  const std::vector<std::string> forget = {"forget", "--config", config.path(), "--event",
                                           event,    "--order",  "K3ZPA"};
  auto queued = run_tixsync(forget);
  EXPECT_EQ(queued.exit_code, 5) << queued.err;
  EXPECT_NE(queued.err.find("queued for crm"), std::string::npos) << queued.err;
  park_all(persistence::park_state::permanent, "HTTP 422: lena.fischer@example.org");
  auto done = run_tixsync(forget);
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_NE(done.out.find("forgot order K3ZPA of nordlicht/ndd25: crm; the order snapshot"),
            std::string::npos)
      << done.out;
  EXPECT_EQ(keys_mentioning(connection(), "lena.fischer@example.org"), std::vector<std::string>{});
  EXPECT_EQ(keys_mentioning(connection(), "K3ZPA"), std::vector<std::string>{});
  EXPECT_EQ(run_tixsync(forget).exit_code, 4);
  EXPECT_EQ(
      run_tixsync({"forget", "--config", config.path(), "--event", event, "--order", "bad code"})
          .exit_code,
      1);
}

}  // namespace
}  // namespace tixsync::testing
