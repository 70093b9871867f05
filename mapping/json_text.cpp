// json_text.hpp: direct JSON writing that matches nlohmann's compact dump byte for byte.
#include "mapping/json_text.hpp"

#include <array>
#include <charconv>

namespace tixsync::mapping {

using json = nlohmann::json;

std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t n = c < 0x80           ? 1
                  : (c >> 5) == 0x6  ? 2
                  : (c >> 4) == 0xe  ? 3
                  : (c >> 3) == 0x1e ? 4
                                     : 0;
  if (n == 0 || i + n > text.size() || (n == 2 && c < 0xc2)) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xe0 && byte(i + 1) < 0xa0) || (c == 0xed && byte(i + 1) >= 0xa0))) return 0;
  if (n == 4 &&
      ((c == 0xf0 && byte(i + 1) < 0x90) || c > 0xf4 || (c == 0xf4 && byte(i + 1) >= 0x90))) {
    return 0;
  }
  return n;
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

namespace {

/// What a byte asks of a JSON string: nothing, an escape, or a UTF-8 check (non-ASCII).
constexpr unsigned char needs_escape = 1, non_ascii = 2;
constexpr std::array<unsigned char, 256> byte_kinds = [] {
  std::array<unsigned char, 256> kinds{};
  for (int c = 0; c < 0x20; ++c) kinds[c] = needs_escape;
  kinds['"'] = kinds['\\'] = needs_escape;
  for (int c = 0x80; c < 0x100; ++c) kinds[c] = non_ascii;
  return kinds;
}();

template <typename Integer>
void append_integer(std::string& out, Integer n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

}  // namespace

void append_json_string(std::string& out, std::string_view text) {
  unsigned char seen = 0;  // every kind of byte in the text, in one pass without branches
  for (const char c : text) seen |= byte_kinds[static_cast<unsigned char>(c)];
  const bool plain = (seen & needs_escape) == 0;
  if ((seen & non_ascii) != 0 && !is_valid_utf8(text)) {  // nlohmann's replacement rules
    out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
  if (plain) {
    out.append(text.data(), text.size());
  } else {
    for (char c : text) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[(c >> 4) & 0xf];
            out += hex[c & 0xf];
          } else {
            out += c;
          }
      }
    }
  }
  out += '"';
}

void append_json(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      out += "null";
      return;
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      return append_integer(out, value.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return append_integer(out, value.get<std::uint64_t>());
    case json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.cbegin(); it != value.cend(); ++it) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, it.key());
        out += ':';
        append_json(out, it.value());
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value) {
        if (!first) out += ',';
        first = false;
        append_json(out, element);
      }
      out += ']';
      return;
    }
    default:
      out += value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string json_text(const json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace tixsync::mapping
