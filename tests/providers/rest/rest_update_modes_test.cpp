// pretix's update modes as the REST provider applies them against the external object it found:
// overwrite (even with empty values), if_empty ("only if empty"), if_new, and append with a
// joiner or native lists, including pretix's quirks (old values shadow earlier entries, a
// missing field becomes ["", value] with native lists).
#include <gtest/gtest.h>

#include "providers/rest/rest_provider.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::rest_fixture;

const std::string email = "anna@example.org";

/// Syncs with `properties` against the existing `contact` (or none) and returns the body sent
/// (create or update), or null when nothing was written.
json written_body(rest_fixture& f, const std::optional<json>& contact,
                  std::vector<mapping::property_value> properties) {
  if (contact) f.crm->put("contact", *contact);
  const auto before = f.transport->requests().size();
  const auto done = f.sync(f.request(email, std::move(properties)));
  EXPECT_TRUE(done.result.ok()) << done.result.error->summary();
  const auto requests = f.transport->requests();
  for (auto i = before; i < requests.size(); ++i) {
    if (requests[i].method != "GET") return json::parse(requests[i].body);
  }
  return nullptr;
}

json existing() {
  return {{"id", "7"},   {"email", email},  {"name", "Old Name"},
          {"phone", ""}, {"tags", "press"}, {"note", "keep"}};
}

TEST(rest_update_modes, overwrite_replaces_and_writes_empty_values) {
  rest_fixture f;
  EXPECT_EQ(written_body(f, existing(), {{"name", "Anna", "overwrite"}, {"note", "", "overwrite"}}),
            json({{"name", "Anna"}, {"note", ""}, {"email", email}}));
}

TEST(rest_update_modes, if_empty_writes_only_into_empty_fields) {
  rest_fixture f;
  EXPECT_EQ(written_body(f, existing(),
                         {{"phone", "+49 1", "if_empty"},
                          {"name", "Anna", "if_empty"},
                          {"city", "Berlin", "if_empty"}}),
            json({{"phone", "+49 1"}, {"city", "Berlin"}, {"email", email}}));
}

TEST(rest_update_modes, if_new_writes_only_when_creating) {
  rest_fixture f;
  // Existing: the if_new field is left alone; only the id field is written, and it is equal:
  // nothing to do.
  EXPECT_EQ(written_body(f, existing(), {{"source", "tixsync", "if_new"}}), nullptr);
  EXPECT_EQ(f.transport->requests().back().method, "GET");
  // New: written.
  rest_fixture g;
  EXPECT_EQ(written_body(g, std::nullopt, {{"source", "tixsync", "if_new"}}),
            json({{"source", "tixsync"}, {"email", email}}));
}

TEST(rest_update_modes, append_with_a_joiner) {
  rest_fixture f(testing::contact_settings(), {testing::contact_mapping()}, std::string(";"));
  // New items are appended to the separated list; present ones are not repeated.
  EXPECT_EQ(written_body(f, existing(), {{"tags", "vip;press", "append"}}),
            json({{"tags", "press;vip"}, {"email", email}}));
}

TEST(rest_update_modes, append_of_a_present_item_changes_nothing) {
  rest_fixture f(testing::contact_settings(), {testing::contact_mapping()}, std::string(";"));
  EXPECT_EQ(written_body(f, existing(), {{"tags", "press", "append"}}), nullptr);
}

TEST(rest_update_modes, append_with_native_lists) {
  rest_fixture f(testing::contact_settings(), {testing::contact_mapping()}, std::nullopt);
  json contact = existing();
  contact["tags"] = {"press"};
  EXPECT_EQ(written_body(f, contact, {{"tags", "vip", "append"}}),
            json({{"tags", {"press", "vip"}}, {"email", email}}));
  // A new object: pretix turns the missing field into [""] first (quirk 13).
  rest_fixture g(testing::contact_settings(), {testing::contact_mapping()}, std::nullopt);
  EXPECT_EQ(written_body(g, std::nullopt, {{"tags", "vip", "append"}}),
            json({{"tags", {"", "vip"}}, {"email", email}}));
}

TEST(rest_update_modes, old_values_shadow_earlier_entries_of_the_same_field) {
  rest_fixture f(testing::contact_settings(), {testing::contact_mapping()}, std::string(","));
  // Both appends see the existing "press", not each other's output: the second wins.
  EXPECT_EQ(written_body(f, existing(), {{"tags", "a", "append"}, {"tags", "b", "append"}}),
            json({{"tags", "press,b"}, {"email", email}}));
}

TEST(rest_update_modes, an_unknown_mode_is_a_configuration_error) {
  rest_fixture f;
  f.crm->put("contact", existing());
  const auto done = f.sync(f.request(email, {{"name", "Anna", "merge"}}));
  ASSERT_FALSE(done.result.ok());
  EXPECT_EQ(done.result.error->kind, sync_error_kind::config);
  EXPECT_EQ(done.result.error->summary(), "Invalid update mode merge");
}

}  // namespace
}  // namespace tixsync::providers::rest
