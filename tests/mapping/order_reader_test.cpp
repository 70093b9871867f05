// Tests for order_reader: every fixture order and the event bundle read into the model with the
// values checked by hand, key order and null/missing rules, and a table of malformed inputs that
// must fail with the exact key path and a clear message, without ever crashing.
#include "mapping/order_reader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/test_data.hpp"

namespace tixsync::mapping {
namespace {

using pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> fixture_orders() {
  return tixsync::testing::read_test_data_lines("orders.jsonl");
}

/// Every field of an order as text, so two reads can be compared as a whole.
std::string dump(const order& o) {
  std::ostringstream s;
  auto opt = [&](const auto& v) {
    if (v) {
      s << *v << "|";
    } else {
      s << "null|";
    }
  };
  auto parts = [&](const name_parts& n) {
    for (const auto& [k, v] : n.parts) s << k << "=" << v << ",";
    s << "|";
  };
  s << o.code << "|" << o.event << "|" << o.status << "|" << o.testmode << "|" << o.secret << "|"
    << o.url << "|" << o.locale << "|" << o.datetime << "|" << o.total << "|";
  opt(o.email), opt(o.phone), opt(o.expires), opt(o.last_modified);
  if (const auto& a = o.address) {
    s << "addr:" << a->is_business << a->company << "|" << a->name << "|" << a->street << "|"
      << a->zipcode << "|" << a->city << "|" << a->country << "|" << a->state << "|" << a->vat_id
      << "|" << a->internal_reference << "|";
    parts(a->name_parts);
  }
  for (const auto& p : o.positions) {
    s << "\npos:" << p.id << "|" << p.positionid << "|" << p.canceled << "|" << p.item << "|"
      << p.price << "|" << p.secret << "|";
    opt(p.variation), opt(p.attendee_name), opt(p.attendee_email), opt(p.company), opt(p.street);
    opt(p.zipcode), opt(p.city), opt(p.country), opt(p.state), opt(p.voucher), opt(p.addon_to);
    opt(p.subevent), opt(p.web_secret);
    parts(p.attendee_name_parts);
    for (const auto& c : p.checkins) s << "ci:" << c.id << c.list << c.datetime << c.type << "|";
    for (const auto& a : p.answers) {
      s << "an:" << a.question << a.question_identifier << a.text << ":";
      for (auto id : a.options) s << id << ",";
      for (const auto& id : a.option_identifiers) s << id << ",";
    }
  }
  for (const auto& p : o.payments) {
    s << "\npay:" << p.local_id << p.state << p.amount << p.provider << "|";
    opt(p.created), opt(p.payment_date);
  }
  return s.str();
}

class OrderReaderTest : public ::testing::Test {
 protected:
  order read_ok(std::string_view json) {
    order out;
    read_error error;
    EXPECT_TRUE(reader_.read_order(json, out, error)) << error.to_string();
    return out;
  }

  read_error read_fail(std::string_view json) {
    order out;
    read_error error;
    EXPECT_FALSE(reader_.read_order(json, out, error)) << "accepted: " << json.substr(0, 200);
    return error;
  }

  order fixture(const std::string& code) {
    for (const auto& line : fixture_orders()) {
      order o = read_ok(line);
      if (o.code == code) return o;
    }
    ADD_FAILURE() << "no fixture order " << code;
    return {};
  }

  static const position& at(const order& o, std::int64_t positionid) {
    for (const auto& p : o.positions) {
      if (p.positionid == positionid) return p;
    }
    throw std::runtime_error("no position " + std::to_string(positionid));
  }

  order_reader reader_;
};

/// A small valid order around the given positions JSON.
std::string order_json(const std::string& positions, const std::string& extra = "") {
  return R"({"code":"ABC12","event":"ndd25","status":"p",)" + extra + R"("positions":)" +
         positions + "}";
}

const std::string k_position = R"({"id":1,"positionid":1,"item":101})";

// ---------------------------------------------------------------------------------------------
// Fixture orders
// ---------------------------------------------------------------------------------------------

TEST_F(OrderReaderTest, AllFixtureOrdersParse) {
  std::map<std::string, int> statuses;
  auto lines = fixture_orders();
  ASSERT_EQ(lines.size(), 20u);
  for (const auto& line : lines) {
    order o = read_ok(line);
    EXPECT_EQ(o.code.size(), 5u);
    EXPECT_EQ(o.event, "ndd25");
    EXPECT_FALSE(o.positions.empty()) << o.code;
    EXPECT_FALSE(o.total.empty()) << o.code;
    for (const auto& p : o.positions) {
      EXPECT_GT(p.id, 0) << o.code;
      EXPECT_FALSE(p.secret.empty()) << o.code;
    }
    ++statuses[o.status];
  }
  EXPECT_EQ(statuses, (std::map<std::string, int>{{"p", 12}, {"n", 4}, {"e", 2}, {"c", 2}}));
}

TEST_F(OrderReaderTest, OrderFieldsOfK3ZPA) {
  order o = fixture("K3ZPA");
  EXPECT_EQ(o.status, "p");
  EXPECT_FALSE(o.testmode);
  EXPECT_EQ(o.secret, "690134ebeefc0d0c");
  EXPECT_EQ(o.url,
            "https://tickets.nordlicht.example/nordlicht/ndd25/order/K3ZPA/690134ebeefc0d0c/");
  EXPECT_EQ(o.email, "lena.fischer@example.org");
  EXPECT_EQ(o.phone, std::nullopt);
  EXPECT_EQ(o.locale, "en");
  EXPECT_EQ(o.datetime, "2025-05-02T08:14:09Z");
  EXPECT_EQ(o.expires, "2025-05-16T21:59:59Z");
  EXPECT_EQ(o.last_modified, "2025-09-18T06:41:12Z");
  EXPECT_EQ(o.total, "249.00");
  ASSERT_EQ(o.payments.size(), 1u);
  EXPECT_EQ(o.payments[0].local_id, 1);
  EXPECT_EQ(o.payments[0].state, "confirmed");
  EXPECT_EQ(o.payments[0].amount, "249.00");
  EXPECT_EQ(o.payments[0].created, "2025-05-02T08:14:10Z");
  EXPECT_EQ(o.payments[0].payment_date, "2025-05-05T09:30:00Z");
  EXPECT_EQ(o.payments[0].provider, "banktransfer");
}

TEST_F(OrderReaderTest, InvoiceAddressOfK3ZPA) {
  order o = fixture("K3ZPA");
  ASSERT_TRUE(o.address);
  const invoice_address& a = *o.address;
  EXPECT_TRUE(a.is_business);
  EXPECT_EQ(a.company, "Fischer Software GmbH");
  EXPECT_EQ(a.name, "Lena Fischer");
  EXPECT_EQ(
      a.name_parts.parts,
      (pairs{{"_scheme", "given_family"}, {"given_name", "Lena"}, {"family_name", "Fischer"}}));
  EXPECT_EQ(a.street, "Hafenstraße 12");
  EXPECT_EQ(a.zipcode, "20457");
  EXPECT_EQ(a.city, "Hamburg");
  EXPECT_EQ(a.country, "DE");
  EXPECT_EQ(a.state, "");
  EXPECT_EQ(a.vat_id, "DE123456789");
  EXPECT_EQ(a.internal_reference, "");
  EXPECT_EQ(fixture("N9WJB").address->internal_reference, "PO-7731");
  EXPECT_FALSE(fixture("T3HBU").address->is_business);
  EXPECT_FALSE(fixture("L7QXM").address);
}

TEST_F(OrderReaderTest, PositionAndAnswersOfK3ZPA) {
  order o = fixture("K3ZPA");
  ASSERT_EQ(o.positions.size(), 1u);
  const position& p = o.positions[0];
  EXPECT_EQ(p.id, 10011);
  EXPECT_EQ(p.positionid, 1);
  EXPECT_FALSE(p.canceled);
  EXPECT_EQ(p.item, 101);
  EXPECT_EQ(p.variation, 201);
  EXPECT_EQ(p.price, "249.00");
  EXPECT_EQ(p.attendee_name, "Lena Fischer");
  EXPECT_EQ(
      p.attendee_name_parts.parts,
      (pairs{{"_scheme", "given_family"}, {"given_name", "Lena"}, {"family_name", "Fischer"}}));
  EXPECT_EQ(p.attendee_email, std::nullopt);
  EXPECT_EQ(p.company, std::nullopt);
  EXPECT_EQ(p.country, std::nullopt);
  EXPECT_EQ(p.voucher, std::nullopt);
  EXPECT_EQ(p.addon_to, std::nullopt);
  EXPECT_EQ(p.subevent, std::nullopt);
  EXPECT_EQ(p.web_secret, std::nullopt);
  EXPECT_EQ(p.secret, "b857af5397b88cd0903b3a8be74bc6a6");
  ASSERT_EQ(p.answers.size(), 3u);
  EXPECT_EQ(p.answers[0].question, 301);
  EXPECT_EQ(p.answers[0].question_identifier, "DIET");
  EXPECT_EQ(p.answers[0].text, "Vegetarian");
  EXPECT_EQ(p.answers[0].options, (std::vector<std::int64_t>{401}));
  EXPECT_EQ(p.answers[1].text, "Modern C++, Networking");
  EXPECT_EQ(p.answers[1].options, (std::vector<std::int64_t>{411, 412}));
  EXPECT_EQ(p.answers[1].option_identifiers, (std::vector<std::string>{"T-CPP", "T-NET"}));
  EXPECT_EQ(p.answers[2].question_identifier, "NEWSLETTER");
  EXPECT_EQ(p.answers[2].text, "True");
  EXPECT_TRUE(p.answers[2].options.empty());
  EXPECT_TRUE(p.answers[2].option_identifiers.empty());
}

TEST_F(OrderReaderTest, AddonOfL7QXMAndPaymentsWithoutDate) {
  order o = fixture("L7QXM");
  const position& addon = at(o, 2);
  EXPECT_EQ(addon.addon_to, 10021);
  EXPECT_EQ(addon.addon_to, at(o, 1).id);
  EXPECT_EQ(addon.item, 102);
  EXPECT_EQ(addon.variation, std::nullopt);
  EXPECT_EQ(addon.attendee_name, std::nullopt);
  EXPECT_TRUE(addon.attendee_name_parts.empty());
  EXPECT_TRUE(addon.answers.empty());
  EXPECT_EQ(at(o, 1).answers[0].text, "Keine Präferenz");
  ASSERT_EQ(o.payments.size(), 2u);
  EXPECT_EQ(o.payments[0].state, "failed");
  EXPECT_EQ(o.payments[0].payment_date, std::nullopt);
  EXPECT_EQ(o.payments[0].provider, "stripe");
  EXPECT_EQ(o.payments[1].payment_date, "2025-05-03T10:03:27.604311Z");
  EXPECT_TRUE(fixture("W9LEX").payments.empty());
}

TEST_F(OrderReaderTest, CancelledPositionOfU7JCV) {
  order o = fixture("U7JCV");
  EXPECT_EQ(o.status, "p");
  EXPECT_FALSE(at(o, 1).canceled);
  EXPECT_TRUE(at(o, 2).canceled);
  EXPECT_EQ(at(o, 1).attendee_email, "sofia.mueller@example.com");
  EXPECT_EQ(at(o, 2).answers[0].option_identifiers, (std::vector<std::string>{"DIET-NONE"}));
}

TEST_F(OrderReaderTest, CheckinsOfS9GMT) {
  order o = fixture("S9GMT");
  const auto& first = at(o, 1).checkins;
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].id, 7002);
  EXPECT_EQ(first[0].list, 501);
  EXPECT_EQ(first[0].datetime, "2025-09-18T07:02:00Z");
  EXPECT_EQ(first[0].type, "entry");
  EXPECT_EQ(first[1].type, "exit");
  EXPECT_EQ(first[2].datetime, "2025-09-18T11:15:00Z");
  ASSERT_EQ(at(o, 2).checkins.size(), 1u);
  EXPECT_EQ(at(o, 2).checkins[0].list, 502);
  EXPECT_EQ(at(o, 2).checkins[0].datetime, "2025-09-19T08:05:00Z");
  EXPECT_TRUE(at(o, 4).checkins.empty());
  EXPECT_EQ(o.payments[0].payment_date, "2025-05-14T08:41:19.215993Z");
}

TEST_F(OrderReaderTest, LegacyNameOfE9UNF) {
  order o = fixture("E9UNF");
  const position& p = o.positions.at(0);
  EXPECT_EQ(p.attendee_name, "Leo Hartmann");
  EXPECT_EQ(p.attendee_name_parts.parts, (pairs{{"_legacy", "Leo Hartmann"}}));
}

TEST_F(OrderReaderTest, VoucherAndFreePriceOfR8FNS) {
  order o = fixture("R8FNS");
  EXPECT_EQ(o.total, "0.00");
  EXPECT_EQ(o.positions.at(0).voucher, 601);
  EXPECT_EQ(o.positions.at(0).price, "0.00");
  EXPECT_EQ(o.payments.at(0).provider, "free");
}

TEST_F(OrderReaderTest, EmailsKeptAsTyped) {
  EXPECT_EQ(fixture("L7QXM").email, "jonas@bücher.example");
  EXPECT_EQ(fixture("R8FNS").email, "kai@straße.example");
  EXPECT_EQ(fixture("W9LEX").email, "Noah@Ärzte.Example");
  EXPECT_EQ(fixture("U7JCV").email, "sofia@müller-bau.example");
  EXPECT_EQ(fixture("A9QJB").email, "rafael@josé.example");
  EXPECT_EQ(fixture("N9WJB").email, "ops-team@EXAMPLE.NET");
}

// ---------------------------------------------------------------------------------------------
// Event bundle
// ---------------------------------------------------------------------------------------------

class OrderReaderBundleTest : public ::testing::Test {
 protected:
  event_bundle read_ok(std::string_view json) {
    event_bundle out;
    read_error error;
    EXPECT_TRUE(reader_.read_event_bundle(json, out, error)) << error.to_string();
    return out;
  }

  read_error read_fail(std::string_view json) {
    event_bundle out;
    read_error error;
    EXPECT_FALSE(reader_.read_event_bundle(json, out, error)) << "accepted: " << json;
    return error;
  }

  order_reader reader_;
};

TEST_F(OrderReaderBundleTest, EventAndSettings) {
  event_bundle b = read_ok(tixsync::testing::read_test_data("event.json"));
  EXPECT_EQ(b.organizer, "nordlicht");
  EXPECT_EQ(b.slug, "ndd25");
  EXPECT_EQ(b.name.entries, (pairs{{"en", "Nordlicht Developer Days 2025"},
                                   {"de", "Nordlicht Entwicklertage 2025"}}));
  EXPECT_EQ(b.date_from, "2025-09-18T07:00:00Z");
  EXPECT_EQ(b.date_to, "2025-09-19T16:00:00Z");
  EXPECT_FALSE(b.has_subevents);
  EXPECT_EQ(b.timezone, "Europe/Berlin");
  EXPECT_EQ(b.currency, "EUR");
  EXPECT_EQ(b.public_url, "https://tickets.nordlicht.example/nordlicht/ndd25/");
  EXPECT_EQ(b.settings.name_scheme, "given_family");
  EXPECT_EQ(b.settings.locale, "en");
  EXPECT_EQ(b.settings.locales, (std::vector<std::string>{"en", "de"}));
  EXPECT_TRUE(b.subevents.empty());
}

TEST_F(OrderReaderBundleTest, ItemsAndVariations) {
  event_bundle b = read_ok(tixsync::testing::read_test_data("event.json"));
  ASSERT_EQ(b.items.size(), 2u);
  const item& pass = b.items[0];
  EXPECT_EQ(pass.id, 101);
  EXPECT_EQ(pass.name.entries, (pairs{{"en", "Conference Pass"}, {"de", "Konferenzticket"}}));
  EXPECT_EQ(pass.internal_name, std::nullopt);
  EXPECT_TRUE(pass.admission);
  ASSERT_EQ(pass.variations.size(), 2u);
  EXPECT_EQ(pass.variations[0].id, 201);
  EXPECT_EQ(pass.variations[0].value.entries, (pairs{{"en", "Regular"}, {"de", "Regulär"}}));
  EXPECT_EQ(pass.variations[1].id, 202);
  const item& addon = b.items[1];
  EXPECT_EQ(addon.id, 102);
  EXPECT_EQ(addon.internal_name, "WS-ADDON");
  EXPECT_FALSE(addon.admission);
  EXPECT_TRUE(addon.variations.empty());
}

TEST_F(OrderReaderBundleTest, QuestionsCheckinListsVouchers) {
  event_bundle b = read_ok(tixsync::testing::read_test_data("event.json"));
  ASSERT_EQ(b.questions.size(), 3u);
  const question& diet = b.questions[0];
  EXPECT_EQ(diet.id, 301);
  EXPECT_EQ(diet.label.entries, (pairs{{"en", "Dietary preference"}, {"de", "Ernährung"}}));
  EXPECT_EQ(diet.type, "C");
  EXPECT_EQ(diet.identifier, "DIET");
  EXPECT_EQ(diet.position, 1);
  ASSERT_EQ(diet.options.size(), 3u);
  EXPECT_EQ(diet.options[2].id, 403);
  EXPECT_EQ(diet.options[2].identifier, "DIET-NONE");
  EXPECT_EQ(diet.options[2].position, 2);
  EXPECT_EQ(diet.options[2].answer.entries,
            (pairs{{"en", "No preference"}, {"de", "Keine Präferenz"}}));
  EXPECT_EQ(b.questions[1].type, "M");
  EXPECT_EQ(b.questions[2].identifier, "NEWSLETTER");
  EXPECT_EQ(b.questions[2].type, "B");
  EXPECT_TRUE(b.questions[2].options.empty());
  ASSERT_EQ(b.checkin_lists.size(), 2u);
  EXPECT_EQ(b.checkin_lists[0].id, 501);
  EXPECT_EQ(b.checkin_lists[0].name, "Main entrance");
  EXPECT_EQ(b.checkin_lists[1].name, "Workshop rooms");
  ASSERT_EQ(b.vouchers.size(), 1u);
  EXPECT_EQ(b.vouchers[0].id, 601);
  EXPECT_EQ(b.vouchers[0].code, "SPEAKER25");
}

TEST_F(OrderReaderBundleTest, DefaultsForAMinimalBundle) {
  event_bundle b = read_ok(R"({"event":{"slug":"s"},"organizer":"o"})");
  EXPECT_EQ(b.organizer, "o");
  EXPECT_EQ(b.slug, "s");
  EXPECT_TRUE(b.name.entries.empty());
  EXPECT_EQ(b.date_to, std::nullopt);
  EXPECT_EQ(b.public_url, "");
  EXPECT_EQ(b.settings.name_scheme, "full");
  EXPECT_EQ(b.settings.locale, "en");
  EXPECT_TRUE(b.settings.locales.empty());
  EXPECT_TRUE(b.items.empty() && b.questions.empty() && b.checkin_lists.empty());
  EXPECT_TRUE(b.subevents.empty() && b.vouchers.empty());
  b = read_ok(R"({"organizer":"o","event":{"slug":"s","date_to":null},"settings":null,)"
              R"("items":null,"settings":{"name_scheme":null}})");
  EXPECT_EQ(b.settings.name_scheme, "full");
  EXPECT_TRUE(b.items.empty());
}

TEST_F(OrderReaderBundleTest, Subevents) {
  event_bundle b = read_ok(
      R"({"organizer":"o","event":{"slug":"s","has_subevents":true},"subevents":[)"
      R"({"id":9,"name":{"de":"Tag 1"},"event":"s","date_from":"2025-09-18T07:00:00+02:00",)"
      R"("date_to":null,"active":true},{"date_to":"2025-09-20T16:00:00Z","id":10}]})");
  EXPECT_TRUE(b.has_subevents);
  ASSERT_EQ(b.subevents.size(), 2u);
  EXPECT_EQ(b.subevents[0].id, 9);
  EXPECT_EQ(b.subevents[0].name.entries, (pairs{{"de", "Tag 1"}}));
  EXPECT_EQ(b.subevents[0].date_from, "2025-09-18T07:00:00+02:00");
  EXPECT_EQ(b.subevents[0].date_to, std::nullopt);
  EXPECT_EQ(b.subevents[1].id, 10);
  EXPECT_EQ(b.subevents[1].date_to, "2025-09-20T16:00:00Z");
}

struct bundle_error_case {
  const char* name;
  std::string json;
  std::string path;
  std::string message;
};

TEST_F(OrderReaderBundleTest, ErrorsNameTheirPath) {
  const std::vector<bundle_error_case> cases = {
      {"missing organizer", R"({"event":{"slug":"s"}})", "", R"(missing required key "organizer")"},
      {"missing event", R"({"organizer":"o"})", "", R"(missing required key "event")"},
      {"missing slug", R"({"organizer":"o","event":{"name":{}}})", "event",
       R"(missing required key "slug")"},
      {"event null", R"({"organizer":"o","event":null})", "event",
       "expected an object, found null"},
      {"name value", R"({"organizer":"o","event":{"slug":"s","name":{"en":1}}})", "event.name.en",
       "expected a string, found the number 1"},
      {"variation value",
       R"({"organizer":"o","event":{"slug":"s"},"items":[{"id":1},)"
       R"({"id":2,"variations":[{"value":{"en":"a","de":[]}}]}]})",
       "items[1].variations[0].value.de", "expected a string, found an array"},
      {"option id",
       R"({"organizer":"o","event":{"slug":"s"},"questions":[{"options":[{"id":"x"}]}]})",
       "questions[0].options[0].id", "expected an integer, found a string"},
      {"locales", R"({"organizer":"o","event":{"slug":"s"},"settings":{"locales":"en"}})",
       "settings.locales", "expected an array, found a string"},
      {"voucher code", R"({"organizer":"o","event":{"slug":"s"},"vouchers":[{"code":601}]})",
       "vouchers[0].code", "expected a string, found the number 601"},
  };
  for (const auto& c : cases) {
    read_error e = read_fail(c.json);
    EXPECT_EQ(e.path, c.path) << c.name;
    EXPECT_EQ(e.message, c.message) << c.name;
  }
}

// ---------------------------------------------------------------------------------------------
// Key order, null and missing keys, values
// ---------------------------------------------------------------------------------------------

// Reverses the key order of every object except multi-lingual texts and name parts, whose order
// is data.
nlohmann::ordered_json reverse_keys(const nlohmann::ordered_json& j) {
  static const std::vector<std::string> ordered_data = {"attendee_name_parts", "name_parts"};
  if (j.is_array()) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& e : j) out.push_back(reverse_keys(e));
    return out;
  }
  if (!j.is_object()) return j;
  std::vector<std::pair<std::string, nlohmann::ordered_json>> fields;
  for (auto it = j.begin(); it != j.end(); ++it) {
    bool keep = std::count(ordered_data.begin(), ordered_data.end(), it.key()) > 0;
    fields.emplace_back(it.key(), keep ? it.value() : reverse_keys(it.value()));
  }
  std::reverse(fields.begin(), fields.end());
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (auto& [k, v] : fields) out[k] = std::move(v);
  return out;
}

TEST_F(OrderReaderTest, KeyOrderDoesNotMatter) {
  for (const auto& line : fixture_orders()) {
    std::string reversed = reverse_keys(nlohmann::ordered_json::parse(line)).dump(2);
    ASSERT_NE(reversed.substr(0, 20), line.substr(0, 20));
    EXPECT_EQ(dump(read_ok(reversed)), dump(read_ok(line)));
  }
}

TEST_F(OrderReaderBundleTest, KeyOrderDoesNotMatter) {
  std::string json = tixsync::testing::read_test_data("event.json");
  event_bundle a = read_ok(json);
  event_bundle b = read_ok(reverse_keys(nlohmann::ordered_json::parse(json)).dump());
  EXPECT_EQ(a.slug, b.slug);
  EXPECT_EQ(a.name.entries, (pairs{{"en", "Nordlicht Developer Days 2025"},
                                   {"de", "Nordlicht Entwicklertage 2025"}}));
  // Multi-lingual texts were reversed too: their order is kept as the JSON lists it.
  EXPECT_EQ(b.name.entries.front().first, "de");
  EXPECT_EQ(b.settings.name_scheme, "given_family");
  ASSERT_EQ(b.questions.size(), 3u);
  EXPECT_EQ(b.questions[1].options[1].identifier, "T-NET");
  EXPECT_EQ(b.items[0].variations[1].id, 202);
  EXPECT_EQ(b.vouchers[0].code, "SPEAKER25");
}

TEST_F(OrderReaderTest, RequiredKeysOnlyGiveDefaults) {
  order o = read_ok(order_json("[" + k_position + "]"));
  EXPECT_EQ(o.code, "ABC12");
  EXPECT_FALSE(o.testmode);
  EXPECT_EQ(o.email, std::nullopt);
  EXPECT_EQ(o.expires, std::nullopt);
  EXPECT_EQ(o.total, "");
  EXPECT_EQ(o.url, "");
  EXPECT_FALSE(o.address);
  EXPECT_TRUE(o.payments.empty());
  ASSERT_EQ(o.positions.size(), 1u);
  const position& p = o.positions[0];
  EXPECT_EQ(p.item, 101);
  EXPECT_FALSE(p.canceled);
  EXPECT_EQ(p.variation, std::nullopt);
  EXPECT_EQ(p.attendee_name, std::nullopt);
  EXPECT_TRUE(p.attendee_name_parts.empty());
  EXPECT_EQ(p.price, "");
  EXPECT_TRUE(p.checkins.empty() && p.answers.empty());
  EXPECT_TRUE(read_ok(order_json("[]")).positions.empty());
}

TEST_F(OrderReaderTest, NullMeansMissingForOptionalKeys) {
  order o = read_ok(order_json(
      R"([{"id":1,"positionid":1,"item":101,"variation":null,"attendee_name_parts":null,)"
      R"("attendee_email":null,"price":null,"checkins":null,"answers":[{"options":null}],)"
      R"("secret":null,"canceled":null}])",
      R"("email":null,"total":null,"testmode":null,"invoice_address":null,"payments":null,)"));
  EXPECT_EQ(o.email, std::nullopt);
  EXPECT_EQ(o.total, "");
  EXPECT_FALSE(o.address);
  const position& p = o.positions.at(0);
  EXPECT_EQ(p.variation, std::nullopt);
  EXPECT_TRUE(p.attendee_name_parts.empty());
  EXPECT_EQ(p.secret, "");
  EXPECT_TRUE(p.answers.at(0).options.empty());
  // An empty object is an address with empty strings, not a missing one.
  o = read_ok(order_json("[]", R"("invoice_address":{},)"));
  ASSERT_TRUE(o.address);
  EXPECT_EQ(o.address->name, "");
  EXPECT_TRUE(o.address->name_parts.empty());
}

TEST_F(OrderReaderTest, SalesChannelAndApprovalForTheOrderFilters) {
  order o = read_ok(order_json("[]", R"("sales_channel":"resellers","require_approval":true,)"));
  EXPECT_EQ(o.sales_channel, "resellers");
  EXPECT_TRUE(o.require_approval);
  // Missing or null: pretix's default channel, no approval; a reused order forgets the last one.
  o = read_ok(order_json("[]", R"("sales_channel":null,)"));
  EXPECT_EQ(o.sales_channel, "web");
  EXPECT_FALSE(o.require_approval);
  EXPECT_EQ(fixture("K3ZPA").sales_channel, "web");
  order bad;
  read_error error;
  ASSERT_FALSE(reader_.read_order(order_json("[]", R"("require_approval":"yes",)"), bad, error));
  EXPECT_EQ(error.path, "require_approval");
}

TEST_F(OrderReaderTest, WebSecretAndAttendeeAddress) {
  order o = read_ok(order_json(
      R"([{"id":1,"positionid":1,"item":101,"web_secret":"w3b","company":"ACME","street":"S 1",)"
      R"("zipcode":"123","city":"C","country":"AT","state":"W","subevent":7}])"));
  const position& p = o.positions.at(0);
  EXPECT_EQ(p.web_secret, "w3b");
  EXPECT_EQ(p.company, "ACME");
  EXPECT_EQ(p.street, "S 1");
  EXPECT_EQ(p.zipcode, "123");
  EXPECT_EQ(p.city, "C");
  EXPECT_EQ(p.country, "AT");
  EXPECT_EQ(p.state, "W");
  EXPECT_EQ(p.subevent, 7);
}

TEST_F(OrderReaderTest, MoneyKeepsItsTextualForm) {
  order o = read_ok(order_json(R"([{"id":1,"positionid":1,"item":101,"price":12.50 }])",
                               R"("total":1e2,"payments":[{"amount":-0.10}],)"));
  EXPECT_EQ(o.positions.at(0).price, "12.50");
  EXPECT_EQ(o.total, "1e2");
  EXPECT_EQ(o.payments.at(0).amount, "-0.10");
  o = read_ok(order_json("[]", R"("total":123456789012345678901234567890.00,)"));
  EXPECT_EQ(o.total, "123456789012345678901234567890.00");
}

TEST_F(OrderReaderTest, UnknownKeysAndEscapesAndWhitespace) {
  order o = read_ok(
      " \n{\"c\\u006fde\" : \"A\\u00c4\\\"B\" ,\"future\":{\"x\":[1,{\"y\":null}],\"z\":-1.5e3},\n"
      "\"event\":\"ndd25\",\"status\":\"n\",\"positions\":[{\"id\":1,\"positionid\":1,\"item\":2,"
      "\"attendee_name\":\"J\\u00fcrgen \\ud83c\\udf89\",\"new\":[[],{}]}],\"zz\":true}\t\n");
  EXPECT_EQ(o.code, "AÄ\"B");
  EXPECT_EQ(o.positions.at(0).attendee_name, "Jürgen 🎉");
}

TEST_F(OrderReaderTest, ByteOrderMarkIsIgnored) {
  EXPECT_EQ(read_ok("\xEF\xBB\xBF" + order_json("[]")).code, "ABC12");
  read_error e = read_fail("\xEF\xBB\xBF" + order_json("[]") + " x");
  EXPECT_EQ(e.message, "trailing content after the document (at byte " +
                           std::to_string(3 + order_json("[]").size() + 1) + ")");
}

TEST_F(OrderReaderTest, DuplicateKeysLastOneWins) {
  order o = read_ok(order_json("[]", R"("positions":[{"id":1,"positionid":1,"item":1}],)"
                                     R"("email":"a@b.c","email":null,)"));
  EXPECT_TRUE(o.positions.empty());
  EXPECT_EQ(o.email, std::nullopt);
}

TEST_F(OrderReaderTest, ReadsOnlyTheGivenBytes) {
  // The view ends before the closing brace; the bytes after it must not be read.
  std::string full = order_json("[]");
  EXPECT_EQ(read_fail(std::string_view(full).substr(0, full.size() - 1)).path, "");
  // A valid order followed by more text in the same buffer: only the view counts.
  std::string padded = full + " trailing";
  EXPECT_EQ(read_ok(std::string_view(padded).substr(0, full.size())).code, "ABC12");
}

TEST_F(OrderReaderTest, ReaderIsReusableAndResetsTheOrder) {
  order o;
  read_error error;
  auto lines = fixture_orders();
  ASSERT_TRUE(reader_.read_order(lines[0], o, error));
  std::string first = dump(o);
  EXPECT_FALSE(reader_.read_order(R"({"code":"X","positions":[{"id":"bad"}]})", o, error));
  EXPECT_FALSE(reader_.read_order("\xff\xfe", o, error));
  ASSERT_TRUE(reader_.read_order(order_json("[]"), o, error)) << error.to_string();
  EXPECT_FALSE(o.address);  // nothing left over from the first order
  ASSERT_TRUE(reader_.read_order(lines[0], o, error));
  EXPECT_EQ(dump(o), first);
  event_bundle b;
  EXPECT_TRUE(reader_.read_event_bundle(tixsync::testing::read_test_data("event.json"), b, error));
  ASSERT_TRUE(reader_.read_order(lines[1], o, error));
  EXPECT_EQ(o.code, "L7QXM");
}

TEST(OrderReaderError, ToString) {
  EXPECT_EQ((read_error{"positions[1].id", "expected an integer, found a string"}.to_string()),
            "positions[1].id: expected an integer, found a string");
  EXPECT_EQ((read_error{"", "Empty: no JSON found"}.to_string()), "Empty: no JSON found");
}

// ---------------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------------

struct malformed_case {
  std::string name;
  std::string json;
  std::string path;
  std::string message;  ///< the whole message, or a part of it when `exact` is false
  bool exact = true;
};

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string two_positions_with(const std::string& second) {
  return order_json("[" + k_position + "," + second + "]");
}

std::vector<malformed_case> malformed_cases() {
  std::string k3zpa = fixture_orders().at(0);
  std::string deep = repeat("[", 10000) + repeat("]", 10000);
  std::string empty = order_json("[]");
  auto at_byte = [](std::size_t offset) {
    return "trailing content after the document (at byte " + std::to_string(offset) + ")";
  };
  return {
      {"TruncatedFixture", k3zpa.substr(0, k3zpa.size() / 2), "", "ended early", false},
      {"TruncatedInString", R"({"code":"AB)", "", "never closed", false},
      {"TruncatedAfterKey", R"({"code":)", "", "ended early", false},
      {"RootArray", "[1,2]", "", "expected an object, found an array"},
      {"RootString", R"("order")", "", "expected an object, found a string"},
      {"RootNumber", "42", "", "expected an object, found the number 42"},
      {"RootNull", "null", "", "expected an object, found null"},
      {"RootGarbage", "xyz", "", "expected an object, found invalid JSON `xyz`"},
      {"EmptyInput", "", "", "no JSON found", false},
      {"OnlyWhitespace", " \n\t ", "", "no JSON found", false},
      {"MissingCode", R"({"event":"e","status":"p","positions":[]})", "",
       R"(missing required key "code")"},
      {"MissingPositions", R"({"code":"A","event":"e","status":"p"})", "",
       R"(missing required key "positions")"},
      {"CodeNull", order_json("[]", R"("code":null,)"), "code", "expected a string, found null"},
      {"PositionsNotAnArray", order_json("{}"), "positions", "expected an array, found an object"},
      {"PositionNotAnObject", order_json("[1]"), "positions[0]",
       "expected an object, found the number 1"},
      {"PositionMissingItem", order_json(R"([{"id":1,"positionid":1}])"), "positions[0]",
       R"(missing required key "item")"},
      {"PositionidString", order_json(R"([{"id":1,"positionid":"1","item":2}])"),
       "positions[0].positionid", "expected an integer, found a string"},
      {"IdFloat", two_positions_with(R"({"id":1.5,"positionid":2,"item":2})"), "positions[1].id",
       "expected an integer, found the number 1.5"},
      {"IdHuge", two_positions_with(R"({"id":99999999999999999999,"positionid":2,"item":2})"),
       "positions[1].id", "expected an integer, found the number 99999999999999999999"},
      {"OptionString",
       two_positions_with(R"({"id":2,"positionid":2,"item":2,"answers":[{"options":[1,"2"]}]})"),
       "positions[1].answers[0].options[1]", "expected an integer, found a string"},
      {"OptionIdentifierNumber",
       two_positions_with(
           R"({"id":2,"positionid":2,"item":2,"answers":[{"option_identifiers":[7]}]})"),
       "positions[1].answers[0].option_identifiers[0]", "expected a string, found the number 7"},
      {"NamePartNumber", order_json("[]", R"("invoice_address":{"name_parts":{"given_name":5}},)"),
       "invoice_address.name_parts.given_name", "expected a string, found the number 5"},
      {"NamePartNull",
       order_json(R"([{"id":1,"positionid":1,"item":2,"attendee_name_parts":{"a":null}}])"),
       "positions[0].attendee_name_parts.a", "expected a string, found null"},
      {"NamePartsArray",
       order_json(R"([{"id":1,"positionid":1,"item":2,"attendee_name_parts":[]}])"),
       "positions[0].attendee_name_parts", "expected an object, found an array"},
      {"CheckinListString",
       order_json(R"([{"id":1,"positionid":1,"item":2,"checkins":[{"list":"501"}]}])"),
       "positions[0].checkins[0].list", "expected an integer, found a string"},
      {"TestmodeString", order_json("[]", R"("testmode":"no",)"), "testmode",
       "expected a boolean, found a string"},
      {"EmailNumber", order_json("[]", R"("email":1,)"), "email",
       "expected a string, found the number 1"},
      {"PaymentDateBool", order_json("[]", R"("payments":[{},{"payment_date":false}],)"),
       "payments[1].payment_date", "expected a string, found a boolean"},
      {"TotalObject", order_json("[]", R"("total":{},)"), "total",
       "expected a string, found an object"},
      {"TotalMalformedNumber", order_json("[]", R"("total":-,)"), "total", "malformed number `-`"},
      {"MalformedLiteral", order_json("[]", R"("testmode":tru,)"), "testmode",
       "expected a boolean, found a malformed literal `tru`"},
      {"MalformedLiteralInUnknownKey", order_json("[]", R"("comment":nul,)"), "comment",
       "malformed literal `nul`"},
      {"MalformedNullInOptionalKey", order_json("[]", R"("email":nul,)"), "email",
       "malformed literal `nul`"},
      {"MalformedTrueInUnknownKey", order_json("[]", R"("x":[true,tru],)"), "x[1]",
       "malformed literal `tru`"},
      {"MalformedNumberInUnknownKey", order_json("[]", R"("fees":[{"value":01}],)"),
       "fees[0].value", "malformed number `01`"},
      {"MismatchedBracketInUnknownKey", order_json("[]", R"("fees":[1},)"), "fees",
       "improper structure", false},
      {"MismatchedBracketNamesElement", order_json("[]", R"("fees":[1,2},)"), "fees",
       "(after element 1)", false},
      {"BadEscape", order_json("[]", R"("url":"a\qb",)"), "url", "Problem while parsing a string",
       false},
      {"BadEscapeInUnknownKey", order_json("[]", R"("x":{"y":"\u12"},)"), "x.y",
       "Problem while parsing a string", false},
      {"MissingComma", R"({"code":"A" "event":"e"})", "", R"(improper structure)", false},
      {"MissingCommaNamesKey", R"({"code":"A" "event":"e"})", "", R"((after key "code"))", false},
      {"KeyNotAString", R"({1:"A"})", "", "improper structure", false},
      {"TrailingGarbage", empty + " x", "", at_byte(empty.size() + 1)},
      {"TrailingBrace", empty + "}", "", at_byte(empty.size())},
      {"SecondDocument", empty + "\n{}", "", at_byte(empty.size() + 1)},
      {"InvalidUtf8InString", order_json("[]", "\"email\":\"a\xff@b\","), "", "UTF-8", false},
      {"RandomBytes", std::string("\x8f\x01\xfe{\x9c:\x00]", 8), "", "UTF-8", false},
      {"DeepNestingAsRoot", deep, "", "expected an object, found an array"},
      {"DeepNestingInKnownKey", order_json(deep), "positions[0]",
       "expected an object, found an array"},
      {"DeepNestingInUnknownKey", order_json("[]", R"("plugin_data":)" + deep + ","),
       "plugin_data" + repeat("[0]", 1023), "nesting deeper than 1024 levels"},
      {"DeepUnclosedNesting", order_json("[]", R"("plugin_data":)" + repeat("[", 10000) + ","),
       "plugin_data" + repeat("[0]", 1023), "nesting deeper than 1024 levels"},
  };
}

void PrintTo(const malformed_case& c, std::ostream* os) {
  *os << c.name;
}

class OrderReaderMalformed : public ::testing::TestWithParam<malformed_case> {
 protected:
  order_reader reader_;
};

TEST_P(OrderReaderMalformed, FailsWithPathAndMessage) {
  const malformed_case& c = GetParam();
  order out;
  read_error error;
  ASSERT_FALSE(reader_.read_order(c.json, out, error));
  EXPECT_EQ(error.path, c.path);
  if (c.exact) {
    EXPECT_EQ(error.message, c.message);
  } else {
    EXPECT_NE(error.message.find(c.message), std::string::npos) << error.message;
  }
  EXPECT_FALSE(error.message.empty());
  // The same reader reads a good order right after the failure.
  ASSERT_TRUE(reader_.read_order(fixture_orders().at(1), out, error)) << error.to_string();
  EXPECT_EQ(out.code, "L7QXM");
}

INSTANTIATE_TEST_SUITE_P(OrderReader, OrderReaderMalformed, ::testing::ValuesIn(malformed_cases()),
                         [](const auto& info) { return info.param.name; });

// Truncations at every byte, flipped and inserted bytes and random byte strings: never a crash,
// every failure explained, and no success on a truncated document.
TEST_F(OrderReaderTest, NeverCrashesOnDamagedInput) {
  std::mt19937 random(20250918);
  order out;
  read_error error;
  auto every_prefix = [&](const std::string& doc, auto read) {
    std::string trimmed = doc.substr(0, doc.find_last_not_of(" \n") + 1);
    for (std::size_t n = 0; n < trimmed.size(); ++n) {
      EXPECT_FALSE(read(std::string_view(trimmed).substr(0, n))) << n;
      EXPECT_FALSE(error.message.empty());
    }
  };
  every_prefix(fixture_orders().at(7),
               [&](std::string_view json) { return reader_.read_order(json, out, error); });
  event_bundle bundle;
  every_prefix(tixsync::testing::read_test_data("event.json"), [&](std::string_view json) {
    return reader_.read_event_bundle(json, bundle, error);
  });
  const std::string base = fixture_orders().at(7);
  const char specials[] = "{}[]\",:\\0-e.tnf \xff\xc3";
  for (int i = 0; i < 20000; ++i) {
    std::string damaged = base;
    for (int k = 0, edits = 1 + i % 4; k < edits; ++k) {
      std::size_t at = random() % damaged.size();
      char byte =
          (i % 2) ? specials[random() % (sizeof specials - 1)] : static_cast<char>(random());
      if (k % 2) {
        damaged.insert(damaged.begin() + static_cast<long>(at), byte);
      } else {
        damaged[at] = byte;
      }
    }
    bool read = reader_.read_order(damaged, out, error);
    EXPECT_TRUE(read || !error.message.empty());
    read = reader_.read_event_bundle(damaged, bundle, error);
    EXPECT_TRUE(read || !error.message.empty());
  }
  for (int i = 0; i < 2000; ++i) {
    std::string bytes(random() % 300, '\0');
    for (char& b : bytes) b = static_cast<char>(random());
    if (i % 3 == 0) bytes.insert(0, "{\"code\":");
    EXPECT_FALSE(reader_.read_order(bytes, out, error));
  }
  ASSERT_TRUE(reader_.read_order(base, out, error)) << error.to_string();
}

// Found by the fuzzer (fuzz/regressions/order_reader_fuzz/unknown-name-scheme.json): an event
// bundle with a name scheme pretix does not have must be a read error, not a catalogue exception.
TEST_F(OrderReaderTest, UnknownNameSchemeIsAReadErrorAtItsPath) {
  event_bundle event;
  read_error error;
  EXPECT_FALSE(reader_.read_event_bundle(
      R"({"organizer":"","event":{"slug":""},"settings":{"name_scheme":""}})", event, error));
  EXPECT_EQ(error.path, "settings.name_scheme");
  EXPECT_NE(error.message.find("unknown person name scheme"), std::string::npos);
  EXPECT_TRUE(reader_.read_event_bundle(
      R"({"organizer":"o","event":{"slug":"e"},"settings":{"name_scheme":"given_family"}})", event,
      error))
      << error.to_string();
}

}  // namespace
}  // namespace tixsync::mapping
