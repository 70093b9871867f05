// Tests for order_filter and the configured providers' should_sync_order: every rule on its own,
// the defaults that sync every order, and a configured provider that asks its filter before the
// inner provider's own decision.
#include "config/order_filter.hpp"

#include <gtest/gtest.h>

#include "providers/configured_provider.hpp"

namespace tixsync::providers {
namespace {

mapping::order order_of(std::string status, bool testmode = false, std::string channel = "web",
                        bool approval = false) {
  mapping::order o;
  o.code = "ABC12";
  o.status = std::move(status);
  o.testmode = testmode;
  o.sales_channel = std::move(channel);
  o.require_approval = approval;
  return o;
}

TEST(order_filter, the_default_syncs_every_order) {
  const order_filter all;
  for (const auto& [code, name] : config::order_status_codes()) {
    EXPECT_TRUE(all.accepts(order_of(code, true, "pretixpos", true))) << name;
  }
}

TEST(order_filter, each_rule_refuses_with_its_reason) {
  order_filter paid;
  paid.statuses = {"p", "c"};
  EXPECT_TRUE(paid.accepts(order_of("p")));
  EXPECT_EQ(paid.refusal(order_of("n")), "status 'n' is not synced");

  order_filter live;
  live.test_mode = false;
  EXPECT_TRUE(live.accepts(order_of("p")));
  EXPECT_EQ(live.refusal(order_of("p", true)), "test-mode orders are not synced");

  order_filter web;
  web.sales_channels = {"web"};
  EXPECT_TRUE(web.accepts(order_of("p")));
  EXPECT_EQ(web.refusal(order_of("p", false, "resellers")),
            "sales channel 'resellers' is not synced");

  order_filter approved;
  approved.awaiting_approval = false;
  EXPECT_EQ(approved.refusal(order_of("n", false, "web", true)),
            "orders awaiting approval are not synced");
  // Approved (require_approval cleared) or denied (canceled) orders no longer await approval.
  EXPECT_TRUE(approved.accepts(order_of("n")));
  EXPECT_TRUE(approved.accepts(order_of("c", false, "web", true)));
}

/// An inner provider that syncs only orders with a code other than "SKIP1".
class choosy_provider final : public provider {
 public:
  std::string identifier() const override { return "choosy"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  bool should_sync_order(const mapping::order& order) const override {
    return order.code != "SKIP1";
  }
  void sync_object(object_request, object_completion done) override {
    done(object_result::skipped());
  }

 private:
  std::vector<mapping::mapping_definition> mappings_;
};

TEST(order_filter, a_configured_provider_asks_its_filter_then_the_inner_provider) {
  provider_settings settings;
  settings.identifier = "crm";
  settings.orders.statuses = {"p"};
  const configured_provider crm(settings, std::make_shared<choosy_provider>());
  EXPECT_TRUE(crm.should_sync_order(order_of("p")));
  EXPECT_FALSE(crm.should_sync_order(order_of("n")));
  auto skipped = order_of("p");
  skipped.code = "SKIP1";
  EXPECT_FALSE(crm.should_sync_order(skipped));
}

}  // namespace
}  // namespace tixsync::providers
