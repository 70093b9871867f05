// Tests of [providers.orders], which orders a provider syncs: the defaults, every key read, and
// every kind of bad value refused with its location, key path and the closest valid name.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "tests/support/fake_env.hpp"

namespace tixsync::config {
namespace {

using testing::fake_env;

const std::string head = "[[providers]]\nid = \"crm\"\ntype = \"rest\"\nmappings = []\n";

std::vector<std::string> problems_of(const std::string& orders_table) {
  std::vector<std::string> out;
  for (const auto& p : parse_config(head + orders_table, "cfg.toml", fake_env({})).problems) {
    out.push_back(p.to_string());
  }
  return out;
}

TEST(ConfigOrderFilter, WithoutTheTableEveryOrderIsSynced) {
  auto result = parse_config(head, "cfg.toml", fake_env({}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& orders = result.config.providers.at(0).orders;
  EXPECT_TRUE(orders.statuses.empty());
  EXPECT_TRUE(orders.test_mode);
  EXPECT_TRUE(orders.sales_channels.empty());
  EXPECT_TRUE(orders.awaiting_approval);
}

TEST(ConfigOrderFilter, EveryKeyIsRead) {
  auto result = parse_config(head +
                                 "[providers.orders]\nstatuses = [\"p\", \"c\"]\n"
                                 "test_mode = false\nsales_channels = \"web\"\n"
                                 "awaiting_approval = false\n",
                             "cfg.toml", fake_env({}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& orders = result.config.providers.at(0).orders;
  EXPECT_EQ(orders.statuses, (std::vector<std::string>{"p", "c"}));
  EXPECT_FALSE(orders.test_mode);
  EXPECT_EQ(orders.sales_channels, std::vector<std::string>{"web"});
  EXPECT_FALSE(orders.awaiting_approval);
}

TEST(ConfigOrderFilter, UnknownStatusesNameTheClosestCode) {
  EXPECT_EQ(problems_of("[providers.orders]\nstatuses = [\"p\", \"paid\", \"P\", \"x\"]\n"),
            (std::vector<std::string>{
                "cfg.toml:6:18: providers[0].orders.statuses[1]: unknown order status 'paid' "
                "(did you mean 'p'?); pretix's codes are n pending, p paid, e expired, c canceled",
                "cfg.toml:6:26: providers[0].orders.statuses[2]: unknown order status 'P' (did "
                "you mean 'p'?); pretix's codes are n pending, p paid, e expired, c canceled",
                "cfg.toml:6:31: providers[0].orders.statuses[3]: unknown order status 'x'; "
                "pretix's codes are n pending, p paid, e expired, c canceled"}));
  EXPECT_EQ(problems_of("[providers.orders]\nstatuses = \"cancelled\"\n"),
            std::vector<std::string>{
                "cfg.toml:6:12: providers[0].orders.statuses[0]: unknown order status "
                "'cancelled' (did you mean 'c'?); pretix's codes are n pending, p paid, e "
                "expired, c canceled"});
}

TEST(ConfigOrderFilter, WrongTypesEmptyListsAndUnknownKeysAreRefused) {
  EXPECT_EQ(problems_of("[providers.orders]\ntest_mode = \"no\"\nsales_channels = [\"web\", 1]\n"
                        "statuses = []\nawaiting_aproval = false\n"),
            (std::vector<std::string>{
                "cfg.toml:6:13: providers[0].orders.test_mode: expected true or false",
                "cfg.toml:7:26: providers[0].orders.sales_channels[1]: expected a string",
                "cfg.toml:8:12: providers[0].orders.statuses: an empty list syncs no order; "
                "leave statuses out to sync every status",
                "cfg.toml:9:1: providers[0].orders.awaiting_aproval: unknown key (did you mean "
                "'awaiting_approval'?)"}));
  EXPECT_EQ(problems_of("orders = \"paid\"\n"),
            std::vector<std::string>{"cfg.toml:5:10: providers[0].orders: expected a table"});
}

}  // namespace
}  // namespace tixsync::config
