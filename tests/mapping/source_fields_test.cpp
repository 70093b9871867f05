// Tests the source-field catalogue: keys, labels, categories, types and options in pretix's order,
// every getter's value rule and quirk on hand-built data, and missing inputs. The fixture-based
// checks are in source_fields_fixture_test.cpp.
#include "mapping/source_fields.hpp"

#include <gtest/gtest.h>

namespace tixsync::mapping {
namespace {

using strings = std::vector<std::string>;

localized_text text(std::vector<std::pair<std::string, std::string>> entries) {
  return localized_text{std::move(entries)};
}

/// A small event shaped like the fixture, plus a sub-event, an F and an N question.
event_bundle make_event(const std::string& scheme = "given_family") {
  event_bundle e;
  e.organizer = "nordlicht";
  e.slug = "ndd25";
  e.name = text({{"en", "Developer Days"}, {"de", "Entwicklertage"}});
  e.date_from = "2025-09-18T09:00:00+02:00";
  e.date_to = "2025-09-19T16:00:00Z";
  e.public_url = "https://shop.example/nordlicht/ndd25/";
  e.settings.name_scheme = scheme;
  e.settings.locales = {"en", "de"};
  e.items = {{101,
              text({{"en", "Conference Pass"}, {"de", "Konferenzticket"}}),
              std::nullopt,
              true,
              {{201, text({{"en", "Regular"}, {"de", "Regulär"}})}}},
             {102, text({{"en", "Workshop"}}), std::string("WS-ADDON"), false, {}},
             {103, text({{"en", "Dinner"}}), std::string(""), false, {}}};
  question diet{301, text({{"en", "Diet"}}), "C", "DIET", 2, {}};
  diet.options = {{403, "DIET-NONE", 1, text({{"en", "None"}})},
                  {401, "DIET-VEG", 0, text({{"de", "Vegetarisch"}, {"en", "Vegetarian"}})}};
  e.questions = {diet,
                 {302, text({{"en", "Topics"}}), "M", "TOPICS", 2, {}},
                 {303, text({{"en", "Newsletter?"}}), "B", "NEWSLETTER", 3, {}},
                 {304, text({{"en", "CV"}}), "F", "CV", 0, {}},
                 {305, text({{"en", "Age"}}), "N", "AGE", 1, {}}};
  e.checkin_lists = {{501, "Main entrance"}, {502, "Workshop rooms"}};
  e.subevents = {{701, text({{"en", "Day 2"}}), "2025-10-01T08:00:00Z", std::nullopt}};
  e.vouchers = {{601, "SPEAKER25"}};
  return e;
}

position make_position(std::int64_t id, std::int64_t positionid, const std::string& given,
                       const std::string& family) {
  position p;
  p.id = id;
  p.positionid = positionid;
  p.item = 101;
  p.variation = 201;
  p.price = "249.00";
  p.attendee_name_parts = {
      {{"_scheme", "given_family"}, {"given_name", given}, {"family_name", family}}};
  p.attendee_name = given + " " + family;
  return p;
}

/// Order ABCDE: position 1 (id 11) with a name, position 2 (id 12) an add-on without own data.
order make_order() {
  order o;
  o.code = "ABCDE";
  o.event = "ndd25";
  o.status = "p";
  o.secret = "s3cr3t";
  o.url = "https://shop.example/nordlicht/ndd25/order/ABCDE/s3cr3t/";
  o.email = "buyer@bücher.example";
  o.locale = "de";
  o.datetime = "2025-05-02T10:14:09.5+02:00";
  o.total = "369.00";
  o.positions.push_back(make_position(11, 1, "Ada", "Lovelace"));
  position addon;
  addon.id = 12;
  addon.positionid = 2;
  addon.item = 102;
  addon.price = "120.00";
  addon.addon_to = 11;
  o.positions.push_back(addon);
  return o;
}

/// Owns the data the inputs point to.
struct world {
  event_bundle event = make_event();
  order o = make_order();
  evaluation_context context;

  field_inputs order_inputs() const { return {&o, nullptr, &event, nullptr, &context}; }
  field_inputs position_inputs(std::size_t index) const {
    return {&o, &o.positions.at(index), &event, nullptr, &context};
  }
};

json get(const field_catalogue& catalogue, const std::string& key, const field_inputs& in) {
  const source_field* field = catalogue.find(key);
  if (field == nullptr) throw std::runtime_error("no field " + key);
  return field->get(in);
}

strings keys(const field_catalogue& catalogue) {
  strings out;
  for (const source_field& f : catalogue.fields()) out.push_back(f.key);
  return out;
}

const strings fixed_keys_after_invoice_names = {"invoice_address_street",
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
                                                "presale_ticket_url"};

strings expected_keys(const strings& parts, const strings& tail) {
  strings out = {"attendee_name"};
  for (const auto& p : parts) out.push_back("attendee_name_" + p);
  out.insert(out.end(), {"attendee_email", "attendee_or_order_email", "attendee_company",
                         "attendee_street", "attendee_zipcode", "attendee_city", "attendee_country",
                         "invoice_address_company", "invoice_address_name"});
  for (const auto& p : parts) out.push_back("invoice_address_name_" + p);
  out.insert(out.end(), fixed_keys_after_invoice_names.begin(),
             fixed_keys_after_invoice_names.end());
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

// ---------------------------------------------------------------------------------------------
// Catalogue shape
// ---------------------------------------------------------------------------------------------

TEST(source_fields, catalogue_keys_for_given_family) {
  const field_catalogue c(make_event());
  EXPECT_EQ(keys(c), expected_keys({"given_name", "family_name"},
                                   {"checkin_date_501", "checkin_date_502", "question_AGE",
                                    "question_DIET", "question_TOPICS", "question_NEWSLETTER"}));
}

TEST(source_fields, catalogue_for_full_scheme_appends_legacy_split_fields) {
  const field_catalogue c(make_event("full"));
  EXPECT_EQ(keys(c),
            expected_keys({"full_name"},
                          {"checkin_date_501", "checkin_date_502", "question_AGE", "question_DIET",
                           "question_TOPICS", "question_NEWSLETTER", "attendee_name_given_name",
                           "invoice_address_name_given_name", "attendee_name_family_name",
                           "invoice_address_name_family_name"}));
  const source_field* legacy = c.find("invoice_address_name_family_name");
  EXPECT_EQ(legacy->label,
            "Invoice address: Family name (\u26a0\ufe0f auto-generated, not recommended)");
  EXPECT_EQ(legacy->category, "Invoice address");
  EXPECT_EQ(legacy->input, field_input::order);
  EXPECT_EQ(c.find("attendee_name_given_name")->label,
            "Attendee: Given name (\u26a0\ufe0f auto-generated, not recommended)");
  EXPECT_EQ(c.find("attendee_name_full_name")->label, "Attendee: Name");
}

TEST(source_fields, catalogue_follows_scheme_part_order) {
  const field_catalogue family_given(make_event("family_given"));
  EXPECT_EQ(keys(family_given)[1], "attendee_name_family_name");
  EXPECT_EQ(keys(family_given)[2], "attendee_name_given_name");
  const field_catalogue degree(make_event("salutation_title_given_family_degree"));
  EXPECT_EQ(keys(degree),
            expected_keys({"salutation", "title", "given_name", "family_name", "degree"},
                          {"checkin_date_501", "checkin_date_502", "question_AGE", "question_DIET",
                           "question_TOPICS", "question_NEWSLETTER"}));
  EXPECT_EQ(degree.find("attendee_name_degree")->label, "Attendee: Degree (after name)");
  const field_catalogue middle(make_event("given_middle_family"));
  EXPECT_EQ(middle.find("invoice_address_name_given_name")->label, "Invoice address: First name");
  // A scheme with given_name but no family_name gets only the family split.
  const field_catalogue calling(make_event("calling_full"));
  EXPECT_EQ(keys(calling).back(), "invoice_address_name_family_name");
}

TEST(source_fields, unknown_event_scheme_is_an_error) {
  EXPECT_THROW(field_catalogue(make_event("klingon")), field_internal_error);
}

TEST(source_fields, labels_categories_inputs_types) {
  const field_catalogue c(make_event());
  struct row {
    const char* key;
    const char* label;
    const char* category;
    field_input input;
    const char* type;
  };
  const auto pos = field_input::position, ord = field_input::order, ev = field_input::event;
  const auto evs = field_input::event_or_subevent;
  const row rows[] = {
      {"attendee_name", "Attendee name", "Attendee details", pos, "S"},
      {"attendee_name_given_name", "Attendee: Given name", "Attendee details", pos, "S"},
      {"attendee_email", "Attendee email", "Attendee details", pos, "S"},
      {"attendee_or_order_email", "Attendee or order email", "Attendee details", pos, "S"},
      {"attendee_company", "Attendee company", "Attendee details", pos, "S"},
      {"attendee_street", "Attendee address street", "Attendee details", pos, "S"},
      {"attendee_zipcode", "Attendee address ZIP code", "Attendee details", pos, "S"},
      {"attendee_city", "Attendee address city", "Attendee details", pos, "S"},
      {"attendee_country", "Attendee address country", "Attendee details", pos, "CC"},
      {"invoice_address_company", "Invoice address company", "Invoice address", ord, "S"},
      {"invoice_address_name", "Invoice address name", "Invoice address", ord, "S"},
      {"invoice_address_name_family_name", "Invoice address: Family name", "Invoice address", ord,
       "S"},
      {"invoice_address_street", "Invoice address street", "Invoice address", ord, "S"},
      {"invoice_address_zipcode", "Invoice address ZIP code", "Invoice address", ord, "S"},
      {"invoice_address_city", "Invoice address city", "Invoice address", ord, "S"},
      {"invoice_address_country", "Invoice address country", "Invoice address", ord, "CC"},
      {"email", "Order email", "Order details", ord, "S"},
      {"email_domain", "Order email domain", "Order details", ord, "S"},
      {"order_code", "Order code", "Order details", ord, "S"},
      {"event_order_code", "Event and order code", "Order details", ord, "S"},
      {"order_total", "Order total", "Order details", ord, "N"},
      {"product", "Product and variation name", "Product details", pos, "S"},
      {"product_id", "Product ID", "Product details", pos, "N"},
      {"product_is_admission", "Product is admission product", "Product details", pos, "B"},
      {"event_slug", "Event short form", "Event information", ev, "S"},
      {"event_name", "Event name", "Event information", ev, "S"},
      {"event_date_from", "Event start date", "Event or date information", evs, "W"},
      {"event_date_to", "Event end date", "Event or date information", evs, "W"},
      {"voucher_code", "Voucher code", "Order position details", pos, "S"},
      {"ticket_id", "Order code and position number", "Order position details", pos, "S"},
      {"ticket_price", "Ticket price", "Order position details", pos, "N"},
      {"order_status", "Order status", "Order details", ord, "C"},
      {"ticket_status", "Ticket status", "Order position details", pos, "C"},
      {"order_date", "Order date and time", "Order details", ord, "W"},
      {"payment_date", "Payment date and time", "Order details", ord, "W"},
      {"order_locale", "Order locale", "Order details", ord, "C"},
      {"position_id", "Order position ID", "Order position details", pos, "N"},
      {"presale_order_url", "Order link", "Order details", ord, "S"},
      {"presale_ticket_url", "Ticket link", "Order position details", pos, "S"},
      {"checkin_date_502", "Check-in datetime on list Workshop rooms", "Order position details",
       pos, "W"},
      {"question_DIET", "Question: Diet", "Questions", pos, "C"},
      {"question_TOPICS", "Question: Topics", "Questions", pos, "M"},
      {"question_NEWSLETTER", "Question: Newsletter?", "Questions", pos, "B"},
      {"question_AGE", "Question: Age", "Questions", pos, "N"},
  };
  for (const row& r : rows) {
    const source_field* f = c.find(r.key);
    ASSERT_NE(f, nullptr) << r.key;
    EXPECT_EQ(f->label, r.label) << r.key;
    EXPECT_EQ(f->category, r.category) << r.key;
    EXPECT_EQ(f->input, r.input) << r.key;
    EXPECT_EQ(f->type, r.type) << r.key;
  }
  EXPECT_EQ(c.find("question_CV"), nullptr);
  EXPECT_EQ(c.find("nope"), nullptr);
}

TEST(source_fields, options) {
  const field_catalogue c(make_event());
  using options = std::vector<std::pair<std::string, std::string>>;
  const options statuses = {{"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}};
  EXPECT_EQ(c.find("order_status")->options, statuses);
  EXPECT_EQ(c.find("ticket_status")->options, statuses);
  EXPECT_EQ(c.find("order_locale")->options, (options{{"en", "en"}, {"de", "de"}}));
  // Sorted by option position, labelled in English.
  EXPECT_EQ(c.find("question_DIET")->options,
            (options{{"DIET-VEG", "Vegetarian"}, {"DIET-NONE", "None"}}));
  EXPECT_TRUE(c.find("question_TOPICS")->options.empty());
  EXPECT_TRUE(c.find("question_NEWSLETTER")->options.empty());
  EXPECT_TRUE(c.find("email")->options.empty());
}

TEST(source_fields, input_names) {
  EXPECT_STREQ(to_string(field_input::order), "order");
  EXPECT_STREQ(to_string(field_input::position), "position");
  EXPECT_STREQ(to_string(field_input::event), "event");
  EXPECT_STREQ(to_string(field_input::event_or_subevent), "event_or_subevent");
}

TEST(source_fields, every_getter_rejects_missing_inputs_without_crashing) {
  const field_catalogue c(make_event("full"));
  for (const source_field& f : c.fields()) {
    EXPECT_THROW(f.get(field_inputs{}), field_internal_error) << f.key;
  }
  world w;
  // An add-on whose order is not given cannot reach its parent.
  const field_inputs no_order{nullptr, &w.o.positions[1], &w.event, nullptr, nullptr};
  EXPECT_THROW(get(c, "attendee_name", no_order), field_internal_error);
  try {
    get(c, "ticket_id", no_order);
    FAIL();
  } catch (const field_internal_error& e) {
    EXPECT_EQ(std::string(e.what()), "field \"ticket_id\": the order input is missing");
  }
}

// ---------------------------------------------------------------------------------------------
// Attendee fields
// ---------------------------------------------------------------------------------------------

TEST(source_fields, attendee_name_and_parent_fallback) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(0)), "Ada Lovelace");
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(1)), "Ada Lovelace");
  // The name is pretix's build_name of the parts, not the cached API string.
  w.o.positions[0].attendee_name = "stale";
  w.o.positions[0].attendee_name_parts = {
      {{"_scheme", "family_comma_given"}, {"given_name", "Ada"}, {"family_name", "Lovelace"}}};
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(0)), "Lovelace, Ada");
  // Empty own name falls back; the parent's value is taken as is ("" or null).
  w.o.positions[1].attendee_name_parts = {{{"_scheme", "given_family"}}};
  w.o.positions[0].attendee_name_parts = {{{"_scheme", "given_family"}, {"given_name", ""}}};
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(1)), "");
  w.o.positions[0].attendee_name_parts = {};
  w.o.positions[0].attendee_name.reset();
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(1)), nullptr);
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(0)), nullptr);
  // Without parts the API's attendee_name is used.
  w.o.positions[0].attendee_name = "Only Cached";
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(0)), "Only Cached");
}

TEST(source_fields, attendee_name_parts) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "attendee_name_given_name", w.position_inputs(0)), "Ada");
  EXPECT_EQ(get(c, "attendee_name_family_name", w.position_inputs(1)), "Lovelace");
  // A non-empty own object wins even without the part: no per-part fallback.
  w.o.positions[1].attendee_name_parts = {{{"_scheme", "full"}, {"full_name", "Bob"}}};
  EXPECT_EQ(get(c, "attendee_name_given_name", w.position_inputs(1)), "");
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(1)), "Bob");
  w.o.positions[0].attendee_name_parts = {{{"_legacy", "Leo Hartmann"}}};
  EXPECT_EQ(get(c, "attendee_name_given_name", w.position_inputs(0)), "");
  EXPECT_EQ(get(c, "attendee_name", w.position_inputs(0)), "Leo Hartmann");
  position lonely = make_position(99, 3, "", "");
  lonely.attendee_name_parts = {};
  EXPECT_EQ(get(c, "attendee_name_given_name", {&w.o, &lonely, &w.event, nullptr, nullptr}), "");
}

TEST(source_fields, attendee_emails) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "attendee_email", w.position_inputs(0)), nullptr);
  EXPECT_EQ(get(c, "attendee_or_order_email", w.position_inputs(1)), "buyer@xn--bcher-kva.example");
  w.o.positions[0].attendee_email = "ada@Straße.example";
  EXPECT_EQ(get(c, "attendee_email", w.position_inputs(1)), "ada@strasse.example");
  w.o.positions[1].attendee_email = "own@example.org";
  EXPECT_EQ(get(c, "attendee_email", w.position_inputs(1)), "own@example.org");
  w.o.positions[1].attendee_email = "";
  EXPECT_EQ(get(c, "attendee_or_order_email", w.position_inputs(1)), "ada@strasse.example");
  w.o.positions[0].attendee_email = "";
  w.o.email.reset();
  EXPECT_EQ(get(c, "attendee_email", w.position_inputs(1)), nullptr);
  EXPECT_EQ(get(c, "attendee_or_order_email", w.position_inputs(1)), nullptr);
  w.o.positions[0].attendee_email = "two@at@signs";
  EXPECT_THROW(get(c, "attendee_email", w.position_inputs(1)), field_internal_error);
}

TEST(source_fields, attendee_address_fields) {
  world w;
  const field_catalogue c(w.event);
  // Non-add-on without a value: null (not "").
  w.o.positions[0].company = "";
  EXPECT_EQ(get(c, "attendee_company", w.position_inputs(0)), nullptr);
  EXPECT_EQ(get(c, "attendee_city", w.position_inputs(0)), nullptr);
  // Add-on: the parent's value as is.
  EXPECT_EQ(get(c, "attendee_company", w.position_inputs(1)), "");
  EXPECT_EQ(get(c, "attendee_street", w.position_inputs(1)), nullptr);
  w.o.positions[0].zipcode = "20457";
  EXPECT_EQ(get(c, "attendee_zipcode", w.position_inputs(1)), "20457");
  w.o.positions[1].zipcode = "10115";
  EXPECT_EQ(get(c, "attendee_zipcode", w.position_inputs(1)), "10115");
  w.o.positions[0].city = "Hamburg";
  EXPECT_EQ(get(c, "attendee_city", w.position_inputs(0)), "Hamburg");
}

TEST(source_fields, attendee_country_quirk) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "attendee_country", w.position_inputs(0)), "");
  // Add-on without a country: pretix returns the parent's attendee name.
  EXPECT_EQ(get(c, "attendee_country", w.position_inputs(1)), "Ada Lovelace");
  w.o.positions[0].attendee_name_parts = {};
  w.o.positions[0].attendee_name.reset();
  EXPECT_EQ(get(c, "attendee_country", w.position_inputs(1)), "None");
  w.o.positions[1].country = "DE";
  EXPECT_EQ(get(c, "attendee_country", w.position_inputs(1)), "DE");
}

TEST(source_fields, legacy_split_fields) {
  world w;
  w.event.settings.name_scheme = "full";
  const field_catalogue c(w.event);
  w.o.positions[0].attendee_name_parts = {
      {{"_scheme", "full"}, {"full_name", "Charlie de l'Exemple"}}};
  EXPECT_EQ(get(c, "attendee_name_full_name", w.position_inputs(0)), "Charlie de l'Exemple");
  EXPECT_EQ(get(c, "attendee_name_given_name", w.position_inputs(0)), "Charlie de");
  EXPECT_EQ(get(c, "attendee_name_family_name", w.position_inputs(0)), "l'Exemple");
  // The add-on has no own name: no parent fallback here, pretix fails on None.
  EXPECT_THROW(get(c, "attendee_name_given_name", w.position_inputs(1)), field_internal_error);
  EXPECT_EQ(get(c, "invoice_address_name_given_name", w.order_inputs()), "");
  EXPECT_EQ(get(c, "invoice_address_name_family_name", w.order_inputs()), "");
  w.o.address = invoice_address{};
  w.o.address->name_parts = {{{"full_name", "Madonna"}}};
  EXPECT_EQ(get(c, "invoice_address_name_given_name", w.order_inputs()), "Madonna");
  EXPECT_EQ(get(c, "invoice_address_name_family_name", w.order_inputs()), "");
}

// ---------------------------------------------------------------------------------------------
// Order and invoice address fields
// ---------------------------------------------------------------------------------------------

TEST(source_fields, invoice_address_fields) {
  world w;
  const field_catalogue c(w.event);
  for (const char* key :
       {"invoice_address_company", "invoice_address_name", "invoice_address_name_given_name",
        "invoice_address_street", "invoice_address_zipcode", "invoice_address_city",
        "invoice_address_country"}) {
    EXPECT_EQ(get(c, key, w.order_inputs()), "") << key;
  }
  invoice_address a;
  a.company = "ACME";
  a.name = "cached";
  a.name_parts = {{{"given_name", "Grace"}, {"family_name", "Hopper"}}};  // event scheme applies
  a.street = "Main St 1";
  a.zipcode = "12345";
  a.city = "Springfield";
  a.country = "US";
  w.o.address = a;
  EXPECT_EQ(get(c, "invoice_address_company", w.order_inputs()), "ACME");
  EXPECT_EQ(get(c, "invoice_address_name", w.order_inputs()), "Grace Hopper");
  EXPECT_EQ(get(c, "invoice_address_name_family_name", w.order_inputs()), "Hopper");
  EXPECT_EQ(get(c, "invoice_address_street", w.order_inputs()), "Main St 1");
  EXPECT_EQ(get(c, "invoice_address_zipcode", w.order_inputs()), "12345");
  EXPECT_EQ(get(c, "invoice_address_city", w.order_inputs()), "Springfield");
  EXPECT_EQ(get(c, "invoice_address_country", w.order_inputs()), "US");
  w.o.address->name_parts = {};
  EXPECT_EQ(get(c, "invoice_address_name", w.order_inputs()), "cached");
  EXPECT_EQ(get(c, "invoice_address_name_given_name", w.order_inputs()), "");
}

TEST(source_fields, order_fields) {
  world w;
  const field_catalogue c(w.event);
  const field_inputs in = w.order_inputs();
  EXPECT_EQ(get(c, "email", in), "buyer@xn--bcher-kva.example");
  EXPECT_EQ(get(c, "email_domain", in), "xn--bcher-kva.example");
  EXPECT_EQ(get(c, "order_code", in), "ABCDE");
  EXPECT_EQ(get(c, "event_order_code", in), "NDD25-ABCDE");
  EXPECT_EQ(get(c, "order_total", in), "369.00");
  EXPECT_EQ(get(c, "order_status", in), json::array({"p"}));
  EXPECT_EQ(get(c, "order_date", in), "2025-05-02T08:14:09.500000+00:00");
  EXPECT_EQ(get(c, "order_locale", in), json::array({"de"}));
  w.o.email.reset();
  EXPECT_EQ(get(c, "email", in), nullptr);
  EXPECT_EQ(get(c, "email_domain", in), nullptr);
  w.o.email = "broken";
  EXPECT_THROW(get(c, "email_domain", in), field_internal_error);
  w.o.datetime = "yesterday";
  EXPECT_THROW(get(c, "order_date", in), field_internal_error);
}

TEST(source_fields, payment_date_rules) {
  world w;
  const field_catalogue c(w.event);
  const field_inputs in = w.order_inputs();
  EXPECT_EQ(get(c, "payment_date", in), nullptr);  // no payments
  w.o.payments = {{1, "failed", "1.00", std::nullopt, std::nullopt, "stripe"},
                  {2, "refunded", "1.00", std::nullopt, "2025-05-09T14:00:00+02:00", "stripe"},
                  {3, "confirmed", "1.00", std::nullopt, "2025-05-08T15:20:00Z", "banktransfer"},
                  {4, "failed", "1.00", std::nullopt, "2025-05-09T12:00:00.5Z", "stripe"}};
  EXPECT_EQ(get(c, "payment_date", in), "2025-05-09T12:00:00.500000+00:00");
  for (const char* status : {"e", "c"}) {
    w.o.status = status;
    EXPECT_EQ(get(c, "payment_date", in), "2025-05-09T12:00:00.500000+00:00") << status;
  }
  w.o.status = "n";
  EXPECT_EQ(get(c, "payment_date", in), nullptr);
  w.o.status = "p";
  w.o.payments[0].payment_date = "garbage";
  EXPECT_THROW(get(c, "payment_date", in), field_internal_error);
}

TEST(source_fields, presale_order_url) {
  world w;
  const field_catalogue c(w.event);
  const field_inputs in = w.order_inputs();
  EXPECT_EQ(get(c, "presale_order_url", in), w.o.url);
  w.context.shop_base_url = "https://tickets.example.org/";
  EXPECT_EQ(get(c, "presale_order_url", in),
            "https://tickets.example.org/nordlicht/ndd25/order/ABCDE/s3cr3t/");
  w.context.shop_base_url = "https://tickets.example.org";
  EXPECT_EQ(get(c, "presale_order_url", in),
            "https://tickets.example.org/nordlicht/ndd25/order/ABCDE/s3cr3t/");
  w.context.shop_base_url.clear();
  w.o.url.clear();  // then the event's public URL
  EXPECT_EQ(get(c, "presale_order_url", in),
            "https://shop.example/nordlicht/ndd25/order/ABCDE/s3cr3t/");
  w.event.public_url.clear();
  EXPECT_EQ(get(c, "presale_order_url", in), "");
}

TEST(source_fields, presale_ticket_url) {
  world w;
  const field_catalogue c(w.event);
  // The REST API has no web secret: the order page is the documented stand-in.
  EXPECT_EQ(get(c, "presale_ticket_url", w.position_inputs(1)), w.o.url);
  w.o.positions[1].web_secret = "w3b";
  EXPECT_EQ(get(c, "presale_ticket_url", w.position_inputs(1)),
            "https://shop.example/nordlicht/ndd25/ticket/ABCDE/2/w3b/");
  w.o.url = "https://custom.example/order/ABCDE/s3cr3t/";  // event on its own domain
  EXPECT_EQ(get(c, "presale_ticket_url", w.position_inputs(1)),
            "https://custom.example/ticket/ABCDE/2/w3b/");
  w.context.shop_base_url = "https://tickets.example.org";
  EXPECT_EQ(get(c, "presale_ticket_url", w.position_inputs(1)),
            "https://tickets.example.org/nordlicht/ndd25/ticket/ABCDE/2/w3b/");
  w.context.shop_base_url.clear();
  w.o.url.clear();
  w.event.public_url.clear();
  EXPECT_EQ(get(c, "presale_ticket_url", w.position_inputs(1)), "");
}

// ---------------------------------------------------------------------------------------------
// Product, event and position fields
// ---------------------------------------------------------------------------------------------

TEST(source_fields, product_fields) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "product", w.position_inputs(0)), "Conference Pass \u2013 Regular");
  EXPECT_EQ(get(c, "product", w.position_inputs(1)), "WS-ADDON");
  EXPECT_EQ(get(c, "product_id", w.position_inputs(1)), "102");
  EXPECT_EQ(get(c, "product_is_admission", w.position_inputs(0)), true);
  EXPECT_EQ(get(c, "product_is_admission", w.position_inputs(1)), false);
  w.context.language = "de-informal";
  EXPECT_EQ(get(c, "product", w.position_inputs(0)), "Konferenzticket \u2013 Regulär");
  w.o.positions[1].item = 103;  // empty internal name: the localized name
  EXPECT_EQ(get(c, "product", w.position_inputs(1)), "Dinner");
  w.o.positions[0].variation = 299;
  EXPECT_THROW(get(c, "product", w.position_inputs(0)), field_internal_error);
  w.o.positions[1].item = 999;
  EXPECT_THROW(get(c, "product", w.position_inputs(1)), field_internal_error);
  EXPECT_THROW(get(c, "product_is_admission", w.position_inputs(1)), field_internal_error);
  EXPECT_EQ(get(c, "product_id", w.position_inputs(1)), "999");
}

TEST(source_fields, event_fields_and_localisation) {
  world w;
  const field_catalogue c(w.event);
  const field_inputs in = w.order_inputs();
  EXPECT_EQ(get(c, "event_slug", in), "ndd25");
  EXPECT_EQ(get(c, "event_name", in), "Developer Days");
  w.context.language = "de";
  EXPECT_EQ(get(c, "event_name", in), "Entwicklertage");
  w.context.language = "fr";
  EXPECT_EQ(get(c, "event_name", in), "Developer Days");
  EXPECT_EQ(get(c, "event_name", {nullptr, nullptr, &w.event, nullptr, nullptr}), "Developer Days");
}

TEST(source_fields, event_dates_from_event_or_subevent) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "event_date_from", w.position_inputs(0)), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(get(c, "event_date_to", w.position_inputs(0)), "2025-09-19T16:00:00+00:00");
  w.o.positions[0].subevent = 701;  // looked up in the bundle when the caller gives no pointer
  EXPECT_EQ(get(c, "event_date_from", w.position_inputs(0)), "2025-10-01T08:00:00+00:00");
  EXPECT_EQ(get(c, "event_date_to", w.position_inputs(0)), nullptr);
  const subevent given{702, text({}), "2025-11-01T08:00:00+01:00", "2025-11-01T18:00:00Z"};
  const field_inputs with_sub{&w.o, &w.o.positions[0], &w.event, &given, nullptr};
  EXPECT_EQ(get(c, "event_date_from", with_sub), "2025-11-01T07:00:00+00:00");
  EXPECT_EQ(get(c, "event_date_to", with_sub), "2025-11-01T18:00:00+00:00");
  w.o.positions[0].subevent = 799;
  EXPECT_THROW(get(c, "event_date_from", w.position_inputs(0)), field_internal_error);
  w.event.date_to.reset();
  EXPECT_EQ(get(c, "event_date_to", w.order_inputs()), nullptr);
}

TEST(source_fields, position_fields) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "voucher_code", w.position_inputs(0)), "");
  w.o.positions[0].voucher = 601;
  EXPECT_EQ(get(c, "voucher_code", w.position_inputs(0)), "SPEAKER25");
  w.o.positions[0].voucher = 666;
  try {
    get(c, "voucher_code", w.position_inputs(0));
    FAIL();
  } catch (const field_internal_error& e) {
    EXPECT_NE(std::string(e.what()).find("voucher 666"), std::string::npos) << e.what();
  }
  EXPECT_EQ(get(c, "ticket_id", w.position_inputs(1)), "ABCDE-2");
  EXPECT_EQ(get(c, "ticket_price", w.position_inputs(1)), "120.00");
  EXPECT_EQ(get(c, "position_id", w.position_inputs(1)), "12");
  EXPECT_EQ(get(c, "ticket_status", w.position_inputs(1)), json::array({"p"}));
  w.o.positions[1].canceled = true;
  EXPECT_EQ(get(c, "ticket_status", w.position_inputs(1)), json::array({"c"}));
  w.o.status = "e";
  EXPECT_EQ(get(c, "ticket_status", w.position_inputs(0)), json::array({"e"}));
}

TEST(source_fields, checkin_date_is_latest_entry_on_the_list) {
  world w;
  const field_catalogue c(w.event);
  EXPECT_EQ(get(c, "checkin_date_501", w.position_inputs(0)), nullptr);
  w.o.positions[0].checkins = {{1, 501, "2025-09-18T07:02:00Z", "entry"},
                               {2, 501, "2025-09-18T13:15:00+02:00", "entry"},
                               {3, 501, "2025-09-18T12:00:00Z", "exit"},
                               {4, 502, "2025-09-19T08:05:00Z", "entry"},
                               {5, 501, "2025-09-18T09:00:00Z", "entry"}};
  EXPECT_EQ(get(c, "checkin_date_501", w.position_inputs(0)), "2025-09-18T11:15:00+00:00");
  EXPECT_EQ(get(c, "checkin_date_502", w.position_inputs(0)), "2025-09-19T08:05:00+00:00");
  w.o.positions[0].checkins = {{1, 501, "2025-09-18T07:02:00Z", "exit"}};
  EXPECT_EQ(get(c, "checkin_date_501", w.position_inputs(0)), nullptr);
  w.o.positions[0].checkins = {{1, 501, "2025-09-18T07:02:00Z", ""}};  // pretix's default: entry
  EXPECT_EQ(get(c, "checkin_date_501", w.position_inputs(0)), "2025-09-18T07:02:00+00:00");
}

// ---------------------------------------------------------------------------------------------
// Questions
// ---------------------------------------------------------------------------------------------

answer make_answer(std::int64_t question, const std::string& text, strings identifiers = {},
                   std::vector<std::int64_t> options = {}) {
  return answer{question, "", text, std::move(options), std::move(identifiers)};
}

TEST(source_fields, question_values_by_type) {
  world w;
  const field_catalogue c(w.event);
  const field_inputs in = w.position_inputs(0);
  for (const char* key :
       {"question_DIET", "question_TOPICS", "question_NEWSLETTER", "question_AGE"}) {
    EXPECT_EQ(get(c, key, in), "") << key;  // unanswered: "" even for C/M/B
  }
  w.o.positions[0].answers = {make_answer(301, "Vegetarian", {"DIET-VEG"}, {401}),
                              make_answer(302, "A, B", {"T-CPP", "T-NET"}, {411, 412}),
                              make_answer(303, "True"), make_answer(305, "42")};
  EXPECT_EQ(get(c, "question_DIET", in), json::array({"DIET-VEG"}));
  EXPECT_EQ(get(c, "question_TOPICS", in), json::array({"T-CPP", "T-NET"}));
  EXPECT_EQ(get(c, "question_NEWSLETTER", in), true);
  EXPECT_EQ(get(c, "question_AGE", in), "42");
  w.o.positions[0].answers[2].text = "true";  // only exactly "True" is true
  EXPECT_EQ(get(c, "question_NEWSLETTER", in), false);
  // An answer that carries option ids only is mapped through the question's options.
  w.o.positions[0].answers[0] = make_answer(301, "x", {}, {403, 401});
  EXPECT_EQ(get(c, "question_DIET", in), json::array({"DIET-NONE", "DIET-VEG"}));
  w.o.positions[0].answers[0] = make_answer(301, "x", {}, {499});
  EXPECT_THROW(get(c, "question_DIET", in), field_internal_error);
  w.o.positions[0].answers[0] = make_answer(301, "", {}, {});
  EXPECT_EQ(get(c, "question_DIET", in), json::array());
}

TEST(source_fields, question_parent_fallback_is_per_question) {
  world w;
  const field_catalogue c(w.event);
  w.o.positions[0].answers = {make_answer(301, "None", {"DIET-NONE"}), make_answer(303, "False")};
  w.o.positions[1].answers = {make_answer(303, "True")};
  EXPECT_EQ(get(c, "question_DIET", w.position_inputs(1)), json::array({"DIET-NONE"}));
  EXPECT_EQ(get(c, "question_NEWSLETTER", w.position_inputs(1)), true);
  EXPECT_EQ(get(c, "question_TOPICS", w.position_inputs(1)), "");
}

}  // namespace
}  // namespace tixsync::mapping
