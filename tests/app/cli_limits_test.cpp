// Regression tests of the CLI and a node at the edges an operator reaches: no secret in a message
// (a bad --redis URL, a secret written into a *_env key), no credential accepted in a provider's
// settings, no unbounded read (/dev/zero, a FIFO, a huge order, a large order file), no enqueue
// onto an event without a snapshot, and a UTF-8 byte order mark reported with its line.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/app/queue_cli_fixture.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/node_child.hpp"
#include "tests/support/temp_dir.hpp"

namespace tixsync::testing {
namespace {

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";
const std::string secret = "sk_live_4eC39HqLyjWDarjtT1zdp7dc";

/// The example CRM config (a REST and a webhook provider), made to stand in any folder.
std::string crm_config() {
  std::ifstream in(examples + "/crm.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string relative = "\"crm-mappings.json\"";
  for (auto at = text.find(relative); at != std::string::npos; at = text.find(relative)) {
    text.replace(at, relative.size(), "\"" + examples + "/crm-mappings.json\"");
  }
  return text;
}

/// `text` with the first `from` replaced by `to` (the test fails when `from` is missing).
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

/// check-config on `text` with the example's variables set; never shows `secret`.
command_result check_config(const std::string& text) {
  temp_file config(text, ".toml");
  ::setenv("CRM_TOKEN", "t", 1);
  ::setenv("HOOK_SECRET", "s", 1);
  auto r = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(r.out.find(secret), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  return r;
}

TEST(cli_secrets, a_bad_redis_url_is_reported_without_its_password) {
  auto r =
      run_tixsync({"jobs", "--provider", "crm", "--redis", "redis://:" + secret + "@host:bad/0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find(secret), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--redis redis://***@host:bad/0: the port must be"), std::string::npos)
      << r.err;
}

TEST(cli_secrets, a_secret_written_into_an_env_key_is_never_printed) {
  const std::string base = crm_config();
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"[node]", "[http]\napi_token_env = \"" + secret + "\"\n[node]"},
           {"organizer = \"nordlicht\"",
            "organizer = \"nordlicht\"\napi_token_env = \"" + secret + "\""},
           {"[node]",
            "[redis]\nurl = \"redis://127.0.0.1:1/0\"\npassword_env = \"" + secret + "\"\n[node]"},
           {"token_env = \"CRM_TOKEN\"", "token_env = \"" + secret + "\""},
           {"secret_env = \"HOOK_SECRET\"", "secret_env = \"" + secret + "\""}}) {
    auto r = check_config(replaced(base, from, to));
    EXPECT_EQ(r.exit_code, 1) << to;
    EXPECT_NE(r.out.find("_env: "), std::string::npos) << r.out;
  }
}

TEST(cli_secrets, credentials_in_provider_settings_are_refused) {
  const std::string base = crm_config();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases{
      {"X-Client = \"tixsync\"", "X-Api-Key = \"" + secret + "\"",
       "providers[0].rest.headers.X-Api-Key: is named like a credential"},
      {"/api/contact?{id_field}={id_value}", "/api/contact?{id_field}={id_value}&api_key=" + secret,
       "providers[0].rest.objects.Contact.lookup.url: must not carry a credential in its query "
       "(parameter \"api_key\")"},
      {"base_url = \"http://127.0.0.1:8089\"",
       "base_url = \"http://127.0.0.1:8089?access_token=" + secret + "\"",
       "providers[0].rest.base_url: \"http://127.0.0.1:8089?access_token=***\" must not have a "
       "query"},
      {"http://127.0.0.1:8089/hooks/", "http://user:" + secret + "@127.0.0.1:8089/hooks/",
       "providers[1].webhook.url: must not carry credentials (user:password@)"},
      {"http://127.0.0.1:8089/hooks/", "http://127.0.0.1:8089/hooks/x?token=" + secret + "&",
       "providers[1].webhook.url: must not carry a credential in its query (parameter \"token\")"}};
  ASSERT_EQ(check_config(base).exit_code, 0);
  for (const auto& [from, to, expected] : cases) {
    auto r = check_config(replaced(base, from, to));
    EXPECT_EQ(r.exit_code, 1) << to;
    EXPECT_NE(r.out.find(expected), std::string::npos) << r.out;
  }
}

TEST(cli_secrets, a_shop_url_with_credentials_is_refused_and_plain_http_warned_about) {
  const std::string base = replaced(crm_config(), "organizer = \"nordlicht\"",
                                    "organizer = \"nordlicht\"\napi_token_env = \"CRM_TOKEN\"");
  auto with_user =
      check_config(replaced(base, "https://tickets", "https://admin:" + secret + "@tickets"));
  EXPECT_EQ(with_user.exit_code, 1);
  EXPECT_NE(with_user.out.find("shop.url: must not carry credentials"), std::string::npos)
      << with_user.out;
  auto plain = check_config(replaced(base, "https://tickets", "http://tickets"));
  EXPECT_EQ(plain.exit_code, 0) << plain.out;
  EXPECT_NE(plain.err.find("warning: "), std::string::npos) << plain.err;
  EXPECT_NE(plain.err.find("shop.url: the pretix API token travels in plain text"),
            std::string::npos)
      << plain.err;
  EXPECT_EQ(check_config(base).err.find("warning"), std::string::npos);
}

/// A FIFO in a temporary folder.
struct temp_fifo {
  temp_fifo() : path(dir.path / "pipe") { EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0); }
  temp_dir dir;
  std::string path;
};

TEST(cli_limits, dev_zero_and_fifos_are_refused_not_read) {
  temp_file zero_mappings(
      "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \"/dev/zero\"\n", ".toml");
  auto zero = run_tixsync({"check-config", zero_mappings.path()});
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_NE(zero.out.find("cannot read mappings file /dev/zero: not a regular file (a character "
                          "device)"),
            std::string::npos)
      << zero.out << zero.err;
  temp_fifo fifo;
  // Reading a FIFO waits for a writer that never comes: each command would hang until killed.
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"check-config", fifo.path},
           {"run", "--config", fifo.path},
           {"fields", "--event", fifo.path},
           {"preview", "--event", fifo.path, "--order", fifo.path, "--mappings", fifo.path}}) {
    auto r = run_tixsync(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_NE((r.out + r.err).find("not a regular file (a FIFO)"), std::string::npos)
        << args[0] << ": " << r.out << r.err;
  }
  auto orders = run_tixsync({"preview", "--event", test_data_path("event.json"), "--order",
                             fifo.path, "--mappings", examples + "/mappings.json"});
  EXPECT_EQ(orders.exit_code, 1);
  EXPECT_NE(orders.err.find(fifo.path + ": not a regular file (a FIFO)"), std::string::npos)
      << orders.err;
}

std::string order_line_of(std::size_t index) {
  return read_test_data_lines("orders.jsonl").at(index);
}

/// Order line `index` of the test data padded with an unknown key to more than 1 MiB.
std::string oversized_order(std::size_t index) {
  std::string line = order_line_of(index);
  return line.insert(1, "\"comment\": \"" + std::string(1024 * 1024, 'x') + "\", ");
}

class enqueue_limits : public queue_cli {
 protected:
  command_result enqueue(const std::string& path, std::vector<std::string> more = {}) {
    std::vector<std::string> args{"enqueue", "--provider", provider, "--event",
                                  event,     "--order",    path};
    args.insert(args.end(), more.begin(), more.end());
    return tixsync(args);
  }
  std::int64_t queued() { return queue().count(provider, now())->total(); }
};

TEST_F(enqueue_limits, an_order_line_over_the_cap_is_named_by_line_and_nothing_is_enqueued) {
  temp_file orders(order_line(0) + "\n" + oversized_order(1) + "\n" + order_line(2) + "\n");
  auto r = enqueue(orders.path());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(orders.path() + ":2: the order is longer than the 1 MiB an order may have"),
            std::string::npos)
      << r.err.substr(0, 500);
  EXPECT_EQ(queued(), 0);
  temp_file one(oversized_order(0));
  auto single = enqueue(one.path());
  EXPECT_EQ(single.exit_code, 1);
  EXPECT_NE(single.err.find(one.path() + ": the file has"), std::string::npos) << single.err;
  EXPECT_NE(single.err.find("more than the 1 MiB an order may have"), std::string::npos);
  EXPECT_EQ(queued(), 0);
}

TEST_F(enqueue_limits, a_large_file_is_read_line_by_line) {
  // 48 MiB of orders: held whole (as text, lines and requests) it took several times that.
  const auto lines = read_test_data_lines("orders.jsonl");
  temp_file orders("");
  std::size_t bytes = 0;
  {
    std::ofstream out(orders.path());
    for (std::size_t i = 0; bytes < 48u * 1024 * 1024; ++i) {
      out << lines[i % lines.size()] << "\n";
      bytes += lines[i % lines.size()].size() + 1;
    }
  }
  auto r = enqueue(orders.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(queued(), static_cast<std::int64_t>(lines.size()));
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  EXPECT_LT(static_cast<std::size_t>(usage.ru_maxrss) * 1024, bytes / 2)
      << "largest child RSS " << usage.ru_maxrss << " KiB for a file of " << bytes << " bytes";
}

TEST_F(enqueue_limits, an_event_without_snapshot_is_refused_unless_its_bundle_is_given) {
  ASSERT_TRUE(connection().command({"FLUSHALL"}).ok());
  temp_file orders(order_line(0) + "\n" + order_line(1) + "\n");
  auto refused = enqueue(orders.path());
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("holds no snapshot of event nordlicht/ndd25"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--event-file"), std::string::npos);
  EXPECT_EQ(queued(), 0);
  auto by_code = tixsync({"enqueue", "--provider", provider, "--event", event, "--code", "K3ZPA"});
  EXPECT_EQ(by_code.exit_code, 1);
  EXPECT_EQ(queued(), 0);

  temp_file other_event(replaced(read_test_data("event.json"), "\"nordlicht\"", "\"elsewhere\""));
  EXPECT_EQ(enqueue(orders.path(), {"--event-file", other_event.path()}).exit_code, 1);
  EXPECT_EQ(queued(), 0);
  auto stored = enqueue(orders.path(), {"--event-file", test_data_path("event.json")});
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  EXPECT_EQ(queued(), 2);
  auto event_json = snapshots().get_event(event);
  ASSERT_TRUE(event_json.ok() && event_json->has_value());
  EXPECT_EQ(**event_json, read_test_data("event.json"));
}

TEST_F(enqueue_limits, a_byte_order_mark_is_skipped_at_the_start_and_reported_with_its_line) {
  const std::string bom = "\xEF\xBB\xBF";
  temp_file at_start(bom + order_line(0) + "\n" + order_line(1) + "\n");
  auto r = enqueue(at_start.path());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(queued(), 2);
  temp_file inside(order_line(2) + "\n" + bom + order_line(3) + "\n" + order_line(4) + "\n");
  auto bad = enqueue(inside.path());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(inside.path() + ":2: a UTF-8 byte order mark"), std::string::npos)
      << bad.err;
  EXPECT_EQ(queued(), 2);
  auto preview = run_tixsync({"preview", "--event", test_data_path("event.json"), "--order",
                              inside.path(), "--mappings", examples + "/mappings.json"});
  EXPECT_EQ(preview.exit_code, 1);
  EXPECT_NE(preview.err.find(inside.path() + ":2: a UTF-8 byte order mark"), std::string::npos)
      << preview.err;
}

class order_cap_node : public node_child_test {
 protected:
  std::string write_config(int http_port) {
    const std::string path = dir_ + "/tixsync.toml";
    std::ofstream(path) << "[redis]\nurl = \"redis://127.0.0.1:" << redis_.port() << "/0\"\n"
                        << "[node]\nname = \"cap-node\"\n"
                        << "[http]\nport = " << http_port
                        << "\napi_token_env = \"CAP_TOKEN\"\nmax_body = 4194304\n"
                        << "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \""
                        << examples << "/mappings.json\"\n";
    return path;
  }
  redis_server redis_;
};

TEST_F(order_cap_node, the_feed_and_the_api_refuse_an_order_over_the_cap) {
  const std::string config = write_config(0);
  const std::string feed = dir_ + "/feed.jsonl";
  std::ofstream(feed) << order_line_of(0) << "\n" << oversized_order(1) << "\n";
  spawn({TIXSYNC_BINARY, "run", "--config", config, "--feed", feed, "--feed-event",
         test_data_path("event.json"), "--exit-when-drained"},
        {{"CAP_TOKEN", "cap-token"}});
  EXPECT_EQ(wait_child(), 1);
  EXPECT_NE(file("stderr").find(feed + ":2: the order is longer than the 1 MiB"), std::string::npos)
      << file("stderr").substr(0, 500);

  spawn({TIXSYNC_BINARY, "run", "--config", config}, {{"CAP_TOKEN", "cap-token"}});
  const int port = dashboard_port();
  ASSERT_GT(port, 0) << file("stderr");
  const http_headers auth{{"Authorization", "Bearer cap-token"}};
  auto r = fetch("POST", port, "/api/v1/events/nordlicht/ndd25/orders", oversized_order(0), auth);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 300);
  EXPECT_NE(r.body.find("more than the 1 MiB an order may have"), std::string::npos);
  EXPECT_EQ(
      fetch("POST", port, "/api/v1/events/nordlicht/ndd25/orders", order_line_of(0), auth).status,
      202);
  ASSERT_EQ(kill(child_, SIGTERM), 0);
  EXPECT_EQ(wait_child(), 0);
}

}  // namespace
}  // namespace tixsync::testing
