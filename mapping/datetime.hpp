// Datetimes of the pretix REST API (ISO 8601 with "Z" or a numeric offset) and their spelling in
// sync values: Python's datetime.isoformat() of the UTC value, "2025-05-03T10:03:27.604311+00:00".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tixsync::mapping {

/// An instant in UTC with microsecond precision (Python's datetime resolution).
struct utc_datetime {
  std::int64_t seconds = 0;      ///< seconds since 1970-01-01T00:00:00Z
  std::int32_t microsecond = 0;  ///< 0..999999

  friend bool operator==(const utc_datetime& a, const utc_datetime& b) {
    return a.seconds == b.seconds && a.microsecond == b.microsecond;
  }
  friend bool operator<(const utc_datetime& a, const utc_datetime& b) {
    return a.seconds != b.seconds ? a.seconds < b.seconds : a.microsecond < b.microsecond;
  }
};

/// Parses "YYYY-MM-DDTHH:MM[:SS[.fraction]]" followed by "Z" or "±HH:MM[:SS]" ('T' may also be
/// 't' or a space, "Z" also "z", the offset also "±HHMM"). Fraction digits beyond the sixth are
/// cut off, as Python's fromisoformat does. Returns nullopt for anything else: no offset (naive),
/// out-of-range fields, a result outside the years 1..9999 in UTC.
std::optional<utc_datetime> parse_datetime(std::string_view text);

/// Python's isoformat() of the UTC value: "YYYY-MM-DDTHH:MM:SS+00:00", with ".ffffff" before the
/// offset only when the microseconds are not 0.
std::string format_isoformat_utc(const utc_datetime& value);

/// parse_datetime + format_isoformat_utc; throws field_internal_error naming the bad value.
std::string api_datetime_to_isoformat(std::string_view api_value);

}  // namespace tixsync::mapping
