// A mapping naming a field no event can have (e.g. order_datetime for order_date) is refused by
// check-config without an event and by run before anything starts, with the closest valid name;
// the dynamic fields (question_<identifier>, checkin_date_<list id>, name parts) pass.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/command.hpp"
#include "tests/support/temp_file.hpp"

namespace tixsync::testing {
namespace {

/// One Order mapping whose properties read `fields`.
std::string mappings_with(const std::vector<std::string>& fields) {
  nlohmann::json properties = nlohmann::json::array();
  for (const auto& field : fields) {
    properties.push_back({{"pretix_field", field},
                          {"external_field", "x_" + field},
                          {"value_map", ""},
                          {"overwrite", "overwrite"}});
  }
  return nlohmann::json::array({{{"id", 1},
                                 {"pretix_model", "Order"},
                                 {"external_object_type", "Contact"},
                                 {"pretix_id_field", "email"},
                                 {"external_id_field", "email"},
                                 {"property_mappings", properties},
                                 {"associations", nlohmann::json::array()}}})
      .dump(2);
}

std::string config_for(const temp_file& mappings) {
  return "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = \"" + mappings.path() +
         "\"\n";
}

TEST(mapping_field_names, a_field_no_event_can_have_is_refused_with_the_closest_name) {
  temp_file mappings(mappings_with({"order_code", "order_datetime"}), ".json");
  temp_file config(config_for(mappings), ".toml");
  const std::string expected =
      "mappings[0].property_mappings[1].pretix_field: 'order_datetime' is no pretix field of any "
      "event";
  auto checked = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(checked.exit_code, 1) << checked.out << checked.err;
  EXPECT_NE(checked.out.find(expected), std::string::npos) << checked.out;
  EXPECT_NE(checked.out.find("did you mean 'order_date'?"), std::string::npos) << checked.out;
  // run refuses it before it starts anything (no Redis is configured or needed to get here).
  auto run = run_tixsync({"run", "--config", config.path()});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.err.find(expected), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("did you mean 'order_date'?"), std::string::npos) << run.err;
}

TEST(mapping_field_names, dynamic_fields_and_name_parts_of_any_scheme_pass) {
  temp_file mappings(mappings_with({"question_ANY", "checkin_date_77", "attendee_or_order_email",
                                    "invoice_address_name_title", "order_date"}),
                     ".json");
  temp_file config(config_for(mappings), ".toml");
  auto checked = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  temp_file bad(mappings_with({"checkin_date_main", "question_"}), ".json");
  temp_file bad_config(config_for(bad), ".toml");
  auto refused = run_tixsync({"check-config", bad_config.path()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("'checkin_date_main' is no pretix field"), std::string::npos)
      << refused.out;
  EXPECT_NE(refused.out.find("'question_' is no pretix field"), std::string::npos) << refused.out;
}

}  // namespace
}  // namespace tixsync::testing
