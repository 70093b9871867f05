// Duration strings of the config file ("500ms", "30s", "5m", "2h", "1d", also "1m30s") turned
// into milliseconds.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace tixsync::config {

/// Parses a sequence of <integer><unit> parts with units ms, s, m, h, d; nullopt when malformed
/// (empty, a missing unit, an unknown unit, a negative number, an overflow).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace tixsync::config
