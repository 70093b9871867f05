// Reads pretix order and event-bundle JSON into the model of order.hpp with simdjson on-demand
// (error-code style). Each JSON object is read by one small function that walks its fields once and
// dispatches on the key; the walking itself and the error messages live in json_walk.hpp.
#include "mapping/order_reader.hpp"

#include <optional>
#include <utility>
#include <vector>

#include "mapping/json_walk.hpp"
#include "mapping/person_name.hpp"

namespace tixsync::mapping {

namespace {

using namespace json_walk;
// The scalar reads join the overload set of the model reads below (which would hide them).
using json_walk::read;

// ---------------------------------------------------------------------------------------------
// Scalars and small shapes
// ---------------------------------------------------------------------------------------------

// Arrays and objects in pretix resources are short (positions, answers, name parts); reserving a
// few slots up front saves the 1-2-4 regrowth, which moves every element each time.
constexpr std::size_t k_expected_elements = 4;

/// A JSON object of strings, kept in object order (localized text, name parts).
bool read_string_pairs(od::value& value, std::vector<std::pair<std::string, std::string>>& out,
                       read_error& err) {
  out.clear();
  if (out.capacity() == 0) out.reserve(k_expected_elements);
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    out.emplace_back(std::string(key), std::string());
    return read(v, out.back().second, err);
  });
}

bool read(od::value& value, localized_text& out, read_error& err) {
  return read_string_pairs(value, out.entries, err);
}

bool read(od::value& value, name_parts& out, read_error& err) {
  return read_string_pairs(value, out.parts, err);
}

// Forward declarations, so the templates below find every overload.
bool read(od::value& value, item_variation& out, read_error& err);
bool read(od::value& value, item& out, read_error& err);
bool read(od::value& value, question_option& out, read_error& err);
bool read(od::value& value, question& out, read_error& err);
bool read(od::value& value, checkin_list& out, read_error& err);
bool read(od::value& value, subevent& out, read_error& err);
bool read(od::value& value, voucher& out, read_error& err);
bool read(od::value& value, checkin& out, read_error& err);
bool read(od::value& value, answer& out, read_error& err);
bool read(od::value& value, position& out, read_error& err);
bool read(od::value& value, payment& out, read_error& err);
bool read(od::value& value, invoice_address& out, read_error& err);

template <typename T>
bool read(od::value& value, std::vector<T>& out, read_error& err) {
  out.clear();
  if (out.capacity() == 0) out.reserve(k_expected_elements);
  return for_each_element(
      value, err, [&](od::value& element) { return read(element, out.emplace_back(), err); });
}

/// For keys that are not required: a JSON null keeps the default, like a missing key.
template <typename T>
bool read_or_default(od::value& value, T& out, read_error& err) {
  bool null = false;
  if (!check_null(value, null, err)) return false;
  return null || read(value, out, err);
}

template <typename T>
bool read_or_default(od::value& value, std::optional<T>& out, read_error& err) {
  bool null = false;
  if (!check_null(value, null, err)) return false;
  if (null) {
    out.reset();
    return true;
  }
  return read(value, out.emplace(), err);
}

bool read_money_or_default(od::value& value, std::string& out, read_error& err) {
  bool null = false;
  if (!check_null(value, null, err)) return false;
  return null || read_money(value, out, err);
}

// ---------------------------------------------------------------------------------------------
// Reuse. Callers read many orders into the same `order`. Starting each from a fresh object would
// free and reallocate all its strings and vectors (a third of the parse time), so a reset keeps
// their buffers. A reset starts from a default object and hands over only the buffers worth
// keeping, so a member added to the model later is reset too without touching this code.
// ---------------------------------------------------------------------------------------------

/// Hands the emptied buffer of `from` to `to`, the default member of a fresh object.
template <typename T>
void keep_buffer(T& from, T& to) {
  from.clear();
  to.swap(from);
}

void reset(checkin& c) {
  checkin fresh;
  keep_buffer(c.datetime, fresh.datetime);
  keep_buffer(c.type, fresh.type);
  c = std::move(fresh);
}

void reset(answer& a) {
  answer fresh;
  keep_buffer(a.question_identifier, fresh.question_identifier);
  keep_buffer(a.text, fresh.text);
  keep_buffer(a.options, fresh.options);
  keep_buffer(a.option_identifiers, fresh.option_identifiers);
  a = std::move(fresh);
}

/// The check-ins and answers keep their elements: read(position) reads over them, or drops them
/// when the position has none.
void reset(position& p) {
  position fresh;
  keep_buffer(p.price, fresh.price);
  keep_buffer(p.secret, fresh.secret);
  keep_buffer(p.attendee_name_parts.parts, fresh.attendee_name_parts.parts);
  fresh.checkins.swap(p.checkins);
  fresh.answers.swap(p.answers);
  p = std::move(fresh);
}

/// The positions keep their elements: read_over reads the next order's positions into them.
void reset(order& o) {
  order fresh;
  for (std::string order::*text : {&order::code, &order::event, &order::status, &order::secret,
                                   &order::url, &order::locale, &order::datetime, &order::total}) {
    keep_buffer(o.*text, fresh.*text);
  }
  fresh.positions.swap(o.positions);
  keep_buffer(o.payments, fresh.payments);
  o = std::move(fresh);
}

/// Reads an array over the elements already in `out` (each reset first, keeping its buffers),
/// appending or dropping elements to match the array.
template <typename T>
bool read_over(od::value& value, std::vector<T>& out, read_error& err) {
  std::size_t count = 0;
  bool ok = for_each_element(value, err, [&](od::value& element) {
    if (count < out.size()) {
      reset(out[count]);
    } else {
      out.emplace_back();
    }
    return read(element, out[count++], err);
  });
  out.erase(out.begin() + static_cast<std::ptrdiff_t>(count), out.end());
  return ok;
}

/// read_over for keys that are not required: a JSON null leaves the list empty.
template <typename T>
bool read_over_or_empty(od::value& value, std::vector<T>& out, read_error& err) {
  bool null = false;
  if (!check_null(value, null, err)) return false;
  if (null) out.clear();
  return null || read_over(value, out, err);
}

// ---------------------------------------------------------------------------------------------
// Event bundle resources
// ---------------------------------------------------------------------------------------------

bool read(od::value& value, item_variation& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "value")) return read_or_default(v, out.value, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, item& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "name")) return read_or_default(v, out.name, err);
    if (is(key, "internal_name")) return read_or_default(v, out.internal_name, err);
    if (is(key, "admission")) return read_or_default(v, out.admission, err);
    if (is(key, "variations")) return read_or_default(v, out.variations, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, question_option& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "identifier")) return read_or_default(v, out.identifier, err);
    if (is(key, "position")) return read_or_default(v, out.position, err);
    if (is(key, "answer")) return read_or_default(v, out.answer, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, question& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "question")) return read_or_default(v, out.label, err);
    if (is(key, "type")) return read_or_default(v, out.type, err);
    if (is(key, "identifier")) return read_or_default(v, out.identifier, err);
    if (is(key, "position")) return read_or_default(v, out.position, err);
    if (is(key, "options")) return read_or_default(v, out.options, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, checkin_list& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "name")) return read_or_default(v, out.name, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, subevent& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "name")) return read_or_default(v, out.name, err);
    if (is(key, "date_from")) return read_or_default(v, out.date_from, err);
    if (is(key, "date_to")) return read_or_default(v, out.date_to, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, voucher& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "code")) return read_or_default(v, out.code, err);
    return skip_value(v, err);
  });
}

bool read_settings(od::value& value, event_settings& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "name_scheme")) {
      if (!read_or_default(v, out.name_scheme, err)) return false;
      // Checked here, so an event pretix could not have sent never reaches the catalogue.
      if (find_name_scheme(out.name_scheme) == nullptr) {
        return fail(err, "unknown person name scheme '" + out.name_scheme + "'");
      }
      return true;
    }
    if (is(key, "locale")) return read_or_default(v, out.locale, err);
    if (is(key, "locales")) return read_or_default(v, out.locales, err);
    return skip_value(v, err);
  });
}

/// The Event resource ("event" in the bundle); only "slug" is required.
bool read_event(od::value& value, event_bundle& out, read_error& err) {
  required_keys seen;
  bool ok = for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "slug")) return seen.saw(0) && read(v, out.slug, err);
    if (is(key, "name")) return read_or_default(v, out.name, err);
    if (is(key, "date_from")) return read_or_default(v, out.date_from, err);
    if (is(key, "date_to")) return read_or_default(v, out.date_to, err);
    if (is(key, "has_subevents")) return read_or_default(v, out.has_subevents, err);
    if (is(key, "timezone")) return read_or_default(v, out.timezone, err);
    if (is(key, "currency")) return read_or_default(v, out.currency, err);
    if (is(key, "public_url")) return read_or_default(v, out.public_url, err);
    return skip_value(v, err);
  });
  return ok && seen.check({"slug"}, err);
}

// One field of the bundle's root object; bits: 0 organizer, 1 event.
bool read_bundle_field(std::string_view key, od::value& v, event_bundle& out, required_keys& seen,
                       read_error& err) {
  if (is(key, "organizer")) return seen.saw(0) && read(v, out.organizer, err);
  if (is(key, "event")) return seen.saw(1) && read_event(v, out, err);
  if (is(key, "settings")) {
    bool null = false;
    return check_null(v, null, err) && (null || read_settings(v, out.settings, err));
  }
  if (is(key, "items")) return read_or_default(v, out.items, err);
  if (is(key, "questions")) return read_or_default(v, out.questions, err);
  if (is(key, "checkinlists")) return read_or_default(v, out.checkin_lists, err);
  if (is(key, "subevents")) return read_or_default(v, out.subevents, err);
  if (is(key, "vouchers")) return read_or_default(v, out.vouchers, err);
  return skip_value(v, err);
}

// ---------------------------------------------------------------------------------------------
// Order resource
// ---------------------------------------------------------------------------------------------

bool read(od::value& value, checkin& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "id")) return read_or_default(v, out.id, err);
    if (is(key, "list")) return read_or_default(v, out.list, err);
    if (is(key, "datetime")) return read_or_default(v, out.datetime, err);
    if (is(key, "type")) return read_or_default(v, out.type, err);
    return skip_value(v, err);
  });
}

bool read(od::value& value, answer& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "question")) return read_or_default(v, out.question, err);
    if (is(key, "question_identifier")) return read_or_default(v, out.question_identifier, err);
    if (is(key, "answer")) return read_or_default(v, out.text, err);
    if (is(key, "options")) return read_or_default(v, out.options, err);
    if (is(key, "option_identifiers")) return read_or_default(v, out.option_identifiers, err);
    return skip_value(v, err);
  });
}

// One field of a position; bits: 0 id, 1 positionid, 2 item (required), 3 checkins, 4 answers.
bool read_position_field(std::string_view key, od::value& v, position& out, required_keys& seen,
                         read_error& err) {
  // Switching on the length first keeps unknown keys (most of them) to one or two compares.
  switch (key.size()) {
    case 2:
      if (is(key, "id")) return seen.saw(0) && read(v, out.id, err);
      break;
    case 4:
      if (is(key, "item")) return seen.saw(2) && read(v, out.item, err);
      if (is(key, "city")) return read_or_default(v, out.city, err);
      break;
    case 5:
      if (is(key, "price")) return read_money_or_default(v, out.price, err);
      if (is(key, "state")) return read_or_default(v, out.state, err);
      break;
    case 6:
      if (is(key, "street")) return read_or_default(v, out.street, err);
      if (is(key, "secret")) return read_or_default(v, out.secret, err);
      break;
    case 7:
      if (is(key, "company")) return read_or_default(v, out.company, err);
      if (is(key, "zipcode")) return read_or_default(v, out.zipcode, err);
      if (is(key, "country")) return read_or_default(v, out.country, err);
      if (is(key, "voucher")) return read_or_default(v, out.voucher, err);
      if (is(key, "answers")) return seen.saw(4) && read_over_or_empty(v, out.answers, err);
      break;
    case 8:
      if (is(key, "canceled")) return read_or_default(v, out.canceled, err);
      if (is(key, "addon_to")) return read_or_default(v, out.addon_to, err);
      if (is(key, "subevent")) return read_or_default(v, out.subevent, err);
      if (is(key, "checkins")) return seen.saw(3) && read_over_or_empty(v, out.checkins, err);
      break;
    case 9:
      if (is(key, "variation")) return read_or_default(v, out.variation, err);
      break;
    case 10:
      if (is(key, "positionid")) return seen.saw(1) && read(v, out.positionid, err);
      if (is(key, "web_secret")) return read_or_default(v, out.web_secret, err);
      break;
    case 13:
      if (is(key, "attendee_name")) return read_or_default(v, out.attendee_name, err);
      break;
    case 14:
      if (is(key, "attendee_email")) return read_or_default(v, out.attendee_email, err);
      break;
    case 19:
      if (is(key, "attendee_name_parts")) return read_or_default(v, out.attendee_name_parts, err);
      break;
  }
  return skip_value(v, err);
}

bool read(od::value& value, position& out, read_error& err) {
  required_keys seen;
  bool ok = for_each_field(value, err, [&](std::string_view key, od::value& v) {
    return read_position_field(key, v, out, seen, err);
  });
  // reset() left the previous position's check-ins and answers in place, to be read over.
  if (!seen.has(3)) out.checkins.clear();
  if (!seen.has(4)) out.answers.clear();
  return ok && seen.check({"id", "positionid", "item"}, err);
}

bool read(od::value& value, payment& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    if (is(key, "local_id")) return read_or_default(v, out.local_id, err);
    if (is(key, "state")) return read_or_default(v, out.state, err);
    if (is(key, "amount")) return read_money_or_default(v, out.amount, err);
    if (is(key, "created")) return read_or_default(v, out.created, err);
    if (is(key, "payment_date")) return read_or_default(v, out.payment_date, err);
    if (is(key, "provider")) return read_or_default(v, out.provider, err);
    return skip_value(v, err);
  });
}

bool read_invoice_address_field(std::string_view key, od::value& v, invoice_address& out,
                                read_error& err) {
  if (is(key, "is_business")) return read_or_default(v, out.is_business, err);
  if (is(key, "company")) return read_or_default(v, out.company, err);
  if (is(key, "name")) return read_or_default(v, out.name, err);
  if (is(key, "name_parts")) return read_or_default(v, out.name_parts, err);
  if (is(key, "street")) return read_or_default(v, out.street, err);
  if (is(key, "zipcode")) return read_or_default(v, out.zipcode, err);
  if (is(key, "city")) return read_or_default(v, out.city, err);
  if (is(key, "country")) return read_or_default(v, out.country, err);
  if (is(key, "state")) return read_or_default(v, out.state, err);
  if (is(key, "vat_id")) return read_or_default(v, out.vat_id, err);
  if (is(key, "internal_reference")) return read_or_default(v, out.internal_reference, err);
  return skip_value(v, err);
}

bool read(od::value& value, invoice_address& out, read_error& err) {
  return for_each_field(value, err, [&](std::string_view key, od::value& v) {
    return read_invoice_address_field(key, v, out, err);
  });
}

// One field of the order's root object; bits: 0 code, 1 event, 2 status, 3 positions.
bool read_order_field(std::string_view key, od::value& v, order& out, required_keys& seen,
                      read_error& err) {
  // Switching on the length first keeps unknown keys (most of them) to one or two compares.
  switch (key.size()) {
    case 3:
      if (is(key, "url")) return read_or_default(v, out.url, err);
      break;
    case 4:
      if (is(key, "code")) return seen.saw(0) && read(v, out.code, err);
      break;
    case 5:
      if (is(key, "event")) return seen.saw(1) && read(v, out.event, err);
      if (is(key, "email")) return read_or_default(v, out.email, err);
      if (is(key, "phone")) return read_or_default(v, out.phone, err);
      if (is(key, "total")) return read_money_or_default(v, out.total, err);
      break;
    case 6:
      if (is(key, "status")) return seen.saw(2) && read(v, out.status, err);
      if (is(key, "secret")) return read_or_default(v, out.secret, err);
      if (is(key, "locale")) return read_or_default(v, out.locale, err);
      break;
    case 7:
      if (is(key, "expires")) return read_or_default(v, out.expires, err);
      break;
    case 8:
      if (is(key, "testmode")) return read_or_default(v, out.testmode, err);
      if (is(key, "datetime")) return read_or_default(v, out.datetime, err);
      if (is(key, "payments")) return read_or_default(v, out.payments, err);
      break;
    case 9:
      if (is(key, "positions")) return seen.saw(3) && read_over(v, out.positions, err);
      break;
    case 13:
      if (is(key, "last_modified")) return read_or_default(v, out.last_modified, err);
      if (is(key, "sales_channel")) return read_or_default(v, out.sales_channel, err);
      break;
    case 15:
      if (is(key, "invoice_address")) return read_or_default(v, out.address, err);
      break;
    case 16:
      if (is(key, "require_approval")) return read_or_default(v, out.require_approval, err);
      break;
  }
  return skip_value(v, err);
}

}  // namespace

std::string read_error::to_string() const {
  return path.empty() ? message : path + ": " + message;
}

struct order_reader::impl {
  od::parser parser;
  std::string buffer;  ///< the input, followed by SIMDJSON_PADDING zero bytes

  /// Copies `json` into the padded buffer and starts iterating it. A UTF-8 byte order mark is
  /// skipped (RFC 8259 allows ignoring it; editors on Windows write one).
  bool start(std::string_view json, od::document& doc, read_error& err) {
    buffer.resize(json.size() + simdjson::SIMDJSON_PADDING);
    if (!json.empty()) std::memcpy(buffer.data(), json.data(), json.size());
    std::memset(buffer.data() + json.size(), 0, simdjson::SIMDJSON_PADDING);
    std::size_t bom = json.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
    if (error_code code =
            parser.iterate(buffer.data() + bom, json.size() - bom, buffer.size() - bom).get(doc)) {
      return fail(err, code);
    }
    return true;
  }

  /// The input as copied by start(), for offsets in messages.
  std::string_view input(std::size_t size) const { return {buffer.data(), size}; }
};

order_reader::order_reader() : impl_(std::make_unique<impl>()) {}
order_reader::~order_reader() = default;

bool order_reader::read_order(std::string_view json, order& out, read_error& error) {
  reset(out);
  if (json.size() > max_order_bytes) {
    error = {"", "the order has " + std::to_string(json.size()) + " bytes, more than the " +
                     std::to_string(max_order_bytes / 1024 / 1024) + " MiB an order may have"};
    return false;
  }
  od::document doc;
  if (!impl_->start(json, doc, error)) return false;
  required_keys seen;
  bool ok = read_root_object(doc, impl_->input(json.size()), error,
                             [&](std::string_view key, od::value& v) {
                               return read_order_field(key, v, out, seen, error);
                             });
  return ok && seen.check({"code", "event", "status", "positions"}, error);
}

bool order_reader::read_event_bundle(std::string_view json, event_bundle& out, read_error& error) {
  out = event_bundle{};
  od::document doc;
  if (!impl_->start(json, doc, error)) return false;
  required_keys seen;
  bool ok = read_root_object(doc, impl_->input(json.size()), error,
                             [&](std::string_view key, od::value& v) {
                               return read_bundle_field(key, v, out, seen, error);
                             });
  return ok && seen.check({"organizer", "event"}, error);
}

}  // namespace tixsync::mapping
