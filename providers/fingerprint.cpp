// The change-detection fingerprint: FNV-1a 64 over a length-prefixed canonical serialisation,
// hashed as it is produced.
#include "providers/fingerprint.hpp"

#include <charconv>
#include <cstdio>
#include <string_view>

#include "mapping/json_text.hpp"

namespace tixsync::providers {
namespace {

constexpr std::uint64_t fnv_offset_basis = 0xcbf29ce484222325ULL;
constexpr std::uint64_t fnv_prime = 0x100000001b3ULL;

/// FNV-1a over `bytes`, going on from `hash`.
std::uint64_t fnv1a_more(std::uint64_t hash, std::string_view bytes) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= fnv_prime;
  }
  return hash;
}

/// FNV-1a fed part by part: the hash of the canonical serialisation without writing it out, as
/// this runs for every object synced.
class canonical_hash {
 public:
  std::uint64_t value() const { return hash_; }

  /// "<length>:<bytes>", which keeps field boundaries unambiguous.
  void part(std::string_view text) {
    char digits[24];
    hash_ = fnv1a_more(hash_, decimal(digits, text.size()));
    hash_ = fnv1a_more(hash_, ":");
    hash_ = fnv1a_more(hash_, text);
  }

  /// A count as a part, in decimal.
  void number_part(std::size_t n) {
    char digits[24];
    part(decimal(digits, n));
  }

  /// The JSON text of a value as a part: the bytes dump() gives, written by json_text.hpp.
  /// Invalid UTF-8 is replaced rather than thrown on, as a fingerprint must never fail a sync
  /// (two values differing only in invalid bytes may then collide).
  void json_part(const json& value) {
    text_.clear();
    mapping::append_json(text_, value);
    part(text_);
  }

 private:
  static std::string_view decimal(char (&digits)[24], std::size_t n) {
    const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
    return {digits, static_cast<std::size_t>(end - digits)};
  }

  std::uint64_t hash_ = fnv_offset_basis;
  std::string text_;  ///< json_part's buffer, reused
};

/// Bump when the serialisation changes, so old fingerprints stop matching instead of lying.
constexpr const char* format_version = "tixsync-fp-1";

}  // namespace

std::uint64_t fnv1a_64(const std::string& bytes) {
  return fnv1a_more(fnv_offset_basis, bytes);
}

std::string fingerprint(const mapping::evaluated_object& object) {
  canonical_hash hash;
  hash.part(format_version);
  hash.part(object.external_object_type);
  hash.part(object.external_id_field);
  // nlohmann dumps objects with sorted keys and numbers in a fixed form: a canonical text.
  hash.json_part(object.id_value);
  hash.number_part(object.properties.size());
  for (const auto& property : object.properties) {
    hash.part(property.external_field);
    hash.json_part(property.value);
    hash.part(property.mode);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash.value()));
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
