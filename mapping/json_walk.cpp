// The out-of-line half of json_walk.hpp: building error messages (cold), reading scalars,
// validating ignored values, and the checks around the root of a document.
#include "mapping/json_walk.hpp"

namespace tixsync::mapping::json_walk {

namespace {

// Ignored values are still walked (so malformed JSON inside them is rejected) up to this depth.
constexpr int k_max_depth = static_cast<int>(simdjson::DEFAULT_MAX_DEPTH);

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

[[gnu::cold]] bool malformed_number(std::string_view token, read_error& err) {
  return fail(err, "malformed number `" + excerpt(token) + "`");
}

/// Whether `token` (a raw number token, trailing whitespace allowed) follows the JSON number
/// grammar; returns the token without its trailing whitespace in `number`.
bool is_json_number_token(std::string_view token, std::string_view& number) {
  number = trim_right(token);
  return is_json_number(number);
}

[[gnu::cold]] bool invalid_json(od::value& value, read_error& err) {
  return fail(err, "invalid JSON `" + excerpt(trim_right(value.raw_json_token())) + "`");
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
      return is_json_number_token(value.raw_json_token(), text) || malformed_number(text, err);
    case od::json_type::boolean:
      return !value.get_bool().get(flag) || malformed_literal(value, err);
    case od::json_type::null:
      return (!value.is_null().get(flag) && flag) || malformed_literal(value, err);
    default:
      return invalid_json(value, err);
  }
}

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

}  // namespace

bool fail(read_error& err, std::string message) {
  err.path.clear();
  err.message = std::move(message);
  return false;
}

bool fail(read_error& err, error_code code) {
  return fail(err, simdjson::error_message(code));
}

bool in_key(read_error& err, std::string_view key) {
  std::string path(key);
  if (!err.path.empty() && err.path.front() != '[') path += '.';
  err.path.insert(0, path);
  return false;
}

bool in_index(read_error& err, std::size_t index) {
  std::string path = "[" + std::to_string(index) + "]";
  if (!err.path.empty() && err.path.front() != '[') path += '.';
  err.path.insert(0, path);
  return false;
}

bool syntax_error_after(read_error& err, error_code code, std::string_view after) {
  std::string message = simdjson::error_message(code);
  if (!after.empty()) message += " (after " + std::string(after) + ")";
  return fail(err, std::move(message));
}

bool type_error(od::value& value, error_code code, const char* expected, read_error& err) {
  if (code != simdjson::INCORRECT_TYPE) return fail(err, code);
  return fail(err, std::string("expected ") + expected + ", found " +
                       describe_found(value.type(), value.raw_json_token()));
}

bool missing_key(read_error& err, const char* key) {
  return fail(err, std::string("missing required key \"") + key + "\"");
}

bool malformed_literal(od::value& value, read_error& err) {
  return fail(err, "malformed literal `" + excerpt(trim_right(value.raw_json_token())) + "`");
}

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

bool read_money(od::value& value, std::string& out, read_error& err) {
  od::json_type type{};
  if (value.type().get(type) || type != od::json_type::number) return read(value, out, err);
  std::string_view number;
  if (!is_json_number_token(value.raw_json_token(), number)) return malformed_number(number, err);
  out.assign(number.data(), number.size());
  return true;
}

bool skip_value(od::value& value, read_error& err, int depth) {
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

/// On-demand rejects "{...} x" up front as an unclosed object; tell that apart from a truncated
/// document.
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

bool check_end_of_document(od::document& doc, std::string_view json, read_error& err) {
  const char* rest = nullptr;
  error_code code = doc.current_location().get(rest);
  if (code == simdjson::OUT_OF_BOUNDS) return true;
  if (code) return fail(err, code);
  return trailing_content(err, static_cast<std::size_t>(rest - json.data()));
}

}  // namespace tixsync::mapping::json_walk
