// Tests of the mock CRM (app/mock_crm) over real loopback HTTP: the REST objects and search,
// stats, dump and webhooks, every fault kind (503, 429 + Retry-After, closed connection,
// latency and slowness on timers, outage), reproducible dice, the bearer token and reset; and
// the real `tixsync mock-crm` program: port from its first line, one request, SIGTERM, exit 0.
#include "app/mock_crm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/support/command.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/mock_crm_child.hpp"

namespace tixsync::app {
namespace {

using tixsync::testing::eventually;

using nlohmann::json;
using tixsync::testing::fetch;
using tixsync::testing::fetch_response;
using tixsync::testing::http_headers;

json json_of(const fetch_response& r) {
  return json::parse(r.body, nullptr, false);
}

/// A started mock CRM and short-hands for requests to it.
class MockCrm : public ::testing::Test {
 protected:
  void start(mock_crm_options options = {}) {
    crm_ = std::make_unique<mock_crm>(options);
    crm_->start();
  }
  fetch_response call(const std::string& method, const std::string& target,
                      const std::string& body = "", const http_headers& headers = {}) {
    return fetch(method, crm_->port(), target, body, headers);
  }
  json stats() { return json_of(call("GET", "/_mock/stats")); }
  std::unique_ptr<mock_crm> crm_;
};

TEST_F(MockCrm, CreatesFindsSearchesUpdatesAndDeletesObjects) {
  start();
  auto ada = call("POST", "/api/contact", R"({"email":"ada@example.org","name":"Ada","age":36})");
  ASSERT_EQ(ada.status, 201) << ada.error << ada.body;
  EXPECT_EQ(json_of(ada)["id"], "1");
  EXPECT_EQ(ada.header("Location").value_or(""), "/api/contact/1");
  EXPECT_EQ(json_of(call("POST", "/api/contact", R"({"email":"bob@example.org"})"))["id"], "2");
  EXPECT_EQ(json_of(call("POST", "/api/company", R"({"name":"ACME"})"))["id"], "1");

  auto found = call("GET", "/api/contact/1");
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(json_of(found)["name"], "Ada");

  auto by_email = json_of(call("GET", "/api/contact?email=ada%40example.org"));
  ASSERT_EQ(by_email["results"].size(), 1u) << by_email;
  EXPECT_EQ(by_email["results"][0]["id"], "1");
  EXPECT_EQ(json_of(call("GET", "/api/contact?age=36"))["results"].size(), 1u);
  EXPECT_EQ(json_of(call("GET", "/api/contact?email=nobody"))["results"].size(), 0u);
  EXPECT_EQ(json_of(call("GET", "/api/contact"))["results"].size(), 2u);
  EXPECT_EQ(json_of(call("GET", "/api/contact?email=ada%40example.org&age=37"))["results"].size(),
            0u);

  auto patched = call("PATCH", "/api/contact/1", R"({"email":"ada@new.org","id":"99"})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(json_of(patched)["name"], "Ada");
  EXPECT_EQ(json_of(patched)["id"], "1");
  EXPECT_EQ(json_of(call("GET", "/api/contact?email=ada%40example.org"))["results"].size(), 0u);
  EXPECT_EQ(json_of(call("GET", "/api/contact?email=ada%40new.org"))["results"].size(), 1u);

  auto replaced = call("PUT", "/api/contact/1", R"({"email":"ada@put.org"})");
  ASSERT_EQ(replaced.status, 200);
  EXPECT_EQ(json_of(replaced), (json{{"email", "ada@put.org"}, {"id", "1"}}));

  EXPECT_EQ(call("DELETE", "/api/contact/1").status, 204);
  auto gone = call("GET", "/api/contact/1");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(json_of(gone)["error"]["status"], 404);
  EXPECT_EQ(call("DELETE", "/api/contact/1").status, 404);
  EXPECT_EQ(call("PATCH", "/api/contact/7", "{}").status, 404);
  EXPECT_EQ(call("GET", "/api/contact/abc").status, 404);
  EXPECT_EQ(json_of(call("GET", "/api/contact?email=ada%40put.org"))["results"].size(), 0u);
}

TEST_F(MockCrm, RefusesBodiesThatAreNotJsonObjects) {
  start();
  auto array = call("POST", "/api/contact", "[1,2]");
  EXPECT_EQ(array.status, 400);
  EXPECT_NE(json_of(array)["error"]["message"].get<std::string>().find("found array"),
            std::string::npos);
  auto broken = call("POST", "/api/contact", "{\"a\":");
  EXPECT_EQ(broken.status, 400);
  EXPECT_NE(broken.body.find("not valid JSON"), std::string::npos) << broken.body;
  EXPECT_EQ(call("PUT", "/api/contact/1", "3").status, 400);
  EXPECT_EQ(call("PUT", "/api/contact", "{}").status, 405);
}

TEST_F(MockCrm, StatsAndDumpDescribeWhatHappened) {
  start();
  call("POST", "/api/contact", R"({"email":"a@x"})");
  call("POST", "/api/contact", R"({"email":"b@x"})");
  call("PATCH", "/api/contact/2", R"({"email":"c@x"})");
  call("DELETE", "/api/contact/1");
  call("GET", "/api/contact/1");
  auto s = stats();
  EXPECT_EQ(s["requests"]["by_route"]["POST /api/{type}"], 2);
  EXPECT_EQ(s["requests"]["by_route"]["GET /api/{type}/{id}"], 1);
  EXPECT_EQ(s["requests"]["by_method"]["POST"], 2);
  EXPECT_EQ(s["requests"]["by_method"]["GET"], 2) << "the GET of /_mock/stats counts too";
  EXPECT_EQ(s["requests"]["total"], 6);
  EXPECT_EQ(s["objects"]["contact"], 1);
  EXPECT_EQ(s["created"], 2);
  EXPECT_EQ(s["updated"], 1);
  EXPECT_EQ(s["deleted"], 1);
  EXPECT_EQ(s["faults_injected"]["fail"], 0);
  EXPECT_EQ(s["faults"]["fail_rate"], 0.0);
  EXPECT_EQ(json_of(call("GET", "/_mock/dump")),
            (json{{"contact", json::array({{{"email", "c@x"}, {"id", "2"}}})}}));
  EXPECT_EQ(crm_->dump(), json_of(call("GET", "/_mock/dump")));
  EXPECT_EQ(crm_->stats()["created"], 2);
}

TEST_F(MockCrm, KeepsWebhookDeliveriesWithoutCredentials) {
  start();
  auto r = call("POST", "/hooks/orders", R"({"code":"ABC12"})",
                {{"X-Signature", "sha256=ff"}, {"Authorization", "Bearer very-secret"}});
  EXPECT_EQ(r.status, 204) << r.error;
  call("POST", "/hooks/other", "not json");
  auto hooks = json_of(call("GET", "/_mock/hooks?name=orders"))["hooks"];
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0]["json"], (json{{"code", "ABC12"}}));
  EXPECT_EQ(hooks[0]["body"], R"({"code":"ABC12"})");
  EXPECT_EQ(hooks[0]["headers"]["x-signature"], "sha256=ff");
  EXPECT_EQ(hooks[0]["headers"]["authorization"], "Bearer <redacted>");
  EXPECT_TRUE(hooks[0]["received_at"].is_number());
  auto all = crm_->hooks()["hooks"];
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[1]["json"].is_null());
  EXPECT_EQ(stats()["hooks_received"], 2);
}

TEST_F(MockCrm, FailRateAnswers503ButNeverOnMockEndpoints) {
  start();
  ASSERT_EQ(call("POST", "/_mock/faults", R"({"fail_rate": 1})").status, 200);
  auto failed = call("POST", "/api/contact", "{}");
  EXPECT_EQ(failed.status, 503);
  EXPECT_EQ(json_of(failed)["error"]["status"], 503);
  EXPECT_EQ(call("POST", "/hooks/x", "{}").status, 503);
  auto s = stats();
  EXPECT_EQ(s["faults_injected"]["fail"], 2);
  EXPECT_EQ(s["objects"], json::object());
}

TEST_F(MockCrm, RateLimitAnswers429WithRetryAfter) {
  start();
  ASSERT_EQ(call("POST", "/_mock/faults", R"({"rate_limit_rate": 1, "retry_after": 7})").status,
            200);
  auto limited = call("GET", "/api/contact/1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("Retry-After").value_or(""), "7");
  EXPECT_EQ(stats()["faults_injected"]["rate_limit"], 1);
}

TEST_F(MockCrm, CloseRateClosesTheConnectionWithoutAnswer) {
  start();
  mock_crm_faults faults;
  faults.close_rate = 1;
  crm_->set_faults(faults);
  auto closed = call("POST", "/api/contact", "{}");
  EXPECT_EQ(closed.status, 0);
  EXPECT_FALSE(closed.error.empty());
  EXPECT_EQ(stats()["faults_injected"]["close"], 1);
  EXPECT_EQ(crm_->dump(), json::object());
}

TEST_F(MockCrm, LatencyAndSlownessWaitOnTimersNotThreads) {
  mock_crm_options options;
  options.threads = 1;
  options.faults.slow_rate = 1;
  options.faults.slow_ms = 50;
  options.faults.latency_ms = 100;
  start(options);
  auto delayed = call("POST", "/api/contact", R"({"n":1})");
  EXPECT_EQ(delayed.status, 201) << delayed.error;
  auto s = stats();
  EXPECT_EQ(s["faults_injected"]["delayed"], 1);
  EXPECT_EQ(s["faults_injected"]["slow"], 1);

  // A request held for a minute: the only I/O thread still answers /_mock/stats meanwhile.
  ASSERT_EQ(call("POST", "/_mock/faults", R"({"latency_ms": 60000, "slow_rate": 0})").status, 200);
  auto held = std::async(std::launch::async, [&] { return call("GET", "/api/contact/1"); });
  EXPECT_TRUE(eventually([&] { return stats()["delayed_now"] == 1; }));
  crm_->stop();
  EXPECT_EQ(held.get().status, 0) << "stop() closes the waiting connection";
}

TEST_F(MockCrm, OutageAnswers503UntilItEnds) {
  start();
  ASSERT_EQ(call("POST", "/_mock/faults", R"({"outage_seconds": 30})").status, 200);
  auto down = call("GET", "/api/contact/1");
  EXPECT_EQ(down.status, 503);
  EXPECT_NE(down.body.find("outage"), std::string::npos);
  EXPECT_EQ(call("POST", "/hooks/x", "{}").status, 503);
  auto s = stats();
  EXPECT_EQ(s["faults_injected"]["outage"], 2);
  EXPECT_GT(s["faults"]["outage_remaining_ms"].get<std::int64_t>(), 0);
  ASSERT_EQ(call("POST", "/_mock/faults", R"({"outage_seconds": 0})").status, 200);
  EXPECT_EQ(call("GET", "/api/contact/1").status, 404);
  crm_->start_outage(std::chrono::seconds(30));
  EXPECT_EQ(call("GET", "/api/contact/1").status, 503);
}

TEST_F(MockCrm, SameSeedGivesTheSameFaults) {
  mock_crm_options options;
  options.seed = 42;
  options.faults.fail_rate = 0.5;
  start(options);
  auto run = [&] {
    std::string statuses;
    for (int i = 0; i < 40; ++i) {
      statuses += call("GET", "/api/contact/1").status == 503 ? 'F' : '.';
    }
    return statuses;
  };
  const std::string first = run();
  EXPECT_NE(first.find('F'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
  const auto failures = static_cast<int>(std::count(first.begin(), first.end(), 'F'));
  EXPECT_EQ(stats()["faults_injected"]["fail"], failures);
  ASSERT_EQ(call("POST", "/_mock/reset").status, 204);
  EXPECT_EQ(run(), first);
}

TEST_F(MockCrm, RefusesBadFaultSettingsAndChangesNothing) {
  start();
  auto too_high = call("POST", "/_mock/faults", R"({"fail_rate": 2})");
  EXPECT_EQ(too_high.status, 400);
  EXPECT_NE(too_high.body.find("fail_rate"), std::string::npos);
  auto unknown = call("POST", "/_mock/faults", R"({"fail_rate": 0.1, "bogus": 1})");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("unknown fault setting 'bogus'"), std::string::npos);
  auto sum = call("POST", "/_mock/faults", R"({"fail_rate": 0.6, "close_rate": 0.6})");
  EXPECT_EQ(sum.status, 400);
  EXPECT_NE(sum.body.find("must not exceed 1"), std::string::npos) << sum.body;
  EXPECT_EQ(call("POST", "/_mock/faults", R"({"latency_ms": "slow"})").status, 400);
  EXPECT_EQ(call("POST", "/_mock/faults", "[]").status, 400);
  EXPECT_EQ(crm_->faults().fail_rate, 0.0);
  mock_crm_faults bad;
  bad.slow_rate = 0.5;
  EXPECT_THROW(crm_->set_faults(bad), std::invalid_argument);
  mock_crm_options options;
  options.faults.close_rate = -1;
  EXPECT_THROW(mock_crm{options}, std::invalid_argument);
}

TEST_F(MockCrm, TokenGuardsTheApiOnly) {
  mock_crm_options options;
  options.token = "s3cret";
  start(options);
  auto missing = call("GET", "/api/contact/1");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.header("WWW-Authenticate").value_or(""), "Bearer");
  EXPECT_EQ(call("GET", "/api/contact/1", "", {{"Authorization", "Bearer wrong!"}}).status, 401);
  EXPECT_EQ(call("GET", "/api/contact/1", "", {{"Authorization", "s3cret"}}).status, 401);
  auto created = call("POST", "/api/contact", "{}", {{"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(call("POST", "/hooks/x", "{}").status, 204);
  auto s = stats();
  EXPECT_EQ(s["unauthorized"], 3);
  EXPECT_EQ(s.dump().find("s3cret"), std::string::npos) << "the token is not reported";
}

TEST_F(MockCrm, ResetForgetsEverythingAndRestoresTheStartFaults) {
  mock_crm_options options;
  options.faults.latency_ms = 1;
  start(options);
  call("POST", "/api/contact", "{}");
  call("POST", "/hooks/x", "{}");
  call("POST", "/_mock/faults", R"({"latency_ms": 5, "fail_rate": 0})");
  ASSERT_EQ(call("POST", "/_mock/reset").status, 204);
  auto s = stats();
  EXPECT_EQ(s["objects"], json::object());
  EXPECT_EQ(s["created"], 0);
  EXPECT_EQ(s["hooks_received"], 0);
  EXPECT_EQ(s["requests"]["total"], 1) << "only this GET /_mock/stats";
  EXPECT_EQ(s["faults"]["latency_ms"], 1);
  EXPECT_EQ(json_of(call("GET", "/_mock/hooks"))["hooks"].size(), 0u);
  EXPECT_EQ(json_of(call("POST", "/api/contact", "{}"))["id"], "1");
  crm_->reset();
  EXPECT_EQ(crm_->dump(), json::object());
}

TEST(MockCrmCommand, PrintsItsPortServesAndExitsZeroOnSigterm) {
  // The child inherits the variable; the token never appears on its command line.
  setenv("TIXSYNC_TEST_MOCK_TOKEN", "from-env", 1);
  // Its port comes from the first line it prints, "mock-crm listening on http://127.0.0.1:PORT".
  tixsync::testing::mock_crm_child process(
      {"--port", "0", "--seed", "7", "--token-env", "TIXSYNC_TEST_MOCK_TOKEN"});
  const int port = process.port();
  ASSERT_GT(port, 0);
  auto created = fetch("POST", port, "/api/contact", R"({"email":"a@b.c"})",
                       {{"Authorization", "Bearer from-env"}});
  EXPECT_EQ(created.status, 201) << created.error << created.body;
  EXPECT_EQ(process.terminate(), 0);
}

TEST(MockCrmCommand, ExplainsItselfAndRefusesBadOptions) {
  using tixsync::testing::run_tixsync;
  auto help = run_tixsync({"mock-crm", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("/_mock/faults"), std::string::npos);
  EXPECT_NE(help.out.find("--rate-limit-rate"), std::string::npos);

  auto rate = run_tixsync({"mock-crm", "--port", "0", "--fail-rate", "2"});
  EXPECT_EQ(rate.exit_code, 2) << rate.err;
  auto slow = run_tixsync({"mock-crm", "--port", "0", "--slow-rate", "0.5"});
  EXPECT_EQ(slow.exit_code, 2) << slow.err;
  auto sum = run_tixsync({"mock-crm", "--port", "0", "--fail-rate", "0.6", "--close-rate", "0.6"});
  EXPECT_EQ(sum.exit_code, 2);
  EXPECT_NE(sum.err.find("must not exceed 1"), std::string::npos) << sum.err;
  auto env = run_tixsync({"mock-crm", "--port", "0", "--token-env", "TIXSYNC_TEST_UNSET_VARIABLE"});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.err.find("TIXSYNC_TEST_UNSET_VARIABLE"), std::string::npos) << env.err;

  mock_crm running;
  running.start();
  auto taken = run_tixsync({"mock-crm", "--port", std::to_string(running.port())});
  EXPECT_EQ(taken.exit_code, 3);
  EXPECT_NE(taken.err.find("127.0.0.1:" + std::to_string(running.port())), std::string::npos)
      << taken.err;
}

}  // namespace
}  // namespace tixsync::app
