// Generic walking of simdjson on-demand values for order_reader: objects field by field, arrays
// element by element, ignored values validated on the way, and the errors that name what is wrong
// (the key path is assembled while an error unwinds). Private to mapping/: only order_reader.cpp
// includes it, so simdjson stays behind the reader.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "mapping/order_reader.hpp"

namespace tixsync::mapping::json_walk {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// ---------------------------------------------------------------------------------------------
// Errors. The innermost reader sets the message; every caller on the way out prepends its key or
// index, so a successful parse never builds a path. All return false, to be returned directly.
// ---------------------------------------------------------------------------------------------

[[gnu::cold]] bool fail(read_error& err, std::string message);
[[gnu::cold]] bool fail(read_error& err, error_code code);
[[gnu::cold]] bool in_key(read_error& err, std::string_view key);
[[gnu::cold]] bool in_index(read_error& err, std::size_t index);
/// A syntax error found while looking for the next field or element.
[[gnu::cold]] bool syntax_error_after(read_error& err, error_code code, std::string_view after);
/// A failed get_*(): a wrong type says what was expected and found, anything else is a syntax
/// error and keeps simdjson's text.
[[gnu::cold]] bool type_error(od::value& value, error_code code, const char* expected,
                              read_error& err);
[[gnu::cold]] bool missing_key(read_error& err, const char* key);
[[gnu::cold]] bool malformed_literal(od::value& value, read_error& err);

// ---------------------------------------------------------------------------------------------
// Walking objects and arrays
// ---------------------------------------------------------------------------------------------

/// Whether `key` is `name`; a fixed-size compare the compiler inlines (keys are compared a lot).
template <std::size_t n>
bool is(std::string_view key, const char (&name)[n]) {
  return key.size() == n - 1 && std::memcmp(key.data(), name, n - 1) == 0;
}

/// The key of `field`. Keys without escapes (all of pretix's) are used in place in the input
/// buffer: the closing quote is found by stepping back from the value over the ':' (stage 1 has
/// checked that nothing else stands between them).
inline error_code read_key(od::field& field, std::string_view& key) {
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

/// Walks a value the model does not use, so that malformed JSON inside it is still rejected.
/// `depth` counts the levels of nesting below the ignored key.
bool skip_value(od::value& value, read_error& err, int depth = 1);

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

bool read(od::value& value, std::string& out, read_error& err);
bool read(od::value& value, std::int64_t& out, read_error& err);
bool read(od::value& value, bool& out, read_error& err);
/// Money is a string in pretix ("23.00"); a JSON number is accepted and kept as written.
bool read_money(od::value& value, std::string& out, read_error& err);

/// Consumes a JSON null and says so; leaves any other value untouched.
inline bool check_null(od::value& value, bool& null, read_error& err) {
  return !value.is_null().get(null) || malformed_literal(value, err);
}

/// Tracks which keys of one object were seen, and checks that the required ones were.
class required_keys {
 public:
  /// Records the key and returns true, so it chains with `&& read(...)`.
  bool saw(unsigned bit) {
    seen_ |= 1u << bit;
    return true;
  }
  bool has(unsigned bit) const { return (seen_ & (1u << bit)) != 0; }
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
// Documents
// ---------------------------------------------------------------------------------------------

/// The error for a root that is not an object (or a document with trailing content).
bool root_error(od::document& doc, error_code code, std::string_view json, read_error& err);
/// Succeeds when nothing but whitespace follows the root object.
bool check_end_of_document(od::document& doc, std::string_view json, read_error& err);

/// Iterates the root object of `doc`, then insists that nothing follows it. `json` is the
/// document as parsed, for offsets in messages.
template <typename on_field_fn>
bool read_root_object(od::document& doc, std::string_view json, read_error& err,
                      on_field_fn&& on_field) {
  od::object object;
  if (error_code code = doc.get_object().get(object)) return root_error(doc, code, json, err);
  if (!for_each_field(object, err, std::forward<on_field_fn>(on_field))) return false;
  return check_end_of_document(doc, json, err);
}

}  // namespace tixsync::mapping::json_walk
