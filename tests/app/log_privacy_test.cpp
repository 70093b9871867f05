// The log of a whole run holds no personal data: `tixsync run` syncs the sample orders into
// `tixsync mock-crm` at debug level, in both log formats, while the CRM refuses, fails, rate-limits
// and drops a share of the calls (its refusals quote the values they refuse, as real CRMs do), and
// the test then looks for every e-mail address, name, company, street and phone number of the
// sample orders in everything the node wrote.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/mock_crm_child.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

/// Adds a personal value, and each of its words, when long enough to be told from log text.
void add_personal(std::set<std::string>& values, const json& value) {
  if (!value.is_string()) return;
  const std::string text = value.get<std::string>();
  if (text.size() >= 4) values.insert(text);
  // An e-mail's host may be sent IDNA-encoded; its local part is sent as is.
  const auto at = text.find('@');
  if (at != std::string::npos && at >= 4) values.insert(text.substr(0, at + 1));
  std::istringstream words(text);
  std::string word;
  while (words >> word) {
    if (word.size() >= 4) values.insert(word);
  }
}

void add_name_parts(std::set<std::string>& values, const json& parts) {
  if (!parts.is_object()) return;
  for (const auto& [key, value] : parts.items()) {
    if (key != "_scheme") add_personal(values, value);
  }
}

/// Every e-mail address, name, company, street and phone number in the sample orders.
std::set<std::string> personal_values() {
  std::set<std::string> values;
  std::istringstream lines(read_text(examples + "/sample-orders.jsonl"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    const json order = json::parse(line);
    add_personal(values, order["email"]);
    add_personal(values, order["phone"]);
    if (const auto& address = order["invoice_address"]; address.is_object()) {
      for (const char* key : {"company", "name", "street"}) add_personal(values, address[key]);
      add_name_parts(values, address["name_parts"]);
    }
    for (const auto& position : order["positions"]) {
      for (const char* key : {"attendee_name", "attendee_email", "company", "street"}) {
        add_personal(values, position[key]);
      }
      add_name_parts(values, position["attendee_name_parts"]);
    }
  }
  return values;
}

class log_privacy_test : public node_child_test, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    node_child_test::SetUp();
    setenv("CRM_TOKEN", "log-privacy-crm-token", 1);
    setenv("HOOK_SECRET", "log-privacy-hook-secret", 1);
  }

  /// examples/crm.toml pointed at the mock, logging at debug level in `format`, retrying soon.
  std::string write_config(const std::string& base_url, const std::string& format) const {
    std::string text = read_text(examples + "/crm.toml");
    auto replace = [&text](const std::string& from, const std::string& to) {
      for (auto at = text.find(from); at != std::string::npos;
           at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
      }
    };
    replace("http://127.0.0.1:8089", base_url);
    replace("\"crm-mappings.json\"", "\"" + examples + "/crm-mappings.json\"");
    replace("level = \"info\"", "level = \"debug\"\nformat = \"" + format + "\"");
    replace("base = \"30s\"", "base = \"1s\"");
    const std::string path = dir_ + "/crm.toml";
    std::ofstream(path) << text;
    return path;
  }
};

TEST_P(log_privacy_test, a_whole_run_logs_no_email_address_or_name) {
  mock_crm_child crm;
  ASSERT_GT(crm.port(), 0) << "tixsync mock-crm printed no port";
  const auto faults = fetch("POST", crm.port(), "/_mock/faults",
                            R"({"reject_rate": 0.15, "fail_rate": 0.15, "close_rate": 0.05,
                                 "rate_limit_rate": 0.05, "retry_after": "1"})");
  ASSERT_EQ(faults.status, 200) << faults.body;
  const std::string config = write_config(crm.url(), GetParam());
  const std::vector<std::string> argv{TIXSYNC_BINARY,  "run",
                                      "--config",      config,
                                      "--data-dir",    dir_ + "/data",
                                      "--feed",        examples + "/sample-orders.jsonl",
                                      "--feed-event",  examples + "/sample-event.json",
                                      "--show-synced", "--exit-when-drained"};
  const auto run = run_command(argv, "", std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // The faults were hit and logged: the run went through its error paths.
  const json stats = crm.get("/_mock/stats");
  EXPECT_GT(stats["faults_injected"]["reject"].get<int>(), 0) << stats.dump();
  EXPECT_NE(run.err.find("422"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("503"), std::string::npos) << run.err;
  const std::set<std::string> values = personal_values();
  ASSERT_GT(values.size(), 40u);

  // stdout is what the operator asked for (--show-synced prints the example provider's
  // records, none here); the log is stderr.
  for (const auto& value : values) {
    const auto at = run.err.find(value);
    if (at == std::string::npos) continue;
    const auto begin = run.err.rfind('\n', at);
    const auto line =
        run.err.substr(begin == std::string::npos ? 0 : begin + 1, run.err.find('\n', at) - begin);
    ADD_FAILURE() << "the log names \"" << value << "\": " << line;
  }
}

INSTANTIATE_TEST_SUITE_P(formats, log_privacy_test, ::testing::Values("logfmt", "json"));

}  // namespace
}  // namespace tixsync::testing
