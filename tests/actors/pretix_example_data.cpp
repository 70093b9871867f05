// pretix's example orders, derived from the shared fixtures with the example's codes and people.
#include "tests/actors/pretix_example_data.hpp"

#include "tests/support/test_data.hpp"

namespace tixsync::actors::testing {
namespace {

json answer(std::int64_t question, const std::string& identifier, const std::string& text,
            json options, json option_identifiers) {
  return {{"question", question},
          {"question_identifier", identifier},
          {"answer", text},
          {"options", std::move(options)},
          {"option_identifiers", std::move(option_identifiers)}};
}

json position(const json& model, std::int64_t id, std::int64_t positionid, const std::string& code,
              const std::string& given, const std::string& family, json answers) {
  json p = model;
  p["id"] = id;
  p["order"] = code;
  p["positionid"] = positionid;
  p["price"] = "23.00";
  p["attendee_name"] = given + " " + family;
  p["attendee_name_parts"] = {
      {"_scheme", "given_family"}, {"given_name", given}, {"family_name", family}};
  p["checkins"] = json::array();
  p["answers"] = std::move(answers);
  return p;
}

json base_order(const std::string& code, const std::string& email, const std::string& total) {
  json o = json::parse(tixsync::testing::read_test_data_lines("orders.jsonl").at(0));
  o["code"] = code;
  o["event"] = "dummy";
  o["status"] = "n";
  o["email"] = email;
  o["total"] = total;
  o["invoice_address"] = nullptr;
  o["payments"] = json::array();
  return o;
}

json fav_color(const std::string& color) {
  return answer(11, "FAV_COLOR", color, json::array(), json::array());
}
json food(std::int64_t option, const std::string& identifier, const std::string& text) {
  return answer(12, "FOOD_PREF", text, {option}, {identifier});
}

}  // namespace

std::string example_event_json() {
  json e = json::parse(tixsync::testing::read_test_data("event.json"));
  e["organizer"] = "dummy";
  e["event"]["slug"] = "dummy";
  json question = e["questions"][0];
  question["options"] = json::array();
  json color = question, food_pref = question;
  color.update({{"id", 11},
                {"identifier", "FAV_COLOR"},
                {"type", "S"},
                {"position", 1},
                {"question", {{"en", "Favourite colour"}}}});
  food_pref.update({{"id", 12},
                    {"identifier", "FOOD_PREF"},
                    {"type", "C"},
                    {"position", 2},
                    {"question", {{"en", "Food preference"}}}});
  food_pref["options"] = {
      {{"id", 21}, {"identifier", "F1"}, {"position", 1}, {"answer", {{"en", "Vegetarian"}}}},
      {{"id", 22}, {"identifier", "F2"}, {"position", 2}, {"answer", {{"en", "Vegan"}}}}};
  e["questions"] = {color, food_pref};
  return e.dump();
}

std::string order_1aaa_json(bool paid) {
  json o = base_order("1AAA", "anonymous@\xF0\x9F\x8C\x88.example.org", "46.00");
  const json model = o["positions"][0];
  o["positions"] = {position(model, 101, 1, "1AAA", "Alice", "Anonymous",
                             {fav_color("#3b1c4a"), food(22, "F2", "Vegan")}),
                    position(model, 102, 2, "1AAA", "Charlie", "de l'Exemple",
                             {fav_color("Red"), food(21, "F1", "Vegetarian")})};
  if (paid) {
    o["status"] = "p";
    o["payments"] = {{{"local_id", 1},
                      {"state", "confirmed"},
                      {"amount", "46.00"},
                      {"created", "2025-05-03T10:03:20+00:00"},
                      {"payment_date", paid_date()},
                      {"provider", "banktransfer"}}};
  }
  return o.dump();
}

std::string order_2eee_json() {
  json o = base_order("2EEE", "ephemeral@example.com", "23.00");
  const json model = o["positions"][0];
  o["positions"] = {position(model, 201, 1, "2EEE", "Eve", "Ephemeral", json::array())};
  return o.dump();
}

json expected_simple_records() {
  return json::parse(tixsync::testing::read_test_data("pretix-expected-simple.json"));
}

json expected_association_records() {
  return json::parse(tixsync::testing::read_test_data("pretix-expected-association.json"));
}

}  // namespace tixsync::actors::testing
