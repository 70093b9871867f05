// Tests for the example's in-memory database (behaving like pretix's FakeSyncAPI) and the
// assign_properties update modes as they show up in it when simple_order_sync syncs an object
// three times.
#include "providers/example/in_memory_database.hpp"

#include <gtest/gtest.h>

#include "providers/example/example_providers.hpp"
#include "tests/providers/provider_test_support.hpp"

namespace tixsync::providers::example {
namespace {

using call = in_memory_database::call;

TEST(in_memory_database, creates_retrieves_and_merges_like_pretixs_fake_api) {
  in_memory_database db;
  EXPECT_FALSE(db.retrieve_object("contacts", "email", "a@example.org").has_value());
  json created =
      db.create_or_update_object("contacts", {{"email", "a@example.org"}, {"_id", nullptr}});
  EXPECT_EQ(created["_id"], 0);
  db.create_or_update_object("contacts", {{"email", "b@example.org"}});
  auto found = db.retrieve_object("contacts", "email", "b@example.org");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ((*found)["_id"], 1);
  json updated = db.create_or_update_object("contacts", {{"_id", 0}, {"name", "Ann"}});
  EXPECT_EQ(updated, json({{"_id", 0}, {"name", "Ann"}}));  // returns what was sent
  EXPECT_EQ(db.records("contacts")[0],
            json({{"_id", 0}, {"email", "a@example.org"}, {"name", "Ann"}}));
  EXPECT_EQ(db.records("other"), json::array());
  EXPECT_EQ(db.dump().size(), 1u);
  EXPECT_EQ(db.calls(call::create), 2u);
  EXPECT_EQ(db.calls(call::update), 1u);
  EXPECT_EQ(db.calls(call::retrieve), 2u);
  EXPECT_THROW(db.create_or_update_object("contacts", {{"_id", 7}}), std::out_of_range);
}

TEST(in_memory_database, injected_failures_throw_the_given_error_then_stop) {
  in_memory_database db;
  db.fail_next_calls(2, make_sync_error(sync_error_kind::rate_limited, "slow down"));
  for (int i = 0; i < 2; ++i) {
    try {
      db.retrieve_object("contacts", "email", "a@example.org");
      ADD_FAILURE() << "call " << i << " did not fail";
    } catch (const base_sync_error& e) {
      EXPECT_EQ(e.error().kind, sync_error_kind::rate_limited);
    }
  }
  EXPECT_NO_THROW(db.create_or_update_object("contacts", {{"email", "a@example.org"}}));
  EXPECT_EQ(db.calls(call::retrieve), 0u);
}

/// A contact mapping whose properties use every update mode.
mapping::mapping_definition contact_mapping() {
  mapping::mapping_definition m = testing::make_mapping(1, "Order", "contacts", "email");
  m.property_mappings = {{"order_code", "tags", nullptr, "append"},
                         {"phone", "phone", nullptr, "if_empty"},
                         {"order_locale", "source", nullptr, "if_new"},
                         {"comment", "note", nullptr, "overwrite"}};
  return m;
}

mapping::evaluated_object contact(const std::string& tag, const std::string& phone,
                                  const std::string& source, const std::string& note) {
  return testing::make_object(contact_mapping(), std::nullopt, "jane@example.org",
                              {{"tags", tag, "append"},
                               {"phone", phone, "if_empty"},
                               {"source", source, "if_new"},
                               {"note", note, "overwrite"}});
}

TEST(simple_order_sync, update_modes_show_in_the_external_records) {
  auto db = std::make_shared<in_memory_database>();
  simple_order_sync p(db, {contact_mapping()});
  testing::result_store store;
  auto order = testing::make_order("ABC12");
  auto sync = [&](mapping::evaluated_object object) {
    testing::order_run run = testing::run_order(p, order, {std::move(object)}, store);
    EXPECT_FALSE(run.error.has_value());
    return run.actions.at(0);
  };
  EXPECT_EQ(sync(contact("vip", "+49 1", "web", "")), "create");
  EXPECT_EQ(db->records("contacts")[0], json({{"_id", 0},
                                              {"email", "jane@example.org"},
                                              {"tags", "vip"},
                                              {"phone", "+49 1"},
                                              {"source", "web"},
                                              {"note", ""}}));
  // append adds, if_empty and if_new keep what is there, overwrite replaces.
  EXPECT_EQ(sync(contact("press", "+49 2", "box", "x")), "update");
  EXPECT_EQ(db->records("contacts")[0], json({{"_id", 0},
                                              {"email", "jane@example.org"},
                                              {"tags", "vip;press"},
                                              {"phone", "+49 1"},
                                              {"source", "web"},
                                              {"note", "x"}}));
  EXPECT_EQ(sync(contact("vip", "+49 3", "box", "x")), "nothing_to_do");
  EXPECT_EQ(db->records("contacts").size(), 1u);
  EXPECT_EQ(db->calls(call::update), 1u);
}

}  // namespace
}  // namespace tixsync::providers::example
