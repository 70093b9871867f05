// Parsing of duration strings: digits followed by a unit, repeated; the sum in milliseconds.
#include "config/duration.hpp"

#include <cctype>
#include <cstdint>
#include <limits>

namespace tixsync::config {
namespace {

/// Milliseconds per unit, or 0 when the unit is unknown.
std::int64_t unit_ms(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 3600 * 1000;
  if (unit == "d") return 24 * 3600 * 1000;
  return 0;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 2;
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t number = 0;
    std::size_t digits = 0;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      if (number > limit / 10) return std::nullopt;
      number = number * 10 + (text[i] - '0');
    }
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::int64_t per_unit = unit_ms(text.substr(unit_start, i - unit_start));
    if (digits == 0 || per_unit == 0 || number > limit / per_unit) return std::nullopt;
    total += number * per_unit;
    if (total > limit) return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

}  // namespace tixsync::config
