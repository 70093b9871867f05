// The change-detection fingerprint: FNV-1a 64 over a length-prefixed canonical serialisation.
#include "providers/fingerprint.hpp"

#include <cstdio>

namespace tixsync::providers {
namespace {

/// Appends "<length>:<bytes>", which keeps field boundaries unambiguous.
void append_part(std::string& out, const std::string& part) {
  out += std::to_string(part.size());
  out += ':';
  out += part;
}

/// Whether dump() writes `text` as it is between quotes: printable ASCII without '"' or '\\'.
bool plain_ascii(const std::string& text) {
  for (const char c : text) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

/// Appends the JSON text of a value as a part. Invalid UTF-8 is replaced rather than thrown on,
/// as a fingerprint must never fail a sync (two values differing only in invalid bytes may then
/// collide). Most values are plain strings: their text is written here, the same bytes dump()
/// would give, without building it first.
void append_json_part(std::string& out, const json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (plain_ascii(text)) {
      out += std::to_string(text.size() + 2);
      out += ":\"";
      out += text;
      out += '"';
      return;
    }
  }
  append_part(out, value.dump(-1, ' ', false, json::error_handler_t::replace));
}

/// Bump when the serialisation changes, so old fingerprints stop matching instead of lying.
constexpr const char* format_version = "tixsync-fp-1";

}  // namespace

std::uint64_t fnv1a_64(const std::string& bytes) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string fingerprint(const mapping::evaluated_object& object) {
  std::string canonical;
  canonical.reserve(256);
  append_part(canonical, format_version);
  append_part(canonical, object.external_object_type);
  append_part(canonical, object.external_id_field);
  // nlohmann dumps objects with sorted keys and numbers in a fixed form: a canonical text.
  append_json_part(canonical, object.id_value);
  append_part(canonical, std::to_string(object.properties.size()));
  for (const auto& property : object.properties) {
    append_part(canonical, property.external_field);
    append_json_part(canonical, property.value);
    append_part(canonical, property.mode);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a_64(canonical)));
  return hex;
}

std::optional<sync_result> unchanged_result(const std::optional<sync_result>& previous,
                                            const std::string& current_fingerprint) {
  if (!previous || previous->fingerprint.empty() || current_fingerprint.empty() ||
      previous->fingerprint != current_fingerprint) {
    return std::nullopt;
  }
  sync_result result = *previous;
  if (!result.sync_info.is_object()) result.sync_info = json::object();
  result.sync_info["action"] = "nothing_to_do";
  return result;
}

}  // namespace tixsync::providers
