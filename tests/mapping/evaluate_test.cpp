// Tests for evaluating orders against mappings with the fixtures of tests/data: value maps on list
// values, joiners and native lists, id values and skipped objects, configuration errors, and the
// objects per mapping (positions including cancelled ones and add-ons).
#include "mapping/evaluate.hpp"

#include <gtest/gtest.h>

#include <map>

#include "mapping/order_reader.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::mapping {
namespace {

using tixsync::testing::read_test_data;
using tixsync::testing::read_test_data_lines;

const json status_map = {{"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}};

class evaluate_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    order_reader reader;
    read_error error;
    event_ = new event_bundle;
    ASSERT_TRUE(reader.read_event_bundle(read_test_data("event.json"), *event_, error))
        << error.to_string();
    orders_ = new std::map<std::string, order>;
    for (const auto& line : read_test_data_lines("orders.jsonl")) {
      order o;
      ASSERT_TRUE(reader.read_order(line, o, error)) << error.to_string();
      orders_->emplace(o.code, std::move(o));
    }
    catalogue_ = new field_catalogue(*event_);
  }
  static void TearDownTestSuite() {
    delete catalogue_;
    delete orders_;
    delete event_;
  }

  static const order& find_order(const std::string& code) { return orders_->at(code); }

  static field_inputs order_inputs(const order& o) {
    field_inputs inputs;
    inputs.order = &o;
    inputs.event = event_;
    inputs.context = &context_;
    return inputs;
  }

  /// Inputs of an OrderPosition mapping for position number `positionid` of the order.
  static field_inputs position_inputs(const std::string& code, std::int64_t positionid) {
    const order& o = find_order(code);
    field_inputs inputs = order_inputs(o);
    for (const auto& p : o.positions) {
      if (p.positionid == positionid) inputs.position = &p;
    }
    EXPECT_NE(inputs.position, nullptr) << code << "-" << positionid;
    return inputs;
  }

  static json value(const std::string& key, const field_inputs& inputs,
                    const json& value_map = nullptr, const evaluation_options& options = {}) {
    return field_value(*catalogue_, key, inputs, value_map, options);
  }

  /// Parses mappings; `validated` ones must pass validate_mappings too.
  static std::vector<mapping_definition> parse(const std::string& text, bool validated = true) {
    std::vector<mapping_problem> problems;
    auto mappings = parse_mappings(json::parse(text), problems);
    if (validated) validate_mappings(mappings, *catalogue_, problems);
    for (const auto& p : problems) ADD_FAILURE() << p.to_string();
    return mappings;
  }

  static std::vector<evaluated_object> evaluate(const mapping_definition& mapping, const order& o,
                                                const evaluation_options& options = {}) {
    return evaluate_mapping(mapping, o, *event_, *catalogue_, context_, options);
  }

  static mapping_definition single(const std::string& model, const std::string& id_field,
                                   const std::string& properties = "[]", bool validated = true) {
    return parse(R"([{"id": 5, "pretix_model": ")" + model +
                     R"(", "external_object_type": "things", "pretix_id_field": ")" + id_field +
                     R"(", "external_id_field": "ref", "property_mappings": )" + properties + "}]",
                 validated)
        .at(0);
  }

  static event_bundle* event_;
  static std::map<std::string, order>* orders_;
  static field_catalogue* catalogue_;
  static evaluation_context context_;
};

event_bundle* evaluate_test::event_ = nullptr;
std::map<std::string, order>* evaluate_test::orders_ = nullptr;
field_catalogue* evaluate_test::catalogue_ = nullptr;
evaluation_context evaluate_test::context_;

const evaluation_options native_lists{std::nullopt};

// --- field_value ----------------------------------------------------------------------------

TEST_F(evaluate_test, order_status_through_value_map) {
  EXPECT_EQ(value("order_status", order_inputs(find_order("K3ZPA")), status_map), "paid");
  EXPECT_EQ(value("order_status", order_inputs(find_order("M8HTR")), status_map), "pending");
  EXPECT_EQ(value("order_status", order_inputs(find_order("Q7DKL")), status_map), "expired");
  EXPECT_EQ(value("order_status", order_inputs(find_order("K3ZPA"))), "p");
}

TEST_F(evaluate_test, status_map_with_canceled_and_refunded_uses_the_later_entry) {
  // Quirk 9: pretix's test map lists c -> canceled and c -> refunded; JSON keeps the last.
  const json map = json::parse(
      R"({"n": "pending", "p": "paid", "e": "expired", "c": "canceled", "c": "refunded"})");
  EXPECT_EQ(value("order_status", order_inputs(find_order("P3CVE")), map), "refunded");
}

TEST_F(evaluate_test, multiple_choice_answers_joined) {
  const auto inputs = position_inputs("K3ZPA", 1);
  EXPECT_EQ(value("question_TOPICS", inputs), "T-CPP,T-NET");
  EXPECT_EQ(value("question_TOPICS", inputs, nullptr, {std::string("; ")}), "T-CPP; T-NET");
  EXPECT_EQ(
      value("question_TOPICS", inputs, {{"T-CPP", "C++"}, {"T-NET", "Networks"}, {"T-OPS", "Ops"}}),
      "C++,Networks");
}

TEST_F(evaluate_test, native_lists_without_joiner) {
  const auto inputs = position_inputs("K3ZPA", 1);
  EXPECT_EQ(value("question_TOPICS", inputs, nullptr, native_lists),
            json::array({"T-CPP", "T-NET"}));
  EXPECT_EQ(value("order_status", inputs, status_map, native_lists), json::array({"paid"}));
  // pretix joins only with a truthy joiner: "" keeps lists too.
  EXPECT_EQ(value("question_TOPICS", inputs, nullptr, {std::string()}),
            json::array({"T-CPP", "T-NET"}));
}

TEST_F(evaluate_test, unanswered_question_is_empty_string_and_ignores_the_map) {
  const json diet_map = {{"DIET-VEG", "V"}, {"DIET-VGN", "VG"}, {"DIET-NONE", "-"}};
  EXPECT_EQ(value("question_DIET", position_inputs("M8HTR", 1), diet_map), "");
  EXPECT_EQ(value("question_DIET", position_inputs("M8HTR", 1), diet_map, native_lists), "");
}

TEST_F(evaluate_test, boolean_and_null_values_pass_unchanged) {
  EXPECT_EQ(value("question_NEWSLETTER", position_inputs("K3ZPA", 1)), true);
  EXPECT_EQ(value("payment_date", order_inputs(find_order("M8HTR"))), nullptr);
}

TEST_F(evaluate_test, value_map_on_field_without_options_is_ignored) {
  EXPECT_EQ(value("order_code", order_inputs(find_order("K3ZPA")), {{"K3ZPA", "x"}}), "K3ZPA");
}

TEST_F(evaluate_test, ticket_status_of_cancelled_position) {
  EXPECT_EQ(value("ticket_status", position_inputs("U7JCV", 2), status_map), "canceled");
  EXPECT_EQ(value("order_status", position_inputs("U7JCV", 2), status_map), "paid");
}

TEST_F(evaluate_test, add_on_inherits_answer_of_parent_and_map_applies) {
  const json diet_map = {{"DIET-VEG", "V"}, {"DIET-VGN", "VG"}, {"DIET-NONE", "ANY"}};
  EXPECT_EQ(value("question_DIET", position_inputs("L7QXM", 2), diet_map), "ANY");
}

TEST_F(evaluate_test, value_map_missing_a_value_is_a_config_error) {
  try {
    value("question_TOPICS", position_inputs("K3ZPA", 1), {{"T-CPP", "C++"}});
    FAIL() << "no exception";
  } catch (const sync_config_error& e) {
    EXPECT_STREQ(e.what(),
                 "Please update value mapping for field \"question_TOPICS\" - option "
                 "\"['T-CPP', 'T-NET']\" not assigned");
  }
  // An empty map is a map: pretix's "{}" fails for every value.
  EXPECT_THROW(value("order_status", order_inputs(find_order("K3ZPA")), json::object()),
               sync_config_error);
}

TEST_F(evaluate_test, joining_a_non_string_fails_like_pythons_join) {
  // Value maps from parse_mappings hold strings only; field_value takes any JSON map.
  const auto inputs = order_inputs(find_order("K3ZPA"));
  try {
    value("order_status", inputs, {{"p", 1}, {"n", 0}, {"e", 0}, {"c", 0}});
    FAIL() << "no exception";
  } catch (const field_internal_error& e) {
    EXPECT_STREQ(e.what(), "sequence item 0: expected str instance, int found");
  }
  EXPECT_EQ(value("order_status", inputs, {{"p", 1}}, native_lists), json::array({1}));
}

TEST_F(evaluate_test, unknown_field_is_a_config_error) {
  try {
    value("shoe_size", order_inputs(find_order("K3ZPA")));
    FAIL() << "no exception";
  } catch (const sync_config_error& e) {
    EXPECT_STREQ(e.what(),
                 "Field \"shoe_size\" does not exist. Please check your mapping settings.");
  }
}

TEST_F(evaluate_test, position_field_without_position_is_a_config_error) {
  const auto inputs = order_inputs(find_order("K3ZPA"));
  try {
    value("attendee_name", inputs);
    FAIL() << "no exception";
  } catch (const sync_config_error& e) {
    EXPECT_STREQ(e.what(),
                 "Field \"attendee_name\" requires position, but only got order, event. Please "
                 "check your mapping settings.");
  }
  EXPECT_THROW(value("event_date_from", inputs), sync_config_error);
  EXPECT_EQ(value("event_slug", inputs), "ndd25");
}

TEST_F(evaluate_test, sub_event_dates_come_from_the_positions_sub_event) {
  event_bundle event = *event_;
  event.has_subevents = true;
  subevent date;
  date.id = 9;
  date.date_from = "2025-10-01T10:00:00+02:00";
  event.subevents.push_back(date);
  order o = find_order("K3ZPA");
  o.positions.at(0).subevent = 9;
  const field_catalogue catalogue(event);
  const auto mapping = single("OrderPosition", "ticket_id",
                              R"([{"pretix_field": "event_date_from", "external_field": "d"}])");
  auto objects = evaluate_mapping(mapping, o, event, catalogue, context_, {});
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].properties.at(0).value, "2025-10-01T08:00:00+00:00");

  o.positions.at(0).subevent = 10;  // not in the event data
  EXPECT_THROW(evaluate_mapping(mapping, o, event, catalogue, context_, {}), field_internal_error);
}

// --- evaluate_mapping ---------------------------------------------------------------------

TEST_F(evaluate_test, order_mapping_gives_one_object) {
  const auto mappings = parse(read_test_data("mappings-example.json"));
  auto objects = evaluate(mappings.at(0), find_order("K3ZPA"));
  ASSERT_EQ(objects.size(), 1u);
  const auto& object = objects[0];
  EXPECT_EQ(object.mapping_id, 1);
  EXPECT_EQ(object.pretix_model, "Order");
  EXPECT_FALSE(object.position_id.has_value());
  EXPECT_EQ(object.external_object_type, "ticketorders");
  EXPECT_EQ(object.external_id_field, "ordernumber");
  EXPECT_EQ(object.id_value, "NDD25-K3ZPA");
  EXPECT_FALSE(object.skipped());
  ASSERT_EQ(object.properties.size(), 6u);
  auto expect_property = [&](std::size_t i, const char* field, const json& value,
                             const char* mode) {
    EXPECT_EQ(object.properties[i].external_field, field) << i;
    EXPECT_EQ(object.properties[i].value, value) << i;
    EXPECT_EQ(object.properties[i].mode, mode) << i;
  };
  expect_property(0, "orderemail", "lena.fischer@example.org", "overwrite");
  expect_property(1, "status", "paid", "overwrite");
  expect_property(2, "total", "249.00", "overwrite");
  expect_property(3, "payment_date", "2025-05-05T09:30:00+00:00", "overwrite");
  expect_property(4, "company", "Fischer Software GmbH", "if_empty");
  expect_property(5, "language", "English", "if_new");
}

TEST_F(evaluate_test, position_mapping_gives_one_object_per_position_including_add_ons) {
  const auto mappings = parse(read_test_data("mappings-example.json"));
  auto objects = evaluate(mappings.at(1), find_order("S9GMT"));
  ASSERT_EQ(objects.size(), 4u);
  const std::vector<std::int64_t> ids = {10081, 10082, 10083, 10084};
  for (std::size_t i = 0; i < objects.size(); ++i) {
    EXPECT_EQ(objects[i].mapping_id, 2);
    EXPECT_EQ(objects[i].pretix_model, "OrderPosition");
    EXPECT_EQ(objects[i].position_id, ids[i]);
    EXPECT_EQ(objects[i].id_value, "S9GMT-" + std::to_string(i + 1));
    EXPECT_EQ(objects[i].properties.size(), 8u);
  }
  EXPECT_EQ(objects[1].properties.at(6).value, "WS-ADDON");  // product of the add-on
}

TEST_F(evaluate_test, position_mapping_includes_cancelled_positions) {
  const auto mappings = parse(read_test_data("mappings-example.json"));
  auto objects = evaluate(mappings.at(1), find_order("U7JCV"));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[1].position_id, 10102);
  EXPECT_EQ(objects[1].properties.at(3).external_field, "status");
  EXPECT_EQ(objects[1].properties.at(3).value, "canceled");
  EXPECT_EQ(objects[0].properties.at(3).value, "paid");
}

TEST_F(evaluate_test, empty_id_value_marks_object_skipped_but_properties_are_evaluated) {
  const auto mapping = single("OrderPosition", "voucher_code",
                              R"([{"pretix_field": "ticket_id", "external_field": "t"}])");
  auto objects = evaluate(mapping, find_order("R8FNS"));
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].id_value, "SPEAKER25");
  EXPECT_FALSE(objects[0].skipped());
  objects = evaluate(mapping, find_order("K3ZPA"));
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0].id_value, "");
  EXPECT_TRUE(objects[0].skipped());
  EXPECT_EQ(objects[0].properties.at(0).value, "K3ZPA-1");
}

TEST_F(evaluate_test, null_id_value_is_skipped) {
  const auto mapping = single("OrderPosition", "attendee_email");
  auto objects = evaluate(mapping, find_order("K3ZPA"));
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_TRUE(objects[0].id_value.is_null());
  EXPECT_TRUE(objects[0].skipped());
}

TEST_F(evaluate_test, errors_surface_for_skipped_objects_too) {
  const auto mapping = single("OrderPosition", "voucher_code", R"([{"pretix_field": "order_status",
      "external_field": "s", "value_map": {"n": "pending"}}])",
                              false);  // the incomplete map would fail validation
  EXPECT_THROW(evaluate(mapping, find_order("K3ZPA")), sync_config_error);
}

TEST_F(evaluate_test, list_id_value_is_joined_without_value_map) {
  const auto mapping = single("OrderPosition", "ticket_status");
  auto objects = evaluate(mapping, find_order("U7JCV"));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].id_value, "p");
  EXPECT_EQ(objects[1].id_value, "c");
  objects = evaluate(mapping, find_order("U7JCV"), native_lists);
  EXPECT_EQ(objects[1].id_value, json::array({"c"}));
  EXPECT_FALSE(objects[1].skipped());
}

TEST_F(evaluate_test, position_field_in_order_mapping_is_a_config_error) {
  mapping_definition mapping;
  mapping.id = 1;
  mapping.pretix_model = "Order";
  mapping.pretix_id_field = "order_code";
  mapping.property_mappings.push_back({"attendee_name", "name", nullptr, "overwrite"});
  EXPECT_THROW(evaluate(mapping, find_order("K3ZPA")), sync_config_error);
  mapping.property_mappings.clear();
  mapping.pretix_id_field = "ticket_id";
  EXPECT_THROW(evaluate(mapping, find_order("K3ZPA")), sync_config_error);
}

TEST_F(evaluate_test, unknown_field_fails_only_when_evaluated) {
  mapping_definition mapping;
  mapping.id = 1;
  mapping.pretix_model = "OrderPosition";
  mapping.pretix_id_field = "ticket_id";
  mapping.property_mappings.push_back({"shoe_size", "size", nullptr, "overwrite"});
  EXPECT_THROW(evaluate(mapping, find_order("K3ZPA")), sync_config_error);
  order no_positions = find_order("K3ZPA");
  no_positions.positions.clear();
  EXPECT_TRUE(evaluate(mapping, no_positions).empty());  // as in pretix: nothing evaluated
}

TEST_F(evaluate_test, invalid_model_is_a_config_error) {
  mapping_definition mapping;
  mapping.id = 1;
  mapping.pretix_model = "Customer";
  mapping.pretix_id_field = "email";
  try {
    evaluate(mapping, find_order("K3ZPA"));
    FAIL() << "no exception";
  } catch (const sync_config_error& e) {
    EXPECT_STREQ(e.what(), "Invalid pretix model 'Customer'");
  }
}

// --- evaluate_order and to_json -------------------------------------------------------------

TEST_F(evaluate_test, evaluate_order_runs_mappings_in_order) {
  const auto mappings = parse(read_test_data("mappings-example.json"));
  auto objects = evaluate_order(mappings, find_order("L7QXM"), *event_, *catalogue_, context_, {});
  ASSERT_EQ(objects.size(), 3u);
  EXPECT_EQ(objects[0].mapping_id, 1);
  EXPECT_EQ(objects[1].position_id, 10021);
  EXPECT_EQ(objects[2].position_id, 10022);
  EXPECT_EQ(objects[2].properties.at(4).value, "ANY");  // question_DIET from the parent
}

TEST_F(evaluate_test, every_fixture_order_evaluates) {
  const auto mappings = parse(read_test_data("mappings-example.json"));
  std::size_t objects = 0, positions = 0;
  for (const auto& [code, o] : *orders_) {
    objects += evaluate_order(mappings, o, *event_, *catalogue_, context_, {}).size();
    positions += o.positions.size();
  }
  EXPECT_EQ(objects, orders_->size() + positions);
}

TEST_F(evaluate_test, to_json_shape) {
  const auto mappings = parse(read_test_data("mappings-example.json"));
  auto objects =
      evaluate_order(mappings, find_order("K3ZPA"), *event_, *catalogue_, context_, native_lists);
  ASSERT_EQ(objects.size(), 2u);
  const json order_object = to_json(objects[0]);
  EXPECT_EQ(order_object["mapping_id"], 1);
  EXPECT_EQ(order_object["pretix_model"], "Order");
  EXPECT_TRUE(order_object["position_id"].is_null());
  EXPECT_EQ(order_object["external_object_type"], "ticketorders");
  EXPECT_EQ(order_object["external_id_field"], "ordernumber");
  EXPECT_EQ(order_object["id_value"], "NDD25-K3ZPA");
  EXPECT_EQ(order_object["skipped"], false);
  EXPECT_EQ(order_object["properties"][1], json({{"external_field", "status"},
                                                 {"value", json::array({"paid"})},
                                                 {"mode", "overwrite"}}));
  const json position_object = to_json(objects[1]);
  EXPECT_EQ(position_object["position_id"], 10011);
  EXPECT_EQ(position_object["properties"][5], json({{"external_field", "topics"},
                                                    {"value", json::array({"T-CPP", "T-NET"})},
                                                    {"mode", "append"}}));
  EXPECT_EQ(position_object.size(), 8u);
}

}  // namespace
}  // namespace tixsync::mapping
