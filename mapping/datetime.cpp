// Parses pretix API datetimes and prints them the way pretix's sync values spell them (Python's
// isoformat() of the UTC value). Civil-date arithmetic after H. Hinnant's days_from_civil.
#include "mapping/datetime.hpp"

#include <cstring>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {

namespace {

constexpr std::int64_t seconds_per_day = 86400;

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil_date civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

/// Writes `value` as exactly `width` decimal digits (zero-padded) at `out`.
void put_digits(char* out, int width, std::int64_t value) {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
}

bool is_leap(std::int64_t y) {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/// Reads exactly `count` ASCII digits at `pos`, advancing it; false if they are not there.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += count;
  out = value;
  return true;
}

bool read_char(std::string_view text, std::size_t& pos, char expected) {
  if (pos >= text.size() || text[pos] != expected) return false;
  ++pos;
  return true;
}

/// Fraction after the '.': one or more digits, microseconds from the first six.
bool read_fraction(std::string_view text, std::size_t& pos, int& microsecond) {
  const std::size_t start = pos;
  int value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (pos - start < 6) value = value * 10 + (text[pos] - '0');
    ++pos;
  }
  const std::size_t digits = pos - start;
  if (digits == 0) return false;
  for (std::size_t i = digits; i < 6; ++i) value *= 10;
  microsecond = value;
  return true;
}

/// "Z" or "±HH:MM[:SS]" / "±HHMM" up to the end of the text; the offset east of UTC in seconds.
bool read_offset(std::string_view text, std::size_t& pos, std::int64_t& offset) {
  if (pos >= text.size()) return false;
  const char sign = text[pos++];
  if (sign == 'Z' || sign == 'z') {
    offset = 0;
    return pos == text.size();
  }
  if (sign != '+' && sign != '-') return false;
  int hours = 0, minutes = 0, seconds = 0;
  if (!read_digits(text, pos, 2, hours)) return false;
  const bool colon = read_char(text, pos, ':');
  if (!read_digits(text, pos, 2, minutes)) return false;
  if (colon && read_char(text, pos, ':') && !read_digits(text, pos, 2, seconds)) return false;
  if (pos != text.size() || hours > 23 || minutes > 59 || seconds > 59) return false;
  offset = (hours * 3600 + minutes * 60 + seconds) * (sign == '-' ? -1 : 1);
  return true;
}

struct parsed_fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, microsecond = 0;
  std::int64_t offset = 0;
};

bool read_fields(std::string_view text, parsed_fields& f) {
  std::size_t pos = 0;
  if (!read_digits(text, pos, 4, f.year) || !read_char(text, pos, '-') ||
      !read_digits(text, pos, 2, f.month) || !read_char(text, pos, '-') ||
      !read_digits(text, pos, 2, f.day)) {
    return false;
  }
  if (pos >= text.size() || (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ')) {
    return false;
  }
  ++pos;
  if (!read_digits(text, pos, 2, f.hour) || !read_char(text, pos, ':') ||
      !read_digits(text, pos, 2, f.minute)) {
    return false;
  }
  if (read_char(text, pos, ':')) {
    if (!read_digits(text, pos, 2, f.second)) return false;
    if (read_char(text, pos, '.') && !read_fraction(text, pos, f.microsecond)) return false;
  }
  return read_offset(text, pos, f.offset);
}

}  // namespace

std::optional<utc_datetime> parse_datetime(std::string_view text) {
  parsed_fields f;
  if (!read_fields(text, f)) return std::nullopt;
  if (f.year < 1 || f.month < 1 || f.month > 12 || f.day < 1 ||
      static_cast<unsigned>(f.day) > days_in_month(f.year, f.month) || f.hour > 23 ||
      f.minute > 59 || f.second > 59) {
    return std::nullopt;
  }
  const std::int64_t local = days_from_civil(f.year, f.month, f.day) * seconds_per_day +
                             f.hour * 3600 + f.minute * 60 + f.second;
  const utc_datetime value{local - f.offset, f.microsecond};
  // Python cannot represent the UTC value outside the years 1..9999 (OverflowError).
  static const std::int64_t min_seconds = days_from_civil(1, 1, 1) * seconds_per_day;
  static const std::int64_t end_seconds = days_from_civil(10000, 1, 1) * seconds_per_day;
  if (value.seconds < min_seconds || value.seconds >= end_seconds) return std::nullopt;
  return value;
}

std::string format_isoformat_utc(const utc_datetime& value) {
  std::int64_t days = value.seconds / seconds_per_day;
  std::int64_t rest = value.seconds % seconds_per_day;
  if (rest < 0) {
    rest += seconds_per_day;
    --days;
  }
  const civil_date date = civil_from_days(days);
  // "YYYY-MM-DDTHH:MM:SS" + optional ".ffffff" + "+00:00", written digit by digit (hot path).
  char buffer[32] = "0000-00-00T00:00:00";
  put_digits(buffer, 4, date.year);
  put_digits(buffer + 5, 2, date.month);
  put_digits(buffer + 8, 2, date.day);
  put_digits(buffer + 11, 2, rest / 3600);
  put_digits(buffer + 14, 2, rest / 60 % 60);
  put_digits(buffer + 17, 2, rest % 60);
  std::size_t length = 19;
  if (value.microsecond != 0) {
    buffer[length++] = '.';
    put_digits(buffer + length, 6, value.microsecond);
    length += 6;
  }
  std::memcpy(buffer + length, "+00:00", 6);
  return std::string(buffer, length + 6);
}

std::string api_datetime_to_isoformat(std::string_view api_value) {
  const std::optional<utc_datetime> value = parse_datetime(api_value);
  if (!value) {
    throw field_internal_error("malformed datetime '" + std::string(api_value) + "'");
  }
  return format_isoformat_utc(*value);
}

}  // namespace tixsync::mapping
