// Builds pretix's source-field catalogue for one event (sourcefields.get_data_fields): every field
// in pretix's order with its English label, category, input, type and options, and a getter that
// captures what it needs (part keys, list ids, question data) so evaluation does no lookups by
// name.
#include "mapping/source_fields.hpp"

#include <algorithm>

#include "mapping/datetime.hpp"
#include "mapping/field_getters.hpp"
#include "mapping/person_name.hpp"

namespace tixsync::mapping {

namespace {

namespace g = field_getters;

// pretix's DataFieldCategory labels.
constexpr const char* cat_position = "Order position details";
constexpr const char* cat_attendee = "Attendee details";
constexpr const char* cat_questions = "Questions";
constexpr const char* cat_product = "Product details";
constexpr const char* cat_order = "Order details";
constexpr const char* cat_invoice = "Invoice address";
constexpr const char* cat_event = "Event information";
constexpr const char* cat_event_or_subevent = "Event or date information";

constexpr const char* legacy_suffix = " (\u26a0\ufe0f auto-generated, not recommended)";

using options_list = std::vector<std::pair<std::string, std::string>>;

/// Appends fields; wraps each getter so that its errors name the field.
class catalogue_builder {
 public:
  explicit catalogue_builder(std::vector<source_field>& fields) : fields_(fields) {}

  template <typename Getter>
  void add(std::string key, std::string label, const char* category, field_input input,
           std::string type, Getter getter, options_list options = {}) {
    source_field field;
    field.label = std::move(label);
    field.category = category;
    field.input = input;
    field.type = std::move(type);
    field.options = std::move(options);
    field.get = [key, getter = std::move(getter)](const field_inputs& in) -> json {
      try {
        return getter(in);
      } catch (const field_internal_error& e) {
        throw field_internal_error("field \"" + key + "\": " + e.what());
      }
    };
    field.key = std::move(key);
    fields_.push_back(std::move(field));
  }

 private:
  std::vector<source_field>& fields_;
};

const options_list& status_options() {
  static const options_list options = {
      {"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}};
  return options;
}

void add_attendee_fields(catalogue_builder& b, const name_scheme& scheme) {
  const std::string key(scheme.key);
  const auto pos = field_input::position;
  b.add("attendee_name", "Attendee name", cat_attendee, pos, "S",
        [key](const field_inputs& in) { return g::attendee_name(in, key); });
  for (const name_field& part : scheme.fields) {
    b.add("attendee_name_" + std::string(part.key), "Attendee: " + std::string(part.label),
          cat_attendee, pos, "S", [k = std::string(part.key)](const field_inputs& in) {
            return g::attendee_name_part(in, k);
          });
  }
  b.add("attendee_email", "Attendee email", cat_attendee, pos, "S", g::attendee_email);
  b.add("attendee_or_order_email", "Attendee or order email", cat_attendee, pos, "S",
        g::attendee_or_order_email);
  const std::pair<const char*, std::optional<std::string> position::*> address[] = {
      {"company", &position::company},
      {"street", &position::street},
      {"zipcode", &position::zipcode},
      {"city", &position::city}};
  const char* labels[] = {"Attendee company", "Attendee address street",
                          "Attendee address ZIP code", "Attendee address city"};
  for (std::size_t i = 0; i < 4; ++i) {
    b.add(std::string("attendee_") + address[i].first, labels[i], cat_attendee, pos, "S",
          [m = address[i].second](const field_inputs& in) { return g::attendee_address(in, m); });
  }
  b.add("attendee_country", "Attendee address country", cat_attendee, pos, "CC",
        [key](const field_inputs& in) { return g::attendee_country(in, key); });
}

void add_invoice_fields(catalogue_builder& b, const name_scheme& scheme) {
  const std::string key(scheme.key);
  const auto ord = field_input::order;
  auto text = [](std::string invoice_address::*member) {
    return [member](const field_inputs& in) { return g::invoice_address_text(in, member); };
  };
  b.add("invoice_address_company", "Invoice address company", cat_invoice, ord, "S",
        text(&invoice_address::company));
  b.add("invoice_address_name", "Invoice address name", cat_invoice, ord, "S",
        [key](const field_inputs& in) {
          return json(g::invoice_address_name_of(g::need_order(in), key));
        });
  for (const name_field& part : scheme.fields) {
    b.add("invoice_address_name_" + std::string(part.key),
          "Invoice address: " + std::string(part.label), cat_invoice, ord, "S",
          [k = std::string(part.key)](const field_inputs& in) {
            return g::invoice_address_name_part(in, k);
          });
  }
  b.add("invoice_address_street", "Invoice address street", cat_invoice, ord, "S",
        text(&invoice_address::street));
  b.add("invoice_address_zipcode", "Invoice address ZIP code", cat_invoice, ord, "S",
        text(&invoice_address::zipcode));
  b.add("invoice_address_city", "Invoice address city", cat_invoice, ord, "S",
        text(&invoice_address::city));
  b.add("invoice_address_country", "Invoice address country", cat_invoice, ord, "CC",
        text(&invoice_address::country));
}

void add_order_fields(catalogue_builder& b) {
  const auto ord = field_input::order;
  b.add("email", "Order email", cat_order, ord, "S", g::order_email);
  b.add("email_domain", "Order email domain", cat_order, ord, "S", g::order_email_domain);
  b.add("order_code", "Order code", cat_order, ord, "S",
        [](const field_inputs& in) { return json(g::need_order(in).code); });
  b.add("event_order_code", "Event and order code", cat_order, ord, "S", g::event_order_code);
  b.add("order_total", "Order total", cat_order, ord, "N",
        [](const field_inputs& in) { return json(g::need_order(in).total); });
}

void add_product_and_event_fields(catalogue_builder& b) {
  const auto pos = field_input::position;
  b.add("product", "Product and variation name", cat_product, pos, "S", g::product);
  b.add("product_id", "Product ID", cat_product, pos, "N",
        [](const field_inputs& in) { return json(std::to_string(g::need_position(in).item)); });
  b.add("product_is_admission", "Product is admission product", cat_product, pos, "B",
        g::product_is_admission);
  b.add("event_slug", "Event short form", cat_event, field_input::event, "S",
        [](const field_inputs& in) { return json(g::need_event(in).slug); });
  b.add("event_name", "Event name", cat_event, field_input::event, "S", g::event_name);
  b.add("event_date_from", "Event start date", cat_event_or_subevent,
        field_input::event_or_subevent, "W",
        [](const field_inputs& in) { return g::event_date(in, false); });
  b.add("event_date_to", "Event end date", cat_event_or_subevent, field_input::event_or_subevent,
        "W", [](const field_inputs& in) { return g::event_date(in, true); });
}

void add_status_and_link_fields(catalogue_builder& b, const event_bundle& event) {
  const auto pos = field_input::position;
  const auto ord = field_input::order;
  b.add("voucher_code", "Voucher code", cat_position, pos, "S", g::voucher_code);
  b.add("ticket_id", "Order code and position number", cat_position, pos, "S", g::ticket_id);
  b.add("ticket_price", "Ticket price", cat_position, pos, "N",
        [](const field_inputs& in) { return json(g::need_position(in).price); });
  b.add(
      "order_status", "Order status", cat_order, ord, "C",
      [](const field_inputs& in) { return json::array({g::need_order(in).status}); },
      status_options());
  b.add("ticket_status", "Ticket status", cat_position, pos, "C", g::ticket_status,
        status_options());
  b.add("order_date", "Order date and time", cat_order, ord, "W", [](const field_inputs& in) {
    return json(api_datetime_to_isoformat(g::need_order(in).datetime));
  });
  b.add("payment_date", "Payment date and time", cat_order, ord, "W", g::payment_date);
  options_list locales;
  for (const std::string& locale : event.settings.locales) locales.emplace_back(locale, locale);
  b.add(
      "order_locale", "Order locale", cat_order, ord, "C",
      [](const field_inputs& in) { return json::array({g::need_order(in).locale}); },
      std::move(locales));
  b.add("position_id", "Order position ID", cat_position, pos, "N",
        [](const field_inputs& in) { return json(std::to_string(g::need_position(in).id)); });
  b.add("presale_order_url", "Order link", cat_order, ord, "S", g::presale_order_url);
  b.add("presale_ticket_url", "Ticket link", cat_position, pos, "S", g::presale_ticket_url);
}

void add_checkin_fields(catalogue_builder& b, const event_bundle& event) {
  for (const checkin_list& list : event.checkin_lists) {
    b.add("checkin_date_" + std::to_string(list.id), "Check-in datetime on list " + list.name,
          cat_position, field_input::position, "W",
          [id = list.id](const field_inputs& in) { return g::checkin_date(in, id); });
  }
}

g::question_spec make_question_spec(const question& q) {
  g::question_spec spec;
  spec.id = q.id;
  if (q.type == "C" || q.type == "M") {
    spec.value_kind = g::question_spec::kind::choice;
    for (const question_option& option : q.options) {
      spec.options.emplace_back(option.id, option.identifier);
    }
  } else if (q.type == "B") {
    spec.value_kind = g::question_spec::kind::boolean;
  }
  return spec;
}

/// pretix's get_enum_opts: (identifier, answer text) per option, in (position, id) order.
options_list question_options(const question& q) {
  options_list options;
  if (q.type != "C" && q.type != "M") return options;
  std::vector<const question_option*> sorted;
  for (const question_option& option : q.options) sorted.push_back(&option);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return a->position != b->position ? a->position < b->position : a->id < b->id;
  });
  for (const question_option* option : sorted) {
    options.emplace_back(option->identifier, option->answer.localize("en"));
  }
  return options;
}

void add_question_fields(catalogue_builder& b, const event_bundle& event) {
  // pretix lists questions in their model order: position, then id.
  std::vector<const question*> sorted;
  for (const question& q : event.questions) {
    if (q.type != "F") sorted.push_back(&q);
  }
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* c) {
    return a->position != c->position ? a->position < c->position : a->id < c->id;
  });
  for (const question* q : sorted) {
    b.add(
        "question_" + q->identifier, "Question: " + q->label.localize("en"), cat_questions,
        field_input::position, q->type,
        [spec = make_question_spec(*q)](const field_inputs& in) {
          return g::question_answer(in, spec);
        },
        question_options(*q));
  }
}

void add_legacy_split_fields(catalogue_builder& b, const name_scheme& scheme) {
  const std::string key(scheme.key);
  for (const bool family : {false, true}) {
    const char* part = family ? "family_name" : "given_name";
    if (scheme.has_field(part)) continue;
    const std::string label = std::string(family ? "Family name" : "Given name") + legacy_suffix;
    b.add(std::string("attendee_name_") + part, "Attendee: " + label, cat_attendee,
          field_input::position, "S", [key, family](const field_inputs& in) {
            return g::legacy_attendee_name_split(in, key, family);
          });
    b.add(std::string("invoice_address_name_") + part, "Invoice address: " + label, cat_invoice,
          field_input::order, "S", [key, family](const field_inputs& in) {
            return g::legacy_invoice_name_split(in, key, family);
          });
  }
}

}  // namespace

const char* to_string(field_input input) {
  switch (input) {
    case field_input::order:
      return "order";
    case field_input::position:
      return "position";
    case field_input::event:
      return "event";
    case field_input::event_or_subevent:
      return "event_or_subevent";
  }
  return "unknown";
}

field_catalogue::field_catalogue(const event_bundle& event) {
  const name_scheme* scheme = find_name_scheme(event.settings.name_scheme);
  if (scheme == nullptr) {
    throw field_internal_error("unknown person name scheme '" + event.settings.name_scheme +
                               "' in the settings of event '" + event.slug + "'");
  }
  catalogue_builder b(fields_);
  add_attendee_fields(b, *scheme);
  add_invoice_fields(b, *scheme);
  add_order_fields(b);
  add_product_and_event_fields(b);
  add_status_and_link_fields(b, event);
  add_checkin_fields(b, event);
  add_question_fields(b, event);
  add_legacy_split_fields(b, *scheme);
  index_.reserve(fields_.size());
  for (std::size_t i = 0; i < fields_.size(); ++i) index_.emplace(fields_[i].key, i);
}

const source_field* field_catalogue::find(const std::string& key) const {
  const auto it = index_.find(key);
  return it == index_.end() ? nullptr : &fields_[it->second];
}

const std::set<std::string>& static_field_keys() {
  static const std::set<std::string> keys = [] {
    std::set<std::string> out;
    for (const name_scheme& scheme : all_name_schemes()) {
      event_bundle empty;  // no questions, no check-in lists: only static fields
      empty.settings.name_scheme = std::string(scheme.key);
      for (const auto& field : field_catalogue(empty).fields()) out.insert(field.key);
    }
    return out;
  }();
  return keys;
}

bool field_key_possible(const std::string& key) {
  if (static_field_keys().count(key)) return true;
  const std::string question = "question_", checkin = "checkin_date_";
  if (key.size() > question.size() && key.rfind(question, 0) == 0) return true;
  return key.size() > checkin.size() && key.rfind(checkin, 0) == 0 &&
         key.find_first_not_of("0123456789", checkin.size()) == std::string::npos;
}

}  // namespace tixsync::mapping
