// Template parsing and expansion, percent-encoding, and dotted JSON paths.
#include "providers/rest/text_template.hpp"

#include <algorithm>
#include <cctype>

namespace tixsync::providers::rest {
namespace {

constexpr placeholder all_placeholders[] = {
    placeholder::id_value,           placeholder::id_field,       placeholder::external_id,
    placeholder::object_type,        placeholder::order_code,     placeholder::event,
    placeholder::organizer,          placeholder::position_id,    placeholder::mapping_id,
    placeholder::base_url,           placeholder::property_names, placeholder::properties,
    placeholder::associations,       placeholder::association_id, placeholder::association_type,
    placeholder::association_type_id, placeholder::inputs};

std::optional<placeholder> placeholder_named(const std::string& name) {
  for (placeholder p : all_placeholders) {
    if (name == to_string(p)) return p;
  }
  return std::nullopt;
}

}  // namespace

const std::vector<placeholder>& object_placeholders() {
  static const std::vector<placeholder> all{placeholder::id_value,    placeholder::id_field,
                                            placeholder::object_type, placeholder::order_code,
                                            placeholder::event,       placeholder::organizer,
                                            placeholder::position_id, placeholder::mapping_id,
                                            placeholder::base_url,    placeholder::property_names};
  return all;
}

std::vector<placeholder> with_write_values(std::vector<placeholder> allowed) {
  allowed.push_back(placeholder::properties);
  allowed.push_back(placeholder::associations);
  return allowed;
}

const char* to_string(placeholder name) {
  switch (name) {
    case placeholder::id_value:
      return "id_value";
    case placeholder::id_field:
      return "id_field";
    case placeholder::external_id:
      return "external_id";
    case placeholder::object_type:
      return "object_type";
    case placeholder::order_code:
      return "order_code";
    case placeholder::event:
      return "event";
    case placeholder::organizer:
      return "organizer";
    case placeholder::position_id:
      return "position_id";
    case placeholder::mapping_id:
      return "mapping_id";
    case placeholder::base_url:
      return "base_url";
    case placeholder::property_names:
      return "property_names";
    case placeholder::properties:
      return "properties";
    case placeholder::associations:
      return "associations";
    case placeholder::association_id:
      return "association_id";
    case placeholder::association_type:
      return "association_type";
    case placeholder::association_type_id:
      return "association_type_id";
    case placeholder::inputs:
      return "inputs";
  }
  return "?";
}

const std::string& placeholder_values::get(placeholder name) const {
  switch (name) {
    case placeholder::id_value:
      return id_value;
    case placeholder::id_field:
      return id_field;
    case placeholder::external_id:
      return external_id;
    case placeholder::object_type:
      return object_type;
    case placeholder::order_code:
      return order_code;
    case placeholder::event:
      return event;
    case placeholder::organizer:
      return organizer;
    case placeholder::position_id:
      return position_id;
    case placeholder::mapping_id:
      return mapping_id;
    case placeholder::base_url:
      return base_url;
    case placeholder::property_names:
      return property_names;
    default:
      break;
  }
  static const std::string none;
  return none;
}

std::string percent_encode(const std::string& text) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0f];
    }
  }
  return out;
}

text_template text_template::parse(const std::string& text, const std::vector<placeholder>& allowed,
                                   std::vector<std::string>& problems) {
  text_template result;
  result.text_ = text;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) result.parts_.push_back({std::move(literal), std::nullopt});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;  // "{{" or "}}"
      ++i;
      continue;
    }
    if (c == '}') {
      problems.push_back("unbalanced \"}\" at character " + std::to_string(i + 1) +
                         " (write \"}}\" for a literal brace)");
      continue;
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    const auto close = text.find('}', i + 1);
    if (close == std::string::npos) {
      problems.push_back("unclosed \"{\" at character " + std::to_string(i + 1) +
                         " (write \"{{\" for a literal brace)");
      break;
    }
    const std::string name = text.substr(i + 1, close - i - 1);
    const auto known = placeholder_named(name);
    if (!known) {
      problems.push_back("unknown placeholder {" + name + "}");
    } else if (std::find(allowed.begin(), allowed.end(), *known) == allowed.end()) {
      problems.push_back("placeholder {" + name + "} cannot be used here");
    } else {
      flush();
      result.parts_.push_back({{}, known});
    }
    i = close;
  }
  flush();
  return result;
}

std::string text_template::expand(const placeholder_values& values, bool url_encode) const {
  std::string out;
  for (const auto& part : parts_) {
    if (!part.name) {
      out += part.literal;
      continue;
    }
    const std::string& value = values.get(*part.name);
    out += url_encode && *part.name != placeholder::base_url ? percent_encode(value) : value;
  }
  return out;
}

std::string text_template::expand(const std::function<std::string(placeholder)>& text_of) const {
  std::string out;
  for (const auto& part : parts_) out += part.name ? text_of(*part.name) : part.literal;
  return out;
}

std::optional<placeholder> text_template::single() const {
  if (parts_.size() == 1 && parts_.front().name) return parts_.front().name;
  return std::nullopt;
}

bool text_template::uses(placeholder name) const {
  return std::any_of(parts_.begin(), parts_.end(),
                     [name](const part& p) { return p.name && *p.name == name; });
}

json_path json_path::parse(const std::string& text, std::vector<std::string>& problems) {
  json_path path;
  path.text_ = text;
  if (text.empty()) return path;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    std::string segment = text.substr(start, dot == std::string::npos ? dot : dot - start);
    if (segment.empty()) {
      problems.push_back("\"" + text + "\" is not a dotted path (an empty segment)");
      return path;
    }
    path.segments_.push_back(std::move(segment));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return path;
}

std::optional<std::size_t> json_path::array_index(const std::string& segment) {
  if (segment.empty() || segment.size() >= 10) return std::nullopt;
  std::size_t index = 0;
  for (const char c : segment) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  return index;
}

const json* json_path::find(const json& document) const {
  const json* at = &document;
  for (const auto& segment : segments_) {
    if (at->is_object()) {
      auto it = at->find(segment);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (const auto index = at->is_array() ? array_index(segment) : std::nullopt) {
      if (*index >= at->size()) return nullptr;
      at = &(*at)[*index];
    } else {
      return nullptr;
    }
  }
  return at;
}

}  // namespace tixsync::providers::rest
