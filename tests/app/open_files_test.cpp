// Tests of app/open_files: the soft open-file limit raised to the hard one, the descriptor
// reserve (Redis connections and each enabled HTTP provider's connections), and the listener's
// connection cap derived from the limit or checked against it with a message naming both.
#include "app/open_files.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <limits>

#include "actors/node.hpp"
#include "app/commands.hpp"

namespace tixsync::app {
namespace {

config::provider_section provider(const std::string& type, nlohmann::json settings,
                                  bool enabled = true) {
  config::provider_section p;
  p.id = type;
  p.type = type;
  p.enabled = enabled;
  p.settings = std::move(settings);
  return p;
}

std::size_t base_reserve(const config::tixsync_config& c) {
  return process_descriptor_reserve + static_cast<std::size_t>(c.http.redis_threads) +
         actors::store_threads_for(static_cast<std::size_t>(c.node.store_threads));
}

/// The message of the command_error (exit 1) that http_connection_cap throws, or "".
std::string refusal(const config::tixsync_config& c, std::uint64_t limit) {
  try {
    http_connection_cap(c, limit);
  } catch (const command_error& e) {
    EXPECT_EQ(e.code, exit_bad_input);
    return e.what();
  }
  return "";
}

TEST(OpenFiles, TheReserveCountsRedisConnectionsAndEnabledHttpProviders) {
  config::tixsync_config c;
  c.http.redis_threads = 2;
  c.node.store_threads = 3;
  c.providers.push_back(provider("rest", {{"max_connections", 200}}));
  c.providers.push_back(provider("webhook", nlohmann::json::object()));  // the default, 64
  c.providers.push_back(provider("rest", {{"max_connections", 1000}}, false));
  c.providers.push_back(provider("example", nlohmann::json::object()));
  EXPECT_EQ(descriptor_reserve(c), process_descriptor_reserve + 2 + 3 + 200 + 64);
}

TEST(OpenFiles, TheCapIsWhatTheLimitLeavesAtMostTenThousand) {
  config::tixsync_config c;
  EXPECT_EQ(http_connection_cap(c, 1024), 1024 - base_reserve(c));
  EXPECT_EQ(http_connection_cap(c, 1048576), default_max_http_connections);
  EXPECT_EQ(http_connection_cap(c, std::numeric_limits<std::uint64_t>::max()),
            default_max_http_connections);
  EXPECT_NE(refusal(c, 100).find("no file descriptors are left for HTTP connections: the "
                                 "open-file limit 100 minus a reserve of " +
                                 std::to_string(base_reserve(c))),
            std::string::npos)
      << refusal(c, 100);
  c.http.enabled = false;
  EXPECT_EQ(http_connection_cap(c, 100), 0u);
}

TEST(OpenFiles, AConfiguredCapMustFitTheLimit) {
  config::tixsync_config c;
  c.http.max_connections = 5000;
  EXPECT_EQ(http_connection_cap(c, 1048576), 5000u);
  const std::string message = refusal(c, 1024);
  EXPECT_NE(message.find("[http] max_connections = 5000 is more than the open files allow: the "
                         "open-file limit 1024 minus a reserve of " +
                         std::to_string(base_reserve(c)) +
                         " (Redis, providers, the process) "
                         "leaves " +
                         std::to_string(1024 - base_reserve(c)) + "; lower it or raise the limit"),
            std::string::npos)
      << message;
}

TEST(OpenFiles, RaisingTheSoftLimitReachesTheHardOne) {
  rlimit before{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &before), 0);
  ASSERT_GT(before.rlim_max, 64u);
  rlimit lowered = before;
  lowered.rlim_cur = 64;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  const auto raised = raise_open_file_limit();
  rlimit now{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &now), 0);
  setrlimit(RLIMIT_NOFILE, &before);
  EXPECT_EQ(now.rlim_cur, before.rlim_max);
  if (before.rlim_max != RLIM_INFINITY) {
    EXPECT_EQ(raised, before.rlim_max);
  }
}

}  // namespace
}  // namespace tixsync::app
