// Tests of the offline commands of build/tixsync (fields, preview): output shape, values for the
// fixture orders, and that every kind of bad input exits non-zero with a message naming it.
#include <cstdio>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/command.hpp"
#include "tests/support/temp_file.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

using json = nlohmann::json;

const std::string event_path = test_data_path("event.json");
const std::string orders_path = test_data_path("orders.jsonl");
const std::string mappings_path = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples/mappings.json";

TEST(FieldsCommand, TableGroupsByCategory) {
  auto r = run_tixsync({"fields", "--event", event_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("attendee_name"), std::string::npos);
  EXPECT_NE(r.out.find("question_DIET"), std::string::npos);
  EXPECT_NE(r.out.find("checkin_date_501"), std::string::npos);
  EXPECT_NE(r.out.find("DIET-VEG"), std::string::npos);
}

TEST(FieldsCommand, JsonForOrderModelHasNoPositionFields) {
  auto r = run_tixsync({"fields", "--event", event_path, "--model", "Order", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["model"], "Order");
  bool saw_email = false;
  for (const auto& category : doc["categories"]) {
    for (const auto& field : category["fields"]) {
      EXPECT_NE(field["input"], "position") << field["key"];
      EXPECT_NE(field["input"], "event_or_subevent") << field["key"];
      if (field["key"] == "email") saw_email = true;
    }
  }
  EXPECT_TRUE(saw_email);
}

TEST(FieldsCommand, MissingEventFileIsBadInput) {
  auto r = run_tixsync({"fields", "--event", "/nonexistent/event.json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/event.json"), std::string::npos) << r.err;
}

TEST(FieldsCommand, UnknownModelIsUsageError) {
  auto r = run_tixsync({"fields", "--event", event_path, "--model", "Invoice"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST(PreviewCommand, OneOrderPrintsItsObjects) {
  temp_file order(read_test_data_lines("orders.jsonl").front());  // K3ZPA, one position
  auto r = run_tixsync({"preview", "--event", event_path, "--order", order.path(), "--mappings",
                        mappings_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto doc = json::parse(r.out);
  EXPECT_EQ(doc["order"], "K3ZPA");
  ASSERT_EQ(doc["objects"].size(), 2u);
  const auto& contact = doc["objects"][0];
  EXPECT_EQ(contact["mapping_id"], 1);
  EXPECT_EQ(contact["external_object_type"], "Contact");
  EXPECT_EQ(contact["id_value"], "lena.fischer@example.org");
  const auto& ticket = doc["objects"][1];
  EXPECT_EQ(ticket["id_value"], "K3ZPA-1");
  EXPECT_EQ(ticket["position_id"], 10011);
  bool saw_status = false;
  for (const auto& p : ticket["properties"]) {
    if (p["external_field"] == "status") {
      EXPECT_EQ(p["value"], "valid");
      saw_status = true;
    }
  }
  EXPECT_TRUE(saw_status);
}

TEST(PreviewCommand, JsonLinesGiveOneLinePerOrder) {
  auto r = run_tixsync({"preview", "--event", event_path, "--order", orders_path, "--mappings",
                        mappings_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  int count = 0;
  for (std::string line; std::getline(lines, line);) {
    auto doc = json::parse(line);
    EXPECT_TRUE(doc.contains("objects"));
    ++count;
  }
  EXPECT_EQ(count, 20);
}

TEST(PreviewCommand, MalformedOrderNamesLineAndPath) {
  auto lines = read_test_data_lines("orders.jsonl");
  temp_file orders(lines[0] + "\n{\"code\": \"BAD\", \"event\": \"ndd25\", \"status\": \"p\", "
                   "\"positions\": [{\"id\": \"x\", \"positionid\": 1, \"item\": 101}]}\n");
  auto r = run_tixsync({"preview", "--event", event_path, "--order", orders.path(), "--mappings",
                        mappings_path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(orders.path() + ":2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("positions[0].id"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing is printed when an input is bad";
}

TEST(PreviewCommand, BadMappingsListEveryProblem) {
  temp_file mappings(R"([{"id": 1, "pretix_model": "Order", "external_object_type": "Contact",
    "pretix_id_field": "email", "external_id_field": "email",
    "property_mappings": [
      {"pretix_field": "no_such_field", "external_field": "x", "value_map": "", "overwrite": "overwrite"},
      {"pretix_field": "order_status", "external_field": "s", "value_map": {"p": "paid"}, "overwrite": "overwrite"},
      {"pretix_field": "email", "external_field": "e", "value_map": "", "overwrite": "sometimes"}
    ]}])");
  auto r = run_tixsync({"preview", "--event", event_path, "--order", orders_path, "--mappings",
                        mappings.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no_such_field"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("property_mappings[1]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sometimes"), std::string::npos) << r.err;
}

TEST(PreviewCommand, MappingsThatAreNotJson) {
  temp_file mappings("[{\"id\": 1,");
  auto r = run_tixsync({"preview", "--event", event_path, "--order", orders_path, "--mappings",
                        mappings.path()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not valid JSON"), std::string::npos) << r.err;
}

TEST(PreviewCommand, OrderOfAnotherEventIsRefused) {
  auto line = read_test_data_lines("orders.jsonl").front();
  auto doc = json::parse(line);
  doc["event"] = "other";
  temp_file order(doc.dump());
  auto r = run_tixsync({"preview", "--event", event_path, "--order", order.path(), "--mappings",
                        mappings_path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("other"), std::string::npos) << r.err;
}

TEST(PreviewCommand, MissingRequiredOptionIsUsageError) {
  auto r = run_tixsync({"preview", "--event", event_path});
  EXPECT_EQ(r.exit_code, 2);
}

}  // namespace
}  // namespace tixsync::testing
