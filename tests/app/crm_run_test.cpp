// End to end against the mock CRM: `tixsync mock-crm` and `tixsync run` as real processes, the
// node configured by a copy of examples/crm.toml pointing at the mock's port. The sample orders
// end up in the CRM as one contact per e-mail, one ticket per position and one order per order,
// linked to each other, with one verified signed webhook per order; a second run on the same data
// dir syncs again without creating duplicates. A node left running reports its HTTP clients'
// connections to the CRM on /metrics.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";
const std::string crm_token = "e2e-crm-token-81f2-SECRET";
const std::string hook_secret = "e2e-hook-secret-09c3-SECRET";

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// `tixsync mock-crm --port 0 --token-env CRM_TOKEN --hook-secret-env HOOK_SECRET` as a child
/// (it refuses webhook deliveries whose signature it cannot verify); its port read from the first
/// line of its stdout. Stopped by PID (SIGTERM, then SIGKILL) when the test ends.
class mock_crm_child {
 public:
  mock_crm_child() {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      std::vector<std::string> argv{
          TIXSYNC_BINARY, "mock-crm",          "--port",     "0", "--token-env",
          "CRM_TOKEN",    "--hook-secret-env", "HOOK_SECRET"};
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execv(raw[0], raw.data());
      _exit(127);
    }
    close(out[1]);
    out_ = out[0];
    const std::string line = first_line();
    const std::string prefix = "mock-crm listening on http://127.0.0.1:";
    if (line.rfind(prefix, 0) == 0) port_ = std::stoi(line.substr(prefix.size()));
  }
  ~mock_crm_child() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 1000 && waitpid(pid_, nullptr, WNOHANG) != pid_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (i == 999) {
          kill(pid_, SIGKILL);
          waitpid(pid_, nullptr, 0);
        }
      }
    }
    if (out_ >= 0) close(out_);
  }
  /// 0 when the mock did not say where it listens.
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  json get(const std::string& target) const {
    const auto r = fetch("GET", port_, target);
    return json::parse(r.body, nullptr, false);
  }

 private:
  std::string first_line() {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    char c = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      if (read(out_, &c, 1) != 1 || c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

/// "t=<timestamp>,v1=" and the hex HMAC-SHA256 of "<timestamp>.<body>", computed with OpenSSL.
std::string expected_signature(const std::string& timestamp, const std::string& body) {
  const std::string text = timestamp + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), hook_secret.data(), static_cast<int>(hook_secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  std::string hex = "t=" + timestamp + ",v1=";
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
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

}  // namespace
}  // namespace tixsync::testing
