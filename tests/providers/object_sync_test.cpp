// Tests for sync_one_object: empty id values are skipped, the provider's answer becomes the
// stored result (or a skip, or an error), synchronous throws are converted, and change detection
// skips unchanged objects only when the provider opts in.
#include "providers/object_sync.hpp"

#include <gtest/gtest.h>

#include "providers/fingerprint.hpp"
#include "tests/providers/provider_test_support.hpp"

namespace tixsync::providers {
namespace {

using testing::make_object;
using testing::make_order;
using testing::make_request;
using testing::scripted_provider;
using testing::sync_and_wait;

const mapping::mapping_definition tickets =
    testing::make_mapping(3, "OrderPosition", "Ticket", "ticket_id");

object_result linked(const object_request& request) {
  object_outcome outcome;
  outcome.external_link_href = "https://crm.example/t/" + request.id_value().get<std::string>();
  outcome.external_link_display_name = "Ticket";
  outcome.sync_info = {{"action", "create"}, {"crm_id", 77}};
  return object_result::synced(outcome);
}

mapping::evaluated_object ticket(json id_value, json price = "23.00") {
  return make_object(tickets, 12, std::move(id_value), {{"price", std::move(price), "overwrite"}});
}

object_request request_for(const provider& p, mapping::evaluated_object object) {
  return make_request(p, make_order("ABC12", {11, 12}), std::move(object));
}

TEST(sync_one_object, skips_an_empty_id_value_without_calling_the_provider) {
  scripted_provider p("crm", {tickets}, linked);
  for (const json& empty : {json(""), json(nullptr), json(false), json::array()}) {
    auto outcome = sync_and_wait(p, request_for(p, ticket(empty)));
    EXPECT_FALSE(outcome.result.has_value());
    EXPECT_FALSE(outcome.error.has_value());
    EXPECT_FALSE(outcome.provider_called);
  }
  EXPECT_TRUE(p.requests().empty());
}

TEST(sync_one_object, turns_the_providers_outcome_into_the_stored_result) {
  scripted_provider p("crm", {tickets}, linked, true);  // completes on another thread
  const auto object = ticket("ABC12-2");
  auto outcome = sync_and_wait(p, request_for(p, object));
  ASSERT_TRUE(outcome.result.has_value());
  const sync_result& r = *outcome.result;
  EXPECT_TRUE(outcome.provider_called);
  EXPECT_EQ(r.provider, "crm");
  EXPECT_EQ(r.mapping_id, 3);
  EXPECT_EQ(r.order_code, "ABC12");
  EXPECT_EQ(r.position_id, 12);
  EXPECT_EQ(r.external_object_type, "Ticket");
  EXPECT_EQ(r.external_id_field, "ticket_id");
  EXPECT_EQ(r.id_value, "ABC12-2");
  EXPECT_EQ(r.external_link_href, "https://crm.example/t/ABC12-2");
  EXPECT_EQ(r.external_link_display_name, "Ticket");
  EXPECT_EQ(r.sync_info, json({{"action", "create"}, {"crm_id", 77}}));
  EXPECT_EQ(r.fingerprint, fingerprint(object));
  EXPECT_GT(r.transmitted_ms, 1'700'000'000'000);
}

TEST(sync_one_object, passes_the_request_through_to_the_provider) {
  scripted_provider p("crm", {tickets}, linked);
  object_request request = request_for(p, ticket("ABC12-2"));
  sync_result earlier;
  earlier.sync_info = {{"crm_id", 77}};
  request.previous = earlier;
  request.mapped_objects = {{1, {std::nullopt}}};
  sync_and_wait(p, std::move(request));
  ASSERT_EQ(p.requests().size(), 1u);
  const object_request seen = p.requests()[0];
  EXPECT_EQ(seen.previous->sync_info["crm_id"], 77);
  EXPECT_EQ(seen.mapped_objects.at(1).size(), 1u);
  EXPECT_EQ(seen.mapping, &p.mappings()[0]);
  ASSERT_NE(seen.position(), nullptr);
  EXPECT_EQ(seen.position()->id, 12);
  EXPECT_EQ(seen.properties().at(0).external_field, "price");
}

TEST(sync_one_object, a_skip_or_an_error_from_the_provider_stores_nothing) {
  scripted_provider skipping("crm", {tickets},
                             [](const object_request&) { return object_result::skipped(); });
  auto skipped = sync_and_wait(skipping, request_for(skipping, ticket("ABC12-2")));
  EXPECT_TRUE(skipped.provider_called);
  EXPECT_FALSE(skipped.result || skipped.error);

  scripted_provider failing("crm", {tickets}, [](const object_request&) {
    return object_result::failed(make_sync_error(sync_error_kind::unrecoverable, "gone"));
  });
  auto failed = sync_and_wait(failing, request_for(failing, ticket("ABC12-2")));
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_EQ(failed.error->kind, sync_error_kind::unrecoverable);
  EXPECT_FALSE(failed.result.has_value());
}

TEST(sync_one_object, converts_what_sync_object_throws) {
  scripted_provider p("crm", {tickets}, [](const object_request&) -> object_result {
    throw recoverable_sync_error({"connection refused"}, "", std::nullopt, "connect");
  });
  auto outcome = sync_and_wait(p, request_for(p, ticket("ABC12-2")));
  ASSERT_TRUE(outcome.error.has_value());
  EXPECT_EQ(outcome.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(outcome.error->signature, "connect");
}

TEST(sync_one_object, keeps_non_object_sync_info) {
  scripted_provider p("crm", {tickets}, [](const object_request&) {
    object_outcome outcome;
    outcome.sync_info = 5;
    return object_result::synced(outcome);
  });
  auto outcome = sync_and_wait(p, request_for(p, ticket("ABC12-2")));
  EXPECT_EQ(outcome.result->sync_info, json({{"value", 5}}));
}

TEST(sync_one_object, change_detection_skips_unchanged_objects_when_enabled) {
  scripted_provider p("crm", {tickets}, linked);
  auto first = sync_and_wait(p, request_for(p, ticket("ABC12-2")));
  ASSERT_TRUE(first.result.has_value());

  object_request again = request_for(p, ticket("ABC12-2"));
  again.previous = first.result;
  auto without = sync_and_wait(p, again);  // change detection is off: the provider is called
  EXPECT_TRUE(without.provider_called);
  EXPECT_EQ(p.requests().size(), 2u);

  p.set_change_detection(true);
  auto unchanged = sync_and_wait(p, again);
  EXPECT_FALSE(unchanged.provider_called);
  ASSERT_TRUE(unchanged.result.has_value());
  EXPECT_TRUE(unchanged.result->nothing_to_do());
  EXPECT_EQ(unchanged.result->sync_info["crm_id"], 77);  // later mappings still see it
  EXPECT_EQ(p.requests().size(), 2u);

  object_request changed = request_for(p, ticket("ABC12-2", "25.00"));
  changed.previous = first.result;
  auto called = sync_and_wait(p, std::move(changed));
  EXPECT_TRUE(called.provider_called);
  EXPECT_EQ(called.result->action(), "create");
  EXPECT_EQ(p.requests().size(), 3u);
}

/// A provider whose finalize throws, or succeeds counting the results it was given.
class finalizing_provider final : public provider {
 public:
  std::string identifier() const override { return "crm"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  void sync_object(object_request, object_completion done) override {
    done(object_result::skipped());
  }
  void finalize_sync_order(finalize_request request, finalize_completion done) override {
    if (fail) throw unrecoverable_sync_error({"bulk endpoint gone"});
    seen = request.mapped_objects.size();
    done(finalize_result::succeeded());
  }
  bool fail = false;
  std::size_t seen = 0;

 private:
  std::vector<mapping::mapping_definition> mappings_;
};

TEST(finalize_order, passes_the_results_and_converts_what_it_throws) {
  finalizing_provider p;
  std::vector<finalize_result> results;
  auto record = [&](finalize_result r) { results.push_back(std::move(r)); };
  finalize_order(p, {make_order("ABC12"), nullptr, {{1, {}}, {2, {}}}}, record);
  p.fail = true;
  finalize_order(p, {make_order("ABC12"), nullptr, {}}, record);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok());
  EXPECT_EQ(p.seen, 2u);
  ASSERT_TRUE(results[1].error.has_value());
  EXPECT_EQ(results[1].error->kind, sync_error_kind::unrecoverable);
}

}  // namespace
}  // namespace tixsync::providers
