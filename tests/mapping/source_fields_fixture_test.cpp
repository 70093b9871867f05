// Tests every source field against the shared fixtures (tests/data/event.json, orders.jsonl): the
// catalogue of the fixture event key by key, each row of the reference's hand-checkable table, and
// every field of every order and position.
#include <gtest/gtest.h>

#include <map>
#include <memory>

#include "mapping/order_reader.hpp"
#include "mapping/source_fields.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::mapping {
namespace {

/// The fixture event's catalogue as pretix lists it (scheme given_family, lists 501/502, three
/// questions).
const std::vector<std::string> fixture_keys = {"attendee_name",
                                               "attendee_name_given_name",
                                               "attendee_name_family_name",
                                               "attendee_email",
                                               "attendee_or_order_email",
                                               "attendee_company",
                                               "attendee_street",
                                               "attendee_zipcode",
                                               "attendee_city",
                                               "attendee_country",
                                               "invoice_address_company",
                                               "invoice_address_name",
                                               "invoice_address_name_given_name",
                                               "invoice_address_name_family_name",
                                               "invoice_address_street",
                                               "invoice_address_zipcode",
                                               "invoice_address_city",
                                               "invoice_address_country",
                                               "email",
                                               "email_domain",
                                               "order_code",
                                               "event_order_code",
                                               "order_total",
                                               "product",
                                               "product_id",
                                               "product_is_admission",
                                               "event_slug",
                                               "event_name",
                                               "event_date_from",
                                               "event_date_to",
                                               "voucher_code",
                                               "ticket_id",
                                               "ticket_price",
                                               "order_status",
                                               "ticket_status",
                                               "order_date",
                                               "payment_date",
                                               "order_locale",
                                               "position_id",
                                               "presale_order_url",
                                               "presale_ticket_url",
                                               "checkin_date_501",
                                               "checkin_date_502",
                                               "question_DIET",
                                               "question_TOPICS",
                                               "question_NEWSLETTER"};

class fixture_fields : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new fixture_data;
    order_reader reader;
    read_error error;
    const bool ok =
        reader.read_event_bundle(testing::read_test_data("event.json"), data_->event, error);
    ASSERT_TRUE(ok) << error.to_string();
    for (const std::string& line : testing::read_test_data_lines("orders.jsonl")) {
      order o;
      ASSERT_TRUE(reader.read_order(line, o, error)) << error.to_string();
      const std::string code = o.code;
      data_->orders.emplace(code, std::move(o));
    }
    data_->catalogue = std::make_unique<field_catalogue>(data_->event);
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }

  /// The value for order `code` (positionid 0: the order itself, as an Order mapping sees it).
  static json value(const std::string& code, std::int64_t positionid, const std::string& key) {
    const order& o = data_->orders.at(code);
    field_inputs in{&o, nullptr, &data_->event, nullptr, &data_->context};
    for (const position& p : o.positions) {
      if (p.positionid == positionid) in.position = &p;
    }
    if (positionid != 0 && in.position == nullptr) throw std::runtime_error("no such position");
    const source_field* field = data_->catalogue->find(key);
    if (field == nullptr) throw std::runtime_error("no field " + key);
    return field->get(in);
  }

  struct fixture_data {
    event_bundle event;
    std::map<std::string, order> orders;
    evaluation_context context;
    std::unique_ptr<field_catalogue> catalogue;
  };
  static fixture_data* data_;
};

fixture_fields::fixture_data* fixture_fields::data_ = nullptr;

TEST_F(fixture_fields, catalogue_keys_of_the_fixture_event) {
  std::vector<std::string> keys;
  for (const source_field& f : data_->catalogue->fields()) keys.push_back(f.key);
  EXPECT_EQ(keys, fixture_keys);
  EXPECT_EQ(data_->catalogue->find("checkin_date_501")->label,
            "Check-in datetime on list Main entrance");
  EXPECT_EQ(data_->catalogue->find("question_TOPICS")->label, "Question: Topics of interest");
  EXPECT_EQ(
      data_->catalogue->find("question_DIET")->options,
      (std::vector<std::pair<std::string, std::string>>{
          {"DIET-VEG", "Vegetarian"}, {"DIET-VGN", "Vegan"}, {"DIET-NONE", "No preference"}}));
}

TEST_F(fixture_fields, reference_table) {
  EXPECT_EQ(value("L7QXM", 0, "email"), "jonas@xn--bcher-kva.example");
  EXPECT_EQ(value("L7QXM", 0, "email_domain"), "xn--bcher-kva.example");
  EXPECT_EQ(value("L7QXM", 0, "event_order_code"), "NDD25-L7QXM");
  EXPECT_EQ(value("L7QXM", 0, "payment_date"), "2025-05-03T10:03:27.604311+00:00");
  EXPECT_EQ(value("L7QXM", 2, "attendee_name"), "Jonas Weber");
  EXPECT_EQ(value("L7QXM", 2, "question_DIET"), json::array({"DIET-NONE"}));
  EXPECT_EQ(value("L7QXM", 2, "product"), "WS-ADDON");
  EXPECT_EQ(value("L7QXM", 2, "attendee_country"), "Jonas Weber");
  EXPECT_EQ(value("K3ZPA", 1, "product"), "Conference Pass \u2013 Regular");
  EXPECT_EQ(value("K3ZPA", 1, "question_TOPICS"), json::array({"T-CPP", "T-NET"}));
  EXPECT_EQ(value("K3ZPA", 1, "question_NEWSLETTER"), true);
  EXPECT_EQ(value("N9WJB", 0, "email"), "ops-team@EXAMPLE.NET");
  EXPECT_EQ(value("N9WJB", 0, "payment_date"), "2025-05-09T12:00:00+00:00");
  EXPECT_EQ(value("R8FNS", 0, "email"), "kai@strasse.example");
  EXPECT_EQ(value("R8FNS", 1, "voucher_code"), "SPEAKER25");
  EXPECT_EQ(value("W9LEX", 0, "email"), "Noah@xn--rzte-koa.Example");
  EXPECT_EQ(value("U7JCV", 0, "email"), "sofia@xn--mller-bau-q9a.example");
  EXPECT_EQ(value("U7JCV", 2, "ticket_status"), json::array({"c"}));
  EXPECT_EQ(value("U7JCV", 2, "order_status"), json::array({"p"}));
  EXPECT_EQ(value("A9QJB", 0, "email"), "rafael@xn--jos-dma.example");
  EXPECT_EQ(value("P3CVE", 0, "payment_date"), "2025-05-07T11:22:45+00:00");
  EXPECT_EQ(value("M8HTR", 0, "payment_date"), nullptr);
  EXPECT_EQ(value("M8HTR", 1, "question_DIET"), "");
  EXPECT_EQ(value("S9GMT", 1, "checkin_date_501"), "2025-09-18T11:15:00+00:00");
  EXPECT_EQ(value("S9GMT", 2, "checkin_date_502"), "2025-09-19T08:05:00+00:00");
  EXPECT_EQ(value("X3MFY", 2, "attendee_email"), "l.wagner@workshops.example");
  EXPECT_EQ(value("X3MFY", 2, "attendee_name"), "Lisa Wagner");
  EXPECT_EQ(value("E9UNF", 1, "attendee_name"), "Leo Hartmann");
  EXPECT_EQ(value("E9UNF", 1, "attendee_name_given_name"), "");
  EXPECT_EQ(value("T3HBU", 0, "invoice_address_company"), "");
  EXPECT_EQ(value("T3HBU", 0, "invoice_address_name_given_name"), "Felix");
}

TEST_F(fixture_fields, orders_without_address_give_empty_invoice_fields) {
  int without = 0;
  for (const auto& [code, o] : data_->orders) {
    if (o.address) continue;
    ++without;
    for (const source_field& f : data_->catalogue->fields()) {
      if (f.key.rfind("invoice_address_", 0) == 0) {
        EXPECT_EQ(value(code, 0, f.key), "") << code;
      }
    }
  }
  EXPECT_EQ(without, 15);
}

TEST_F(fixture_fields, event_dates_of_every_position) {
  for (const auto& [code, o] : data_->orders) {
    for (const position& p : o.positions) {
      EXPECT_EQ(value(code, p.positionid, "event_date_from"), "2025-09-18T07:00:00+00:00");
      EXPECT_EQ(value(code, p.positionid, "event_date_to"), "2025-09-19T16:00:00+00:00");
    }
  }
}

/// A sync value is null, a bool, a string or a list of strings.
bool is_sync_value(const json& v) {
  if (v.is_null() || v.is_boolean() || v.is_string()) return true;
  if (!v.is_array()) return false;
  for (const json& e : v) {
    if (!e.is_string()) return false;
  }
  return true;
}

TEST_F(fixture_fields, every_field_of_every_order_and_position_evaluates) {
  std::size_t evaluated = 0;
  for (const auto& [code, o] : data_->orders) {
    for (const source_field& f : data_->catalogue->fields()) {
      if (f.input == field_input::order || f.input == field_input::event) {
        EXPECT_TRUE(is_sync_value(value(code, 0, f.key))) << code << " " << f.key;
        ++evaluated;
      }
      for (const position& p : o.positions) {
        EXPECT_TRUE(is_sync_value(value(code, p.positionid, f.key))) << code << " " << f.key;
        ++evaluated;
      }
    }
  }
  EXPECT_GT(evaluated, 1500u);
}

TEST_F(fixture_fields, all_fields_of_a_position) {
  const std::map<std::string, json> expected = {
      {"attendee_name", "Lena Fischer"},
      {"attendee_name_given_name", "Lena"},
      {"attendee_name_family_name", "Fischer"},
      {"attendee_email", nullptr},
      {"attendee_or_order_email", "lena.fischer@example.org"},
      {"attendee_company", nullptr},
      {"attendee_street", nullptr},
      {"attendee_zipcode", nullptr},
      {"attendee_city", nullptr},
      {"attendee_country", ""},
      {"invoice_address_company", "Fischer Software GmbH"},
      {"invoice_address_name", "Lena Fischer"},
      {"invoice_address_name_given_name", "Lena"},
      {"invoice_address_name_family_name", "Fischer"},
      {"invoice_address_street", "Hafenstraße 12"},
      {"invoice_address_zipcode", "20457"},
      {"invoice_address_city", "Hamburg"},
      {"invoice_address_country", "DE"},
      {"email", "lena.fischer@example.org"},
      {"email_domain", "example.org"},
      {"order_code", "K3ZPA"},
      {"event_order_code", "NDD25-K3ZPA"},
      {"order_total", "249.00"},
      {"product", "Conference Pass \u2013 Regular"},
      {"product_id", "101"},
      {"product_is_admission", true},
      {"event_slug", "ndd25"},
      {"event_name", "Nordlicht Developer Days 2025"},
      {"event_date_from", "2025-09-18T07:00:00+00:00"},
      {"event_date_to", "2025-09-19T16:00:00+00:00"},
      {"voucher_code", ""},
      {"ticket_id", "K3ZPA-1"},
      {"ticket_price", "249.00"},
      {"order_status", json::array({"p"})},
      {"ticket_status", json::array({"p"})},
      {"order_date", "2025-05-02T08:14:09+00:00"},
      {"payment_date", "2025-05-05T09:30:00+00:00"},
      {"order_locale", json::array({"en"})},
      {"position_id", "10011"},
      {"presale_order_url",
       "https://tickets.nordlicht.example/nordlicht/ndd25/order/K3ZPA/690134ebeefc0d0c/"},
      {"presale_ticket_url",
       "https://tickets.nordlicht.example/nordlicht/ndd25/order/K3ZPA/690134ebeefc0d0c/"},
      {"checkin_date_501", "2025-09-18T06:41:12+00:00"},
      {"checkin_date_502", nullptr},
      {"question_DIET", json::array({"DIET-VEG"})},
      {"question_TOPICS", json::array({"T-CPP", "T-NET"})},
      {"question_NEWSLETTER", true},
  };
  ASSERT_EQ(expected.size(), data_->catalogue->fields().size());
  for (const auto& [key, v] : expected) EXPECT_EQ(value("K3ZPA", 1, key), v) << key;
}

TEST_F(fixture_fields, addon_without_own_data) {
  // N9WJB-3 is an add-on to Marek Nowak (no answers): fallbacks and quirks together.
  EXPECT_EQ(value("N9WJB", 3, "attendee_name"), "Marek Nowak");
  EXPECT_EQ(value("N9WJB", 3, "attendee_name_family_name"), "Nowak");
  EXPECT_EQ(value("N9WJB", 3, "attendee_company"), nullptr);
  EXPECT_EQ(value("N9WJB", 3, "attendee_country"), "Marek Nowak");
  EXPECT_EQ(value("N9WJB", 3, "attendee_or_order_email"), "ops-team@EXAMPLE.NET");
  EXPECT_EQ(value("N9WJB", 3, "question_DIET"), "");
  EXPECT_EQ(value("N9WJB", 3, "product_is_admission"), false);
  EXPECT_EQ(value("N9WJB", 3, "ticket_id"), "N9WJB-3");
  EXPECT_EQ(value("V8KDW", 1, "attendee_company"), "Chen Robotics");
  EXPECT_EQ(value("V8KDW", 1, "attendee_country"), "CN");
  EXPECT_EQ(value("V8KDW", 1, "attendee_email"), "wei.chen@example.cn");
  EXPECT_EQ(value("W9LEX", 0, "payment_date"), nullptr);
  EXPECT_EQ(value("Q7DKL", 0, "payment_date"), nullptr);  // expired, only a failed attempt
  EXPECT_EQ(value("S9GMT", 0, "payment_date"), "2025-05-14T08:41:19.215993+00:00");
  EXPECT_EQ(value("L7QXM", 0, "order_locale"), json::array({"de"}));
}

}  // namespace
}  // namespace tixsync::mapping
