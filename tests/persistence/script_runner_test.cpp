// The embedded scripts: SHA1 computed at build time matches Redis, NOSCRIPT after SCRIPT FLUSH
// loads the script once and reruns, for single calls and pipelines.
#include "persistence/script_runner.hpp"

#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class script_runner_test : public redis_fixture {};

TEST_F(script_runner_test, every_embedded_script_loads_with_its_build_time_sha) {
  const char* verbs[] = {"enqueue", "claim",  "renew",  "complete",      "reschedule", "park",
                         "retry",   "cancel", "expire", "store_results", "release", "take_tokens"};
  for (const char* verb : verbs) {
    const auto* s = find_script(verb);
    ASSERT_NE(s, nullptr) << verb;
    // The 10 queue keys; claim also reads the provider's pause flag.
    EXPECT_EQ(s->fixed_keys, std::string(verb) == "claim" ? 11 : 10) << verb;
    auto sha = raw({"SCRIPT", "LOAD", s->source});
    EXPECT_EQ(sha.str, s->sha1) << verb;
  }
  EXPECT_EQ(find_script("nope"), nullptr);
  script_runner runner(connection());
  EXPECT_TRUE(runner.load_all().ok());
}

TEST_F(script_runner_test, noscript_is_reloaded_once) {
  add(ref("A1"), t0);
  EXPECT_EQ(raw({"SCRIPT", "FLUSH"}).str, "OK");
  add(ref("A2"), t0);  // NOSCRIPT -> SCRIPT LOAD -> EVALSHA
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 2);
  EXPECT_EQ(raw({"SCRIPT", "FLUSH"}).str, "OK");
  std::vector<enqueue_request> batch;
  for (int i = 0; i < 500; ++i) batch.push_back({ref("B" + std::to_string(i)), "t", {}, {}});
  ASSERT_TRUE(queue().enqueue_many(batch, t0).ok());  // a pipeline of 3 calls, all NOSCRIPT
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 502);
}

TEST_F(script_runner_test, calls_are_checked_before_sending) {
  script_runner runner(connection());
  EXPECT_EQ(runner.run({"nope", {}, {}}).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(runner.run({"claim", {"only-one-key"}, {}}).code(), persistence_errc::invalid_argument);
}

TEST_F(script_runner_test, a_script_error_is_a_server_error) {
  script_runner runner(connection());
  auto keys = key_space().queue("crm").all();
  keys.push_back(key_space().provider_pause("crm"));
  auto r = runner.run({"claim", keys, {"not-a-number"}});
  EXPECT_EQ(r.code(), persistence_errc::server_error);
}

}  // namespace
}  // namespace tixsync::persistence::testing
