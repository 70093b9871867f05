// Reads pretix order and event-bundle JSON into the model of order.hpp with simdjson on-demand
// (error-code style). Each JSON object is read by one small function that walks its fields once and
// dispatches on the key; the key path of an error is assembled while the error unwinds.
#include "mapping/order_reader.hpp"

#include <simdjson.h>

#include <cstring>
#include <optional>
#include <utility>
#include <vector>

namespace tixsync::mapping {

namespace od = simdjson::ondemand;
using simdjson::error_code;

namespace {

// Ignored values are still walked (so malformed JSON inside them is rejected) up to this depth.
constexpr int k_max_depth = static_cast<int>(simdjson::DEFAULT_MAX_DEPTH);

// ---------------------------------------------------------------------------------------------
// Errors. The innermost reader sets the message; every caller on the way out prepends its key or
// index, so a successful parse never builds a path.
// ---------------------------------------------------------------------------------------------

[[gnu::cold]] bool fail(read_error& err, std::string message) {
  err.path.clear();
  err.message = std::move(message);
  return false;
}

[[gnu::cold]] bool fail(read_error& err, error_code code) {
  return fail(err, simdjson::error_message(code));
}

[[gnu::cold]] bool in_key(read_error& err, std::string_view key) {
  std::string path(key);
  if (!err.path.empty() && err.path.front() != '[') path += '.';
  err.path.insert(0, path);
  return false;
}

[[gnu::cold]] bool in_index(read_error& err, std::size_t index) {
  std::string path = "[" + std::to_string(index) + "]";
  if (!err.path.empty() && err.path.front() != '[') path += '.';
  err.path.insert(0, path);
  return false;
}

std::string_view trim_right(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' ||
                           text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The JSON number grammar (RFC 8259), checked on the raw token.
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// A short, printable excerpt of a raw token for messages (cut on a UTF-8 boundary).
std::string excerpt(std::string_view token) {
  constexpr std::size_t max = 32;
  if (token.size() <= max) return std::string(token);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(token[cut]) & 0xC0) == 0x80) --cut;
  return std::string(token.substr(0, cut)) + "...";
}

// Names the JSON value that was found where something else was expected.
std::string describe_found(simdjson::simdjson_result<od::json_type> type, std::string_view token) {
  token = trim_right(token);
  od::json_type t{};
  if (std::move(type).get(t)) return "invalid JSON `" + excerpt(token) + "`";
  switch (t) {
    case od::json_type::object:
      return "an object";
    case od::json_type::array:
      return "an array";
    case od::json_type::string:
      return "a string";
    case od::json_type::number:
      if (is_json_number(token)) return "the number " + excerpt(token);
      return "a malformed number `" + excerpt(token) + "`";
    case od::json_type::boolean:
      if (token == "true" || token == "false") return "a boolean";
      return "a malformed literal `" + excerpt(token) + "`";
    case od::json_type::null:
      if (token == "null") return "null";
      return "a malformed literal `" + excerpt(token) + "`";
  }
  return "an unknown value";
}

// A failed get_*(): a wrong type says what was expected and found, anything else is a syntax
// error and keeps simdjson's text.
[[gnu::cold]] bool type_error(od::value& value, error_code code, const char* expected,
                              read_error& err) {
  if (code != simdjson::INCORRECT_TYPE) return fail(err, code);
  return fail(err, std::string("expected ") + expected + ", found " +
                       describe_found(value.type(), value.raw_json_token()));
}

[[gnu::cold]] bool missing_key(read_error& err, const char* key) {
  return fail(err, std::string("missing required key \"") + key + "\"");
}

// ---------------------------------------------------------------------------------------------
// Walking objects and arrays
// ---------------------------------------------------------------------------------------------

/// A syntax error found while looking for the next field or element.
[[gnu::cold]] bool syntax_error_after(read_error& err, error_code code, std::string_view after) {
  std::string message = simdjson::error_message(code);
  if (!after.empty()) message += " (after " + std::string(after) + ")";
  return fail(err, std::move(message));
}

/// Whether `key` is `name`; a fixed-size compare the compiler inlines (keys are compared a lot).
template <std::size_t n>
bool is(std::string_view key, const char (&name)[n]) {
  return key.size() == n - 1 && std::memcmp(key.data(), name, n - 1) == 0;
}

/// The key of `field`. Keys without escapes (all of pretix's) are used in place in the input
/// buffer: the closing quote is found by stepping back from the value over the ':' (stage 1 has
/// checked that nothing else stands between them).
error_code read_key(od::field& field, std::string_view& key) {
  const char* begin = field.key().raw();
  const char* end = field.value().raw_json_token().data();
  while (*--end != ':') {
  }
  while (*--end != '"') {
  }
  key = std::string_view(begin, static_cast<std::size_t>(end - begin));
  if (std::memchr(begin, '\\', key.size()) == nullptr) return simdjson::SUCCESS;
  return field.unescaped_key().get(key);
}

/// Calls `on_field(key, value)` for every field of `object`, in document order.
template <typename on_field_fn>
bool for_each_field(od::object& object, read_error& err, on_field_fn&& on_field) {
  std::string_view key;
  for (auto result : object) {
    od::field field;
    if (error_code code = std::move(result).get(field)) {
      return syntax_error_after(err, code, key.empty() ? "" : "key \"" + std::string(key) + "\"");
    }
    if (error_code code = read_key(field, key)) return fail(err, code);
    if (!on_field(key, field.value())) return in_key(err, key);
  }
  return true;
}

template <typename on_field_fn>
bool for_each_field(od::value& value, read_error& err, on_field_fn&& on_field) {
  od::object object;
  if (error_code code = value.get_object().get(object)) {
    return type_error(value, code, "an object", err);
  }
  return for_each_field(object, err, std::forward<on_field_fn>(on_field));
}

/// Calls `on_element(value)` for every element of the array `value`.
template <typename on_element_fn>
bool for_each_element(od::value& value, read_error& err, on_element_fn&& on_element) {
  od::array array;
  if (error_code code = value.get_array().get(array)) {
    return type_error(value, code, "an array", err);
  }
  std::size_t index = 0;
  for (auto element : array) {
    od::value item;
    if (error_code code = element.get(item)) {
      return syntax_error_after(err, code, index > 0 ? "element " + std::to_string(index - 1) : "");
    }
    if (!on_element(item)) return in_index(err, index);
    ++index;
  }
  return true;
}

[[gnu::cold]] bool invalid_json(od::value& value, read_error& err) {
  return fail(err, "invalid JSON `" + excerpt(trim_right(value.raw_json_token())) + "`");
}

[[gnu::cold]] bool malformed_literal(od::value& value, read_error& err) {
  return fail(err, "malformed literal `" + excerpt(trim_right(value.raw_json_token())) + "`");
}

[[gnu::cold]] bool too_deep(read_error& err) {
  return fail(err, "nesting deeper than " + std::to_string(k_max_depth) + " levels");
}

/// Checks a scalar the model does not use (strings are unescaped, which validates them). Kept out
/// of line so that the recursive skip_value has a small stack frame.
[[gnu::noinline]] bool check_scalar(od::value& value, od::json_type type, read_error& err) {
  bool flag = false;
  std::string_view text;
  switch (type) {
    case od::json_type::string:
      if (error_code code = value.get_string().get(text)) return fail(err, code);
      return true;
    case od::json_type::number:
      text = trim_right(value.raw_json_token());
      return is_json_number(text) || fail(err, "malformed number `" + excerpt(text) + "`");
    case od::json_type::boolean:
      return !value.get_bool().get(flag) || malformed_literal(value, err);
    case od::json_type::null:
      return (!value.is_null().get(flag) && flag) || malformed_literal(value, err);
    default:
      return invalid_json(value, err);
  }
}

/// Walks a value the model does not use, so that malformed JSON inside it is still rejected.
/// `depth` counts the levels of nesting below the ignored key.
bool skip_value(od::value& value, read_error& err, int depth = 1) {
  od::json_type type{};
  if (value.type().get(type)) return invalid_json(value, err);
  if (type != od::json_type::object && type != od::json_type::array) {
    return check_scalar(value, type, err);
  }
  if (depth >= k_max_depth) return too_deep(err);
  if (type == od::json_type::array) {
    return for_each_element(value, err,
                            [&](od::value& v) { return skip_value(v, err, depth + 1); });
  }
  return for_each_field(
      value, err, [&](std::string_view, od::value& v) { return skip_value(v, err, depth + 1); });
}

// ---------------------------------------------------------------------------------------------
// Scalars and small shapes
// ---------------------------------------------------------------------------------------------

bool read(od::value& value, std::string& out, read_error& err) {
  std::string_view text;
  if (error_code code = value.get_string().get(text)) {
    return type_error(value, code, "a string", err);
  }
  out.assign(text.data(), text.size());
  return true;
}

bool read(od::value& value, std::int64_t& out, read_error& err) {
  if (error_code code = value.get_int64().get(out)) {
    return type_error(value, code, "an integer", err);
  }
  return true;
}

bool read(od::value& value, bool& out, read_error& err) {
  if (error_code code = value.get_bool().get(out)) return type_error(value, code, "a boolean", err);
  return true;
}

/// Money is a string in pretix ("23.00"); a JSON number is accepted and kept as written.
bool read_money(od::value& value, std::string& out, read_error& err) {
  od::json_type type{};
  if (value.type().get(type) || type != od::json_type::number) return read(value, out, err);
  std::string_view token = trim_right(value.raw_json_token());
  if (!is_json_number(token)) return fail(err, "malformed number `" + excerpt(token) + "`");
  out.assign(token.data(), token.size());
  return true;
}

/// A JSON object of strings, kept in object order (localized text, name parts).
bool read_string_pairs(od::value& value, std::vector<std::pair<std::string, std::string>>& out,
                       read_error& err) {
  out.clear();
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

/// Consumes a JSON null and says so; leaves any other value untouched.
bool check_null(od::value& value, bool& null, read_error& err) {
  return !value.is_null().get(null) || malformed_literal(value, err);
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

/// Tracks which required keys of one object were seen.
class required_keys {
 public:
  /// Records the key and returns true, so it chains with `&& read(...)`.
  bool saw(unsigned bit) {
    seen_ |= 1u << bit;
    return true;
  }
  /// Fails with the first of `names` (indexed by bit) that was not seen.
  template <std::size_t n>
  bool check(const char* const (&names)[n], read_error& err) const {
    for (std::size_t bit = 0; bit < n; ++bit) {
      if (!(seen_ & (1u << bit))) return missing_key(err, names[bit]);
    }
    return true;
  }

 private:
  unsigned seen_ = 0;
};

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
    if (is(key, "name_scheme")) return read_or_default(v, out.name_scheme, err);
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

// One field of a position; bits: 0 id, 1 positionid, 2 item.
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
      if (is(key, "answers")) return read_or_default(v, out.answers, err);
      break;
    case 8:
      if (is(key, "canceled")) return read_or_default(v, out.canceled, err);
      if (is(key, "addon_to")) return read_or_default(v, out.addon_to, err);
      if (is(key, "subevent")) return read_or_default(v, out.subevent, err);
      if (is(key, "checkins")) return read_or_default(v, out.checkins, err);
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
      if (is(key, "positions")) return seen.saw(3) && read(v, out.positions, err);
      break;
    case 13:
      if (is(key, "last_modified")) return read_or_default(v, out.last_modified, err);
      break;
    case 15:
      if (is(key, "invoice_address")) return read_or_default(v, out.address, err);
      break;
  }
  return skip_value(v, err);
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

// Where the first complete object or array of `json` ends, or npos when it never closes. Only
// used to explain a rejected document, so speed does not matter.
std::size_t end_of_first_value(std::string_view json) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth <= 0) {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

bool trailing_content(read_error& err, std::size_t offset) {
  return fail(err, "trailing content after the document (at byte " + std::to_string(offset) + ")");
}

/// A root that is not an object. On-demand rejects "{...} x" up front as an unclosed object;
/// tell that apart from a truncated document.
bool root_error(od::document& doc, error_code code, std::string_view json, read_error& err) {
  if (code == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) {
    std::size_t end = end_of_first_value(json);
    std::size_t rest = end == std::string_view::npos ? end : json.find_first_not_of(" \t\r\n", end);
    if (rest != std::string_view::npos) return trailing_content(err, rest);
  }
  if (code != simdjson::INCORRECT_TYPE) return fail(err, code);
  std::string_view token;
  if (doc.raw_json_token().get(token)) token = {};
  return fail(err, "expected an object, found " + describe_found(doc.type(), token));
}

/// Iterates the root object of `doc`, then insists that nothing follows it.
template <typename on_field_fn>
bool read_root_object(od::document& doc, std::string_view json, read_error& err,
                      on_field_fn&& on_field) {
  od::object object;
  if (error_code code = doc.get_object().get(object)) return root_error(doc, code, json, err);
  if (!for_each_field(object, err, std::forward<on_field_fn>(on_field))) return false;
  const char* rest = nullptr;
  error_code code = doc.current_location().get(rest);
  if (code == simdjson::OUT_OF_BOUNDS) return true;
  if (code) return fail(err, code);
  return trailing_content(err, static_cast<std::size_t>(rest - json.data()));
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
  out = order{};
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
