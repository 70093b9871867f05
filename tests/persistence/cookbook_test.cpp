// Runs every recipe of docs/redis-cookbook.md through the real redis-cli against a server filled
// with the cookbook's example (provider crm, event nordlicht/ndd25) and checks the "Expect" text.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

struct recipe {
  std::string heading;
  std::string script;
  std::vector<std::string> expected;
};

// Every ```sh block, with the backticked snippets of the "Expect:" line after it.
std::vector<recipe> read_recipes(const std::string& path) {
  std::ifstream in(path);
  std::vector<recipe> out;
  std::string line, heading;
  bool in_block = false, want_expect = false;
  while (std::getline(in, line)) {
    if (line.rfind("### ", 0) == 0) heading = line.substr(4);
    if (in_block) {
      if (line == "```")
        in_block = false, want_expect = true;
      else
        out.back().script += line + "\n";
    } else if (line == "```sh") {
      out.push_back({heading, "", {}}), in_block = true;
    } else if (want_expect && line.rfind("Expect:", 0) == 0) {
      for (std::size_t a = line.find('`'); a != std::string::npos; a = line.find('`', a + 1)) {
        std::size_t b = line.find('`', a + 1);
        out.back().expected.push_back(line.substr(a + 1, b - a - 1));
        a = b;
      }
      want_expect = false;
    }
  }
  return out;
}

std::pair<int, std::string> run_bash(const std::string& script) {
  std::string file = ::testing::TempDir() + "cookbook_recipe.sh";
  std::ofstream(file) << script;
  FILE* pipe = ::popen(("bash " + file + " 2>&1").c_str(), "r");
  std::string output;
  char buffer[4096];
  for (std::size_t n; pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    output.append(buffer, n);
  }
  int rc = pipe ? ::pclose(pipe) : -1;
  std::remove(file.c_str());
  return {rc, output};
}

class cookbook_test : public redis_fixture {
 protected:
  // The example of the cookbook, on the real clock (recipes use `date`).
  void populate(std::int64_t now) {
    auto r = [](const std::string& order) { return ref(order, "nordlicht/ndd25"); };
    auto fail_with = [&](const std::string& order, park_state state, const std::string& error) {
      add(r(order), now);
      auto c = take(1, now, "node-b");
      ASSERT_EQ(c.size(), 1u);
      ASSERT_TRUE(queue().park({c[0].lease_info(), state, {error}, "trace of " + order, ""}, now));
    };
    add(r("FLIGHT1"), now);
    ASSERT_EQ(take(1, now, "node-a").size(), 1u);
    fail_with("FAIL1", park_state::permanent, "HTTP 422: email invalid");
    fail_with("EXC1", park_state::exceeded, "HTTP 503: Service Unavailable");
    ASSERT_TRUE(queue().enqueue({r("DONE1"), "order_paid", {}, R"({"code":"DONE1"})"}, now));
    auto c = take(1, now, "node-b");
    ASSERT_EQ(c.size(), 1u);
    sync_result contact = make_result(1,
                        std::nullopt,
                        "Contact",
                        "email",
                        "jonas@example.org",
                        "https://crm.example/contacts/42",
                        "Jonas Berg",
                        {},
                        now,
                        "");
    ASSERT_TRUE(
        queue().complete({c[0].lease_info(), {contact}, {{"1", {"jonas@example.org"}}}}, now));
    add(r("DUE01"), now);
    add(r("DUE02"), now);
    add(r("LATER1"), now, "order_placed", now + 3'600'000);
  }
};

TEST_F(cookbook_test, every_recipe_runs_through_redis_cli_and_shows_what_it_promises) {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  populate(now);
  auto recipes = read_recipes(TIXSYNC_COOKBOOK);
  ASSERT_GE(recipes.size(), 12u) << "recipes missing from " << TIXSYNC_COOKBOOK;
  const std::string prelude = "set -o pipefail\nredis-cli() { command redis-cli -h " +
                              server().host() + " -p " + std::to_string(server().port()) +
                              " \"$@\"; }\n";
  for (const auto& rec : recipes) {
    SCOPED_TRACE(rec.heading + "\n" + rec.script);
    ASSERT_FALSE(rec.expected.empty()) << "a recipe without an Expect line";
    auto [rc, output] = run_bash(prelude + rec.script);
    EXPECT_EQ(rc, 0) << output;
    for (const auto& e : rec.expected) {
      EXPECT_NE(output.find(e), std::string::npos) << "missing `" << e << "` in:\n" << output;
    }
  }
}

}  // namespace
}  // namespace tixsync::persistence::testing
