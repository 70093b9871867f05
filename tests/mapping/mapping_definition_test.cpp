// Tests for reading mappings from JSON (every kind of structural problem, with exact paths, all
// reported at once) and for validating them against the catalogue of tests/data/event.json.
#include "mapping/mapping_definition.hpp"

#include <gtest/gtest.h>

#include "mapping/order_reader.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::mapping {
namespace {

using tixsync::testing::read_test_data;

std::vector<std::string> texts(const std::vector<mapping_problem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.to_string());
  return out;
}

/// Parses JSON text; returns the problems as "<path>: <message>" strings.
std::vector<std::string> parse_problems(const std::string& text) {
  std::vector<mapping_problem> problems;
  parse_mappings(json::parse(text), problems);
  return texts(problems);
}

std::vector<mapping_definition> parse_ok(const std::string& text) {
  std::vector<mapping_problem> problems;
  auto mappings = parse_mappings(json::parse(text), problems);
  EXPECT_EQ(texts(problems), std::vector<std::string>{});
  return mappings;
}

/// A valid mapping with `extra` spliced into its object (e.g. `"x": 1,`).
std::string one_mapping(const std::string& extra, const std::string& properties = "[]") {
  return R"([{)" + extra + R"( "id": 1, "pretix_model": "Order", "external_object_type": "c",
             "pretix_id_field": "email", "external_id_field": "email",
             "property_mappings": )" +
         properties + "}]";
}

// --- parsing ------------------------------------------------------------------------------

TEST(parse_mappings, reads_every_key) {
  auto mappings = parse_ok(R"([{
      "id": 7, "pretix_model": "OrderPosition", "external_object_type": "tickets",
      "pretix_id_field": "ticket_id", "external_id_field": "number",
      "associations": [{"via_mapping_id": 3}],
      "property_mappings": [
        {"pretix_field": "order_status", "external_field": "status",
         "value_map": {"p": "paid"}, "overwrite": "if_empty"},
        {"pretix_field": "product", "external_field": "product"}]}])");
  ASSERT_EQ(mappings.size(), 1u);
  const auto& m = mappings[0];
  EXPECT_EQ(m.id, 7);
  EXPECT_EQ(m.pretix_model, "OrderPosition");
  EXPECT_TRUE(m.is_position_mapping());
  EXPECT_EQ(m.external_object_type, "tickets");
  EXPECT_EQ(m.pretix_id_field, "ticket_id");
  EXPECT_EQ(m.external_id_field, "number");
  ASSERT_EQ(m.associations.size(), 1u);
  EXPECT_EQ(m.associations[0].via_mapping_id, 3);
  ASSERT_EQ(m.property_mappings.size(), 2u);
  EXPECT_EQ(m.property_mappings[0].pretix_field, "order_status");
  EXPECT_EQ(m.property_mappings[0].external_field, "status");
  EXPECT_EQ(m.property_mappings[0].value_map, json({{"p", "paid"}}));
  EXPECT_EQ(m.property_mappings[0].overwrite, "if_empty");
  EXPECT_TRUE(m.property_mappings[1].value_map.is_null());
  EXPECT_EQ(m.property_mappings[1].overwrite, "overwrite");  // the default mode
}

TEST(parse_mappings, array_and_object_forms_are_equivalent) {
  const std::string list = one_mapping("");
  auto bare = parse_ok(list);
  auto wrapped = parse_ok(R"({"mappings": )" + list + "}");
  ASSERT_EQ(bare.size(), 1u);
  ASSERT_EQ(wrapped.size(), 1u);
  EXPECT_EQ(bare[0].id, wrapped[0].id);
  EXPECT_EQ(bare[0].external_object_type, wrapped[0].external_object_type);
  EXPECT_TRUE(parse_ok("[]").empty());
}

TEST(parse_mappings, example_file_reads_without_problems) {
  auto mappings = parse_ok(read_test_data("mappings-example.json"));
  ASSERT_EQ(mappings.size(), 2u);
  EXPECT_EQ(mappings[0].property_mappings.size(), 6u);
  EXPECT_EQ(mappings[1].property_mappings.size(), 8u);
  EXPECT_EQ(mappings[0].property_mappings[1].value_map,
            json({{"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}}));
}

TEST(parse_mappings, missing_or_null_lists_are_empty) {
  auto mappings = parse_ok(R"([
      {"id": 1, "pretix_model": "Order", "external_object_type": "c", "pretix_id_field": "email",
       "external_id_field": "email"},
      {"id": 2, "pretix_model": "Order", "external_object_type": "c", "pretix_id_field": "email",
       "external_id_field": "email", "property_mappings": null, "associations": null}])");
  ASSERT_EQ(mappings.size(), 2u);
  for (const auto& m : mappings) {
    EXPECT_TRUE(m.property_mappings.empty());
    EXPECT_TRUE(m.associations.empty());
  }
}

TEST(parse_mappings, value_map_spellings) {
  auto mappings = parse_ok(one_mapping("", R"([
      {"pretix_field": "a", "external_field": "a", "value_map": "{\"p\": \"paid\"}"},
      {"pretix_field": "b", "external_field": "b", "value_map": ""},
      {"pretix_field": "c", "external_field": "c", "value_map": null},
      {"pretix_field": "d", "external_field": "d", "value_map": {}},
      {"pretix_field": "e", "external_field": "e", "value_map": "{}"}])"));
  const auto& p = mappings.at(0).property_mappings;
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].value_map, json({{"p", "paid"}}));
  EXPECT_TRUE(p[1].value_map.is_null());
  EXPECT_TRUE(p[2].value_map.is_null());
  // An empty object is a map (pretix applies the string "{}" and then fails for every value).
  EXPECT_EQ(p[3].value_map, json::object());
  EXPECT_EQ(p[4].value_map, json::object());
}

TEST(parse_mappings, value_map_string_with_a_number_out_of_range_is_a_problem) {
  // nlohmann reports a number beyond double's range as out_of_range, not as a parse error.
  const auto problems = parse_problems(one_mapping("", R"([
      {"pretix_field": "a", "external_field": "a", "value_map": "{\"p\": 2e308}"}])"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("the string is not valid JSON: number overflow parsing '2e308'"),
            std::string::npos)
      << problems[0];
}

TEST(parse_mappings, value_map_with_duplicate_keys_keeps_the_last) {
  // Quirk 9: pretix's test status map lists canceled and refunded, both "c".
  auto mappings = parse_ok(one_mapping("", R"([{"pretix_field": "order_status",
      "external_field": "s",
      "value_map": "{\"n\": \"pending\", \"c\": \"canceled\", \"c\": \"refunded\"}"}])"));
  EXPECT_EQ(mappings.at(0).property_mappings.at(0).value_map,
            json({{"n", "pending"}, {"c", "refunded"}}));
}

TEST(parse_mappings, value_map_problems) {
  EXPECT_EQ(parse_problems(one_mapping("", R"([
      {"pretix_field": "a", "external_field": "a", "value_map": "[\"p\"]"},
      {"pretix_field": "b", "external_field": "b", "value_map": 5},
      {"pretix_field": "c", "external_field": "c", "value_map": {"p": 1, "n": null, "e": "x"}},
      {"pretix_field": "d", "external_field": "d", "value_map": "\"text\""}])")),
            (std::vector<std::string>{
                "mappings[0].property_mappings[0].value_map: the string must encode a JSON "
                "object of option -> value, it encodes an array",
                "mappings[0].property_mappings[1].value_map: must be an object of option -> "
                "value (or such an object JSON-encoded in a string, \"\" or null for none), got "
                "an integer",
                "mappings[0].property_mappings[2].value_map.n: the value for option \"n\" must "
                "be a string, got null",
                "mappings[0].property_mappings[2].value_map.p: the value for option \"p\" must "
                "be a string, got an integer",
                "mappings[0].property_mappings[3].value_map: the string must encode a JSON "
                "object of option -> value, it encodes a string",
            }));
}

TEST(parse_mappings, value_map_string_that_is_not_json) {
  auto problems = parse_problems(one_mapping("", R"([
      {"pretix_field": "a", "external_field": "a", "value_map": "{'p': 'paid'}"}])"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("mappings[0].property_mappings[0].value_map: the string is not "
                              "valid JSON: parse error at line 1, column 2: ",
                              0),
            0u)
      << problems[0];
}

TEST(parse_mappings, unknown_keys_at_every_level) {
  EXPECT_EQ(parse_problems(R"({"mappings": [{"id": 1, "pretix_model": "Order",
      "external_object_type": "c", "pretix_id_field": "email", "external_id_field": "email",
      "property_mapping": [], "notes": "",
      "property_mappings": [{"pretix_field": "a", "external_field": "b", "overwrites": "x"}],
      "associations": [{"via_mapping_id": 1, "kind": "x"}]}],
      "version": 2})"),
            (std::vector<std::string>{
                "version: unknown key; the document is an array of mappings or an object with "
                "the single key \"mappings\"",
                "mappings[0].notes: unknown key; a mapping has the keys id, pretix_model, "
                "external_object_type, pretix_id_field, external_id_field, property_mappings, "
                "associations",
                "mappings[0].property_mapping: unknown key (did you mean \"property_mappings\"?); "
                "a mapping has the keys id, pretix_model, external_object_type, pretix_id_field, "
                "external_id_field, property_mappings, associations",
                "mappings[0].property_mappings[0].overwrites: unknown key (did you mean "
                "\"overwrite\"?); a property mapping has the keys pretix_field, external_field, "
                "value_map, overwrite",
                "mappings[0].associations[0].kind: unknown key; an association has the keys "
                "via_mapping_id",
            }));
}

TEST(parse_mappings, missing_required_keys) {
  EXPECT_EQ(parse_problems(R"([{"property_mappings": [{}], "associations": [{}]}])"),
            (std::vector<std::string>{
                "mappings[0].id: missing (required)",
                "mappings[0].pretix_model: missing (required)",
                "mappings[0].external_object_type: missing (required)",
                "mappings[0].pretix_id_field: missing (required)",
                "mappings[0].external_id_field: missing (required)",
                "mappings[0].property_mappings[0].pretix_field: missing (required)",
                "mappings[0].property_mappings[0].external_field: missing (required)",
                "mappings[0].associations[0].via_mapping_id: missing (required)",
            }));
}

TEST(parse_mappings, wrong_types_and_values) {
  EXPECT_EQ(parse_problems(R"([{"id": 1.5, "pretix_model": "order", "external_object_type": 3,
      "pretix_id_field": "", "external_id_field": null, "property_mappings": {},
      "associations": "1"}])"),
            (std::vector<std::string>{
                "mappings[0].id: must be an integer, got a number with a fraction",
                "mappings[0].pretix_model: must be \"Order\" or \"OrderPosition\", got \"order\"",
                "mappings[0].external_object_type: must be a string, got an integer",
                "mappings[0].pretix_id_field: must not be empty",
                "mappings[0].external_id_field: must be a string, got null",
                "mappings[0].property_mappings: must be an array, got an object",
                "mappings[0].associations: must be an array, got a string",
            }));
  EXPECT_EQ(parse_problems(one_mapping("", R"([{"pretix_field": "", "external_field": [],
      "overwrite": 1}, 7])")),
            (std::vector<std::string>{
                "mappings[0].property_mappings[0].pretix_field: must not be empty",
                "mappings[0].property_mappings[0].external_field: must be a string, got an array",
                "mappings[0].property_mappings[0].overwrite: must be an update mode string, got "
                "an integer",
                "mappings[0].property_mappings[1]: a property mapping must be an object, got an "
                "integer",
            }));
}

TEST(parse_mappings, ids_must_be_positive_integers) {
  auto problems = parse_problems(R"([
      {"id": 0, "pretix_model": "Order", "external_object_type": "c", "pretix_id_field": "e",
       "external_id_field": "e"},
      {"id": -4, "pretix_model": "Order", "external_object_type": "c", "pretix_id_field": "e",
       "external_id_field": "e", "associations": [{"via_mapping_id": "1"}, 9]},
      {"id": "3", "pretix_model": "Order", "external_object_type": "c", "pretix_id_field": "e",
       "external_id_field": "e"},
      {"id": 18446744073709551615, "pretix_model": "Order", "external_object_type": "c",
       "pretix_id_field": "e", "external_id_field": "e"},
      {"id": true, "pretix_model": "Order", "external_object_type": "c",
       "pretix_id_field": "e", "external_id_field": "e"}])");
  EXPECT_EQ(problems,
            (std::vector<std::string>{
                "mappings[0].id: must be a positive integer, got 0",
                "mappings[1].id: must be a positive integer, got -4",
                "mappings[1].associations[0].via_mapping_id: must be an integer, got a string",
                "mappings[1].associations[1]: an association must be an object "
                "{\"via_mapping_id\": <id>}, got an integer",
                "mappings[2].id: must be an integer, got a string",
                "mappings[3].id: is too large for a mapping id",
                "mappings[4].id: must be an integer, got a boolean",
            }));
}

TEST(parse_mappings, document_shape_problems) {
  EXPECT_EQ(parse_problems(R"("mappings")"),
            (std::vector<std::string>{"mappings: expected an array of mappings or an object "
                                      "{\"mappings\": [...]}, got a string"}));
  EXPECT_EQ(
      parse_problems(R"({})"),
      (std::vector<std::string>{"mappings: missing: expected an object {\"mappings\": [...]}"}));
  EXPECT_EQ(parse_problems(R"({"mapings": []})"),
            (std::vector<std::string>{
                "mapings: unknown key (did you mean \"mappings\"?); the document is an array of "
                "mappings or an object with the single key \"mappings\"",
                "mappings: missing: expected an object {\"mappings\": [...]}"}));
  EXPECT_EQ(parse_problems(R"({"mappings": {"id": 1}})"),
            (std::vector<std::string>{"mappings: must be an array of mappings, got an object"}));
}

TEST(parse_mappings, keeps_one_entry_per_element_so_paths_match) {
  std::vector<mapping_problem> problems;
  auto mappings = parse_mappings(json::parse(R"([5, )" + one_mapping("").substr(1)), problems);
  EXPECT_EQ(texts(problems),
            (std::vector<std::string>{"mappings[0]: a mapping must be an object, got an integer"}));
  ASSERT_EQ(mappings.size(), 2u);
  EXPECT_EQ(mappings[0].id, 0);
  EXPECT_EQ(mappings[1].id, 1);
}

TEST(parse_mappings, problem_file_reports_everything_at_once) {
  auto problems = parse_problems(read_test_data("mappings-problems.json"));
  ASSERT_EQ(problems.size(), 11u);
  EXPECT_EQ(problems[0],
            "mappings[0].comment: unknown key; a mapping has the keys id, pretix_model, "
            "external_object_type, pretix_id_field, external_id_field, property_mappings, "
            "associations");
  EXPECT_EQ(problems[1].rfind("mappings[0].property_mappings[3].value_map: the string is not "
                              "valid JSON: ",
                              0),
            0u);
  const std::vector<std::string> rest(problems.begin() + 2, problems.end());
  EXPECT_EQ(rest, (std::vector<std::string>{
                      "mappings[1].pretix_model: must be \"Order\" or \"OrderPosition\", got "
                      "\"OrderPositions\"",
                      "mappings[1].external_object_type: must not be empty",
                      "mappings[1].external_id_field: missing (required)",
                      "mappings[1].associations[1].via_mapping: unknown key (did you mean "
                      "\"via_mapping_id\"?); an association has the keys via_mapping_id",
                      "mappings[1].associations[1].via_mapping_id: missing (required)",
                      "mappings[2].id: must be an integer, got a string",
                      "mappings[2].property_mappings[0].value_map.DIET-VGN: the value for option "
                      "\"DIET-VGN\" must be a string, got an integer",
                      "mappings[2].property_mappings[1].external_field: missing (required)",
                      "mappings[2].property_mappings[2]: a property mapping must be an object, "
                      "got a string",
                  }));
}

TEST(mapping_problem, to_string_is_path_colon_message) {
  EXPECT_EQ((mapping_problem{"mappings[1].id", "bad"}).to_string(), "mappings[1].id: bad");
}

// --- validation ---------------------------------------------------------------------------

class validate_mappings_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    order_reader reader;
    event_ = new event_bundle;
    read_error error;
    ASSERT_TRUE(reader.read_event_bundle(read_test_data("event.json"), *event_, error))
        << error.to_string();
    catalogue_ = new field_catalogue(*event_);
  }
  static void TearDownTestSuite() {
    delete catalogue_;
    delete event_;
  }

  /// Parses (expecting no structural problems) and validates.
  static std::vector<std::string> validate(const std::string& text) {
    std::vector<mapping_problem> problems;
    auto mappings = parse_mappings(json::parse(text), problems);
    EXPECT_EQ(texts(problems), std::vector<std::string>{});
    validate_mappings(mappings, *catalogue_, problems);
    return texts(problems);
  }

  /// One mapping of `model` with the given property mappings.
  static std::string mapping(const std::string& model, const std::string& properties,
                             const std::string& id_field = "event_order_code") {
    return R"([{"id": 1, "pretix_model": ")" + model +
           R"(", "external_object_type": "t", "pretix_id_field": ")" + id_field +
           R"(", "external_id_field": "id", "property_mappings": )" + properties + "}]";
  }

  static event_bundle* event_;
  static field_catalogue* catalogue_;
};

event_bundle* validate_mappings_test::event_ = nullptr;
field_catalogue* validate_mappings_test::catalogue_ = nullptr;

TEST_F(validate_mappings_test, example_file_is_valid) {
  EXPECT_EQ(validate(read_test_data("mappings-example.json")), std::vector<std::string>{});
}

TEST_F(validate_mappings_test, unknown_fields_with_suggestions) {
  EXPECT_EQ(validate(mapping("OrderPosition", R"([
      {"pretix_field": "question_DEIT", "external_field": "a"},
      {"pretix_field": "shoe_size", "external_field": "b"}])",
                             "tiket_id")),
            (std::vector<std::string>{
                "mappings[0].pretix_id_field: unknown field \"tiket_id\" (did you mean "
                "\"ticket_id\"?); `tixsync fields` lists the fields of the event",
                "mappings[0].property_mappings[0].pretix_field: unknown field \"question_DEIT\" "
                "(did you mean \"question_DIET\"?); `tixsync fields` lists the fields of the "
                "event",
                "mappings[0].property_mappings[1].pretix_field: unknown field \"shoe_size\"; "
                "`tixsync fields` lists the fields of the event",
            }));
}

TEST_F(validate_mappings_test, position_fields_in_order_mapping) {
  EXPECT_EQ(validate(mapping("Order", R"([
      {"pretix_field": "attendee_name", "external_field": "a"},
      {"pretix_field": "event_date_from", "external_field": "b"},
      {"pretix_field": "event_slug", "external_field": "c"},
      {"pretix_field": "email", "external_field": "d"}])",
                             "ticket_id")),
            (std::vector<std::string>{
                "mappings[0].pretix_id_field: field \"ticket_id\" reads an order position; it "
                "works only in an OrderPosition mapping, not in an Order mapping",
                "mappings[0].property_mappings[0].pretix_field: field \"attendee_name\" reads an "
                "order position; it works only in an OrderPosition mapping, not in an Order "
                "mapping",
                "mappings[0].property_mappings[1].pretix_field: field \"event_date_from\" reads "
                "the position's event or sub-event; it works only in an OrderPosition mapping, "
                "not in an Order mapping",
            }));
}

TEST_F(validate_mappings_test, every_field_fits_a_position_mapping) {
  EXPECT_EQ(validate(mapping("OrderPosition", R"([
      {"pretix_field": "attendee_name", "external_field": "a"},
      {"pretix_field": "event_date_from", "external_field": "b"},
      {"pretix_field": "event_slug", "external_field": "c"},
      {"pretix_field": "email", "external_field": "d"}])")),
            std::vector<std::string>{});
}

TEST_F(validate_mappings_test, unknown_update_mode) {
  EXPECT_EQ(validate(mapping("Order", R"([
      {"pretix_field": "email", "external_field": "a", "overwrite": "appnd"},
      {"pretix_field": "email", "external_field": "b", "overwrite": "never"},
      {"pretix_field": "email", "external_field": "c", "overwrite": "if_new"},
      {"pretix_field": "email", "external_field": "d", "overwrite": "if_empty"},
      {"pretix_field": "email", "external_field": "e", "overwrite": "append"}])")),
            (std::vector<std::string>{
                "mappings[0].property_mappings[0].overwrite: unknown update mode \"appnd\" (did "
                "you mean \"append\"?); use overwrite, if_new, if_empty or append",
                "mappings[0].property_mappings[1].overwrite: unknown update mode \"never\"; use "
                "overwrite, if_new, if_empty or append",
            }));
}

TEST_F(validate_mappings_test, value_map_missing_options) {
  EXPECT_EQ(validate(mapping("OrderPosition", R"([
      {"pretix_field": "order_status", "external_field": "a", "value_map": {"p": "paid"}},
      {"pretix_field": "question_DIET", "external_field": "b",
       "value_map": {"DIET-VEG": "V", "DIET-VGN": "VG"}},
      {"pretix_field": "question_TOPICS", "external_field": "c", "value_map": {}}])")),
            (std::vector<std::string>{
                "mappings[0].property_mappings[0].value_map: misses options n, e, c of field "
                "\"order_status\"; a sync fails for any value without a mapping",
                "mappings[0].property_mappings[1].value_map: misses option DIET-NONE of field "
                "\"question_DIET\"; a sync fails for any value without a mapping",
                "mappings[0].property_mappings[2].value_map: misses options T-CPP, T-NET, T-OPS "
                "of field \"question_TOPICS\"; a sync fails for any value without a mapping",
            }));
}

TEST_F(validate_mappings_test, value_map_keys_that_are_not_options) {
  EXPECT_EQ(validate(mapping("OrderPosition", R"([
      {"pretix_field": "question_DIET", "external_field": "b",
       "value_map": {"DIET-VEG": "V", "DIET-VGN": "VG", "DIET-NONE": "-", "DIET-VAG": "?",
                     "r": "refunded"}}])")),
            (std::vector<std::string>{
                "mappings[0].property_mappings[0].value_map: \"DIET-VAG\" is not an option of "
                "field \"question_DIET\" (did you mean \"DIET-VEG\"?); its options are "
                "DIET-VEG, DIET-VGN, DIET-NONE",
                "mappings[0].property_mappings[0].value_map: \"r\" is not an option of field "
                "\"question_DIET\"; its options are DIET-VEG, DIET-VGN, DIET-NONE",
            }));
}

TEST_F(validate_mappings_test, value_map_on_field_without_options) {
  EXPECT_EQ(validate(mapping("OrderPosition", R"([
      {"pretix_field": "product", "external_field": "a", "value_map": {"x": "y"}},
      {"pretix_field": "question_NEWSLETTER", "external_field": "b", "value_map": "{}"},
      {"pretix_field": "email", "external_field": "c", "value_map": ""}])")),
            (std::vector<std::string>{
                "mappings[0].property_mappings[0].value_map: field \"product\" has no options, "
                "so pretix ignores its value map; remove it",
                "mappings[0].property_mappings[1].value_map: field \"question_NEWSLETTER\" has "
                "no options, so pretix ignores its value map; remove it",
            }));
}

TEST_F(validate_mappings_test, complete_maps_are_fine) {
  EXPECT_EQ(validate(mapping("Order", R"([
      {"pretix_field": "order_status", "external_field": "a",
       "value_map": "{\"n\": \"pending\", \"p\": \"paid\", \"e\": \"expired\", \"c\": \"canceled\", \"c\": \"refunded\"}"},
      {"pretix_field": "order_locale", "external_field": "b",
       "value_map": {"en": "English", "de": "Deutsch"}}])")),
            std::vector<std::string>{});
}

TEST_F(validate_mappings_test, duplicate_ids_and_associations) {
  auto m = [](int id, const std::string& associations) {
    return R"({"id": )" + std::to_string(id) +
           R"(, "pretix_model": "Order", "external_object_type": "t",
               "pretix_id_field": "email", "external_id_field": "id", "associations": )" +
           associations + "}";
  };
  const std::string text = "[" + m(1, "[]") + "," + m(2, R"([{"via_mapping_id": 1}])") + "," +
                           m(3, R"([{"via_mapping_id": 3}, {"via_mapping_id": 4}])") + "," +
                           m(4, R"([{"via_mapping_id": 9}, {"via_mapping_id": 2}])") + "," +
                           m(2, R"([{"via_mapping_id": 2}])") + "]";
  EXPECT_EQ(validate(text),
            (std::vector<std::string>{
                "mappings[4].id: duplicate mapping id 2 (mappings[1] has it too)",
                "mappings[2].associations[0].via_mapping_id: names this mapping itself; an "
                "association must name an earlier mapping, whose objects are synced first",
                "mappings[2].associations[1].via_mapping_id: mapping 4 comes later "
                "(mappings[3]); an association must name an earlier mapping, whose objects are "
                "synced first",
                "mappings[3].associations[0].via_mapping_id: no mapping has the id 9",
            }));
}

TEST_F(validate_mappings_test, problem_file_reports_everything_at_once) {
  std::vector<mapping_problem> problems;
  auto mappings = parse_mappings(json::parse(read_test_data("mappings-problems.json")), problems);
  const std::size_t structural = problems.size();
  validate_mappings(mappings, *catalogue_, problems);
  const auto all = texts(problems);
  const std::vector<std::string> validation(all.begin() + structural, all.end());
  EXPECT_EQ(validation,
            (std::vector<std::string>{
                "mappings[0].pretix_id_field: unknown field \"emial\" (did you mean \"email\"?); "
                "`tixsync fields` lists the fields of the event",
                "mappings[0].property_mappings[0].pretix_field: field \"attendee_name\" reads an "
                "order position; it works only in an OrderPosition mapping, not in an Order "
                "mapping",
                "mappings[0].property_mappings[1].value_map: \"x\" is not an option of field "
                "\"order_status\"; its options are n, p, e, c",
                "mappings[0].property_mappings[1].value_map: misses options e, c of field "
                "\"order_status\"; a sync fails for any value without a mapping",
                "mappings[0].property_mappings[2].overwrite: unknown update mode \"appnd\" (did "
                "you mean \"append\"?); use overwrite, if_new, if_empty or append",
                "mappings[2].property_mappings[1].value_map: field \"product\" has no options, "
                "so pretix ignores its value map; remove it",
                "mappings[1].id: duplicate mapping id 1 (mappings[0] has it too)",
                "mappings[0].associations[0].via_mapping_id: names this mapping itself; an "
                "association must name an earlier mapping, whose objects are synced first",
                "mappings[1].associations[0].via_mapping_id: no mapping has the id 3",
            }));
}

}  // namespace
}  // namespace tixsync::mapping
