// Key names, hash tags and identifier validation (no Redis needed).
#include "persistence/keys.hpp"

#include <gtest/gtest.h>

namespace tixsync::persistence {
namespace {

TEST(keys, queue_keys_share_the_provider_hash_tag) {
  key_space keys;
  auto q = keys.queue("crm");
  EXPECT_EQ(q.items, "tixsync:{crm}:items");
  EXPECT_EQ(q.fence, "tixsync:{crm}:fence");
  EXPECT_EQ(q.all().size(), 10u);
  for (const auto& k : q.all()) EXPECT_NE(k.find("{crm}"), std::string::npos) << k;
  item_ref r{"crm", "org/ev", "ABC12"};
  EXPECT_EQ(keys.audit_log(r), "tixsync:{crm}:log:org/ev:ABC12");
  EXPECT_EQ(keys.results(r), "tixsync:{crm}:results:org/ev:ABC12");
  EXPECT_EQ(keys.order_snapshot("org/ev", "ABC12"), "tixsync:snapshot:{org/ev}:order:ABC12");
  EXPECT_EQ(keys.event_snapshot("org/ev"), "tixsync:snapshot:{org/ev}:event");
}

TEST(keys, prefix_is_configurable_and_validated) {
  key_space keys("staging:ts");
  EXPECT_TRUE(keys.valid().ok());
  EXPECT_EQ(keys.queue("crm").ready, "staging:ts:{crm}:ready");
  EXPECT_EQ(key_space("bad{prefix}").valid().code(), persistence_errc::invalid_identifier);
  EXPECT_EQ(key_space("").valid().code(), persistence_errc::invalid_identifier);
}

TEST(keys, identifiers_are_validated) {
  EXPECT_TRUE(validate({"crm", "org/ev-1.x", "ABC_12"}).ok());
  EXPECT_FALSE(validate({"crm/x", "ev", "A"}).ok());  // '/' only in events
  EXPECT_FALSE(validate({"crm", "ev:1", "A"}).ok());
  EXPECT_FALSE(validate({"crm", "ev", "A B"}).ok());
  EXPECT_FALSE(validate({"", "ev", "A"}).ok());
  EXPECT_FALSE(validate({"crm", std::string(101, 'e'), "A"}).ok());
  auto s = validate({"crm", "ev", "A\nB"});
  EXPECT_EQ(s.code(), persistence_errc::invalid_identifier);
  EXPECT_NE(s.message().find("order"), std::string::npos);
}

TEST(keys, item_ids_round_trip) {
  item_ref r;
  ASSERT_TRUE(parse_item_id("crm", "org/ev:ABC", r));
  EXPECT_EQ(r, (item_ref{"crm", "org/ev", "ABC"}));
  EXPECT_FALSE(parse_item_id("crm", "no-colon", r));
  EXPECT_FALSE(parse_item_id("crm", "ev:A:B", r));
}

}  // namespace
}  // namespace tixsync::persistence
