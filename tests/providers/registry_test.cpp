// Tests for provider_registry: registration rules, lookups, enabling and disabling, the drop
// reasons for unknown and disabled providers, and close_all.
#include "providers/registry.hpp"

#include <gtest/gtest.h>

#include "tests/providers/provider_test_support.hpp"

namespace tixsync::providers {
namespace {

class named_provider final : public provider {
 public:
  explicit named_provider(std::string id) : id_(std::move(id)) {}
  std::string identifier() const override { return id_; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  void sync_object(object_request, object_completion done) override {
    done(object_result::skipped());
  }
  void close() override {
    ++closed;
    if (id_ == "throws-on-close") throw std::runtime_error("cannot close");
  }
  int closed = 0;

 private:
  std::string id_;
  std::vector<mapping::mapping_definition> mappings_;
};

TEST(provider_registry, finds_registered_providers_by_identifier) {
  provider_registry registry;
  auto crm = std::make_shared<named_provider>("crm");
  registry.add(crm);
  registry.add(std::make_shared<named_provider>("mailing"), false);
  EXPECT_EQ(registry.find("crm"), crm);
  EXPECT_NE(registry.find("mailing"), nullptr);  // disabled ones are still found
  EXPECT_EQ(registry.find("webhook"), nullptr);
  EXPECT_EQ(registry.identifiers(), (std::vector<std::string>{"crm", "mailing"}));
  EXPECT_EQ(registry.size(), 2u);
}

TEST(provider_registry, refuses_null_nameless_and_duplicate_providers) {
  provider_registry registry;
  registry.add(std::make_shared<named_provider>("crm"));
  EXPECT_THROW(registry.add(nullptr), std::invalid_argument);
  EXPECT_THROW(registry.add(std::make_shared<named_provider>("")), std::invalid_argument);
  EXPECT_THROW(registry.add(std::make_shared<named_provider>("crm")), std::invalid_argument);
  EXPECT_EQ(registry.size(), 1u);
}

TEST(provider_registry, find_for_sync_drops_unknown_and_disabled_providers) {
  provider_registry registry;
  auto crm = std::make_shared<named_provider>("crm");
  registry.add(crm);
  EXPECT_EQ(registry.find_for_sync("crm").target, crm);
  EXPECT_TRUE(registry.find_for_sync("crm").drop_reason.empty());

  auto unknown = registry.find_for_sync("webhook");
  EXPECT_EQ(unknown.target, nullptr);
  EXPECT_EQ(unknown.drop_reason, "unknown provider \"webhook\"");

  EXPECT_TRUE(registry.set_enabled("crm", false));
  EXPECT_FALSE(registry.enabled("crm"));
  auto disabled = registry.find_for_sync("crm");
  EXPECT_EQ(disabled.target, nullptr);
  EXPECT_EQ(disabled.drop_reason, "provider \"crm\" is disabled");
  EXPECT_EQ(drop_log_line("ABC12", "crm", disabled.drop_reason),
            "dropping order ABC12 for provider \"crm\": provider \"crm\" is disabled");

  EXPECT_TRUE(registry.set_enabled("crm", true));
  EXPECT_TRUE(registry.enabled("crm"));
  EXPECT_FALSE(registry.set_enabled("webhook", true));
  EXPECT_FALSE(registry.enabled("webhook"));
}

TEST(provider_registry, close_all_closes_each_provider_once_despite_exceptions) {
  provider_registry registry;
  auto a = std::make_shared<named_provider>("a");
  auto bad = std::make_shared<named_provider>("throws-on-close");
  auto z = std::make_shared<named_provider>("z");
  registry.add(a);
  registry.add(bad, false);  // disabled providers are closed too
  registry.add(z);
  registry.close_all();
  registry.close_all();
  EXPECT_EQ(a->closed, 1);
  EXPECT_EQ(bad->closed, 1);
  EXPECT_EQ(z->closed, 1);
}

TEST(provider, defaults_follow_pretix) {
  named_provider p("crm");
  EXPECT_EQ(p.display_name(), "crm");
  EXPECT_EQ(p.max_attempts(), 5);
  EXPECT_EQ(p.list_joiner(), std::optional<std::string>(","));
  EXPECT_EQ(p.evaluation_options().list_joiner, std::optional<std::string>(","));
  EXPECT_FALSE(p.change_detection());
  EXPECT_TRUE(p.should_sync_order(mapping::order{}));
  std::optional<finalize_result> finalized;
  p.finalize_sync_order({}, make_finalize_completion([&](finalize_result r) { finalized = r; }));
  ASSERT_TRUE(finalized.has_value());
  EXPECT_TRUE(finalized->ok());
}

}  // namespace
}  // namespace tixsync::providers
