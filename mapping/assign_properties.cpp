// pretix's assign_properties (datasync/utils.py, 2025.11) and the bits of Python semantics it
// relies on: truthiness, str() and repr() of JSON values. Reproduces pretix's edge cases on
// purpose; see reference section 7.7 and quirk 13.
#include "mapping/assign_properties.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace tixsync::mapping {
namespace {

// Python's float repr: the shortest round-tripping digits, fixed notation for exponents in
// [-4, 16), scientific otherwise with a two-digit minimum exponent; ".0" added to integral values.
std::string python_float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string sci(buffer, result.ptr);  // e.g. "-1.2345e+16"
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const auto e_at = sci.find('e');
  const int exponent = std::stoi(sci.substr(e_at + 1));
  std::string digits = sci.substr(0, e_at);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  if (exponent < -4 || exponent >= 16) {
    std::string mantissa = digits.substr(0, 1);
    if (digits.size() > 1) mantissa += "." + digits.substr(1);
    std::string exp_digits = std::to_string(exponent < 0 ? -exponent : exponent);
    if (exp_digits.size() < 2) exp_digits.insert(0, "0");
    return sign + mantissa + (exponent < 0 ? "e-" : "e+") + exp_digits;
  }
  if (exponent < 0) return sign + "0." + std::string(-exponent - 1, '0') + digits;
  const auto int_digits = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= int_digits) {
    return sign + digits + std::string(int_digits - digits.size(), '0') + ".0";
  }
  return sign + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

// Code points Python's str.isprintable() rejects, beyond ASCII controls. An approximation of the
// Unicode categories Cc, Cf, Zs (but space), Zl, Zp and Co that covers the ones seen in practice.
bool python_nonprintable(char32_t cp) {
  return (cp >= 0x80 && cp <= 0xa0) || cp == 0xad || cp == 0x61c || cp == 0x1680 || cp == 0x180e ||
         (cp >= 0x2000 && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202f) ||
         (cp >= 0x205f && cp <= 0x206f) || cp == 0x3000 || (cp >= 0xe000 && cp <= 0xf8ff) ||
         cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

/// Decodes one UTF-8 sequence at `i`; returns its length, 0 if malformed.
std::size_t decode_utf8(const std::string& s, std::size_t i, char32_t& cp) {
  const auto lead = static_cast<unsigned char>(s[i]);
  std::size_t length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
  if (length == 0 || i + length > s.size()) return 0;
  cp = lead & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(s[i + k]);
    if ((next & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (next & 0x3f);
  }
  return length;
}

void append_escape(std::string& out, char32_t cp) {
  char text[16];
  if (cp < 0x100) {
    std::snprintf(text, sizeof text, "\\x%02x", static_cast<unsigned>(cp));
  } else if (cp < 0x10000) {
    std::snprintf(text, sizeof text, "\\u%04x", static_cast<unsigned>(cp));
  } else {
    std::snprintf(text, sizeof text, "\\U%08x", static_cast<unsigned>(cp));
  }
  out += text;
}

// Python's repr of a str: single quotes unless the text has ' and no ", escapes for the quote,
// backslash, \t \n \r and non-printable characters.
std::string python_string_repr(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const char quote = has_single && s.find('"') == std::string::npos ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == '\\' || c == static_cast<unsigned char>(quote)) {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c < 0x20 || c == 0x7f) {
        append_escape(out, c);
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t length = decode_utf8(s, i, cp);
    if (length == 0) {  // not UTF-8: keep the byte, Python could not hold such a str anyway
      out += s[i++];
    } else if (python_nonprintable(cp)) {
      append_escape(out, cp);
      i += length;
    } else {
      out.append(s, i, length);
      i += length;
    }
  }
  out += quote;
  return out;
}

std::string python_text(const json& value, bool quote_strings) {
  switch (value.type()) {
    case json::value_t::null:
      return "None";
    case json::value_t::boolean:
      return value.get<bool>() ? "True" : "False";
    case json::value_t::number_integer:
      return std::to_string(value.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float:
      return python_float_repr(value.get<double>());
    case json::value_t::string:
      return quote_strings ? python_string_repr(value.get_ref<const std::string&>())
                           : value.get<std::string>();
    case json::value_t::array: {
      std::string out = "[";
      for (const auto& element : value) {
        if (out.size() > 1) out += ", ";
        out += python_text(element, true);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out = "{";
      for (const auto& [key, element] : value.items()) {
        if (out.size() > 1) out += ", ";
        out += python_string_repr(key) + ": " + python_text(element, true);
      }
      return out + "}";
    }
    default:  // binary and discarded values do not come out of JSON text
      return value.dump();
  }
}

/// Python's str.split(sep) (sep non-empty): "" -> [""], "a;;b" -> ["a", "", "b"].
std::vector<std::string> split(const std::string& text, const std::string& sep) {
  std::vector<std::string> items;
  std::size_t start = 0;
  for (auto at = text.find(sep); at != std::string::npos; at = text.find(sep, start)) {
    items.push_back(text.substr(start, at - start));
    start = at + sep.size();
  }
  items.push_back(text.substr(start));
  return items;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  for (const auto& existing : items) {
    if (existing == item) return true;
  }
  return false;
}

// Append with a separator: current and new value are separator-joined strings. New items are
// checked against the current items only (so "x;x" appends "x" twice, as in pretix).
void append_separated(json& out, const std::string& field, const json& current,
                      const json& new_value, const std::string& sep) {
  if (sep.empty()) throw std::invalid_argument("append to \"" + field + "\": empty separator");
  std::vector<std::string> current_items;
  if (is_truthy(current)) {
    if (!current.is_string()) {
      throw std::invalid_argument("append to \"" + field + "\": the existing value " +
                                  python_repr(current) + " is not a string");
    }
    current_items = split(current.get_ref<const std::string&>(), sep);
  }
  std::vector<std::string> new_list = current_items;
  for (auto& item : split(python_str(new_value), sep)) {
    if (!contains(current_items, item)) new_list.push_back(std::move(item));
  }
  if (new_list.size() == current_items.size()) return;
  std::string joined;
  for (std::size_t i = 0; i < new_list.size(); ++i) {
    if (i > 0) joined += sep;
    joined += new_list[i];
  }
  out[field] = std::move(joined);
}

// Append with native lists: a current value that is not a list becomes [str(current)], so a
// missing field turns into [""] (quirk 13).
void append_native(json& out, const std::string& field, const json& current,
                   const json& new_value) {
  json list = current.is_array() ? current : json::array({python_str(current)});
  json item = python_str(new_value);
  for (const auto& existing : list) {
    if (existing == item) return;  // list unchanged: nothing to write
  }
  list.push_back(std::move(item));
  out[field] = std::move(list);
}

/// old_values[field] if present (even when empty), else out[field], else "".
const json& current_value(const json& old_values, const json& out, const std::string& field) {
  static const json empty_string = "";
  if (old_values.is_object()) {
    auto it = old_values.find(field);
    if (it != old_values.end()) return *it;
  }
  auto it = out.find(field);
  return it != out.end() ? *it : empty_string;
}

}  // namespace

bool is_truthy(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return false;
    case json::value_t::boolean:
      return value.get<bool>();
    case json::value_t::number_integer:
      return value.get<std::int64_t>() != 0;
    case json::value_t::number_unsigned:
      return value.get<std::uint64_t>() != 0;
    case json::value_t::number_float:
      return value.get<double>() != 0.0;  // NaN is truthy in Python too
    case json::value_t::string:
      return !value.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object:
      return !value.empty();
    default:
      return true;
  }
}

std::string python_str(const json& value) {
  return python_text(value, false);
}

std::string python_repr(const json& value) {
  return python_text(value, true);
}

json assign_properties(const std::vector<property_value>& new_values, const json& old_values,
                       bool is_new, const std::optional<std::string>& list_sep) {
  json out = json::object();
  for (const auto& [field, value, mode] : new_values) {
    if (mode == mode_overwrite) {
      out[field] = value;
      continue;
    }
    if (mode == mode_if_new && !is_new) continue;
    // Empty values stop here, before the mode is checked: unknown modes pass silently.
    if (!is_truthy(value)) continue;
    const json& current = current_value(old_values, out, field);
    if (mode == mode_if_empty || mode == mode_if_new) {
      if (!is_truthy(current)) out[field] = value;
    } else if (mode == mode_append) {
      if (list_sep) {
        append_separated(out, field, current, value, *list_sep);
      } else {
        append_native(out, field, current, value);
      }
    } else {
      throw invalid_update_mode("Invalid update mode " + mode);
    }
  }
  return out;
}

}  // namespace tixsync::mapping
