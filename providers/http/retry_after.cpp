// parse_retry_after: reads a Retry-After header value (RFC 9110 section 10.2.3) as a point in
// time: delta-seconds, or an HTTP-date in its preferred IMF-fixdate form or the obsolete RFC 850
// and asctime forms. Parsed by hand (no locale, no timegm), anything malformed gives nullopt.
#include <time.h>

#include <array>
#include <cctype>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::http {
namespace {

using clock_type = std::chrono::system_clock;

// Retry-After values beyond ~31 years are clamped: the time point must not overflow.
constexpr std::int64_t max_delay_seconds = 1'000'000'000;

constexpr std::array<const char*, 12> month_names = {"jan", "feb", "mar", "apr", "may", "jun",
                                                     "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<const char*, 7> short_day_names = {"mon", "tue", "wed", "thu",
                                                        "fri", "sat", "sun"};
constexpr std::array<const char*, 7> long_day_names = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

struct civil_time {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

template <std::size_t N>
bool is_one_of(const std::string& text, const std::array<const char*, N>& names) {
  const std::string l = lower(text);
  for (const char* name : names) {
    if (l == name) return true;
  }
  return false;
}

int month_number(const std::string& text) {
  const std::string l = lower(text);
  for (std::size_t i = 0; i < month_names.size(); ++i) {
    if (l == month_names[i]) return static_cast<int>(i) + 1;
  }
  return 0;
}

/// A number of exactly `min_digits`..`max_digits` decimal digits, or -1.
int digits(const std::string& text, std::size_t min_digits, std::size_t max_digits) {
  if (text.size() < min_digits || text.size() > max_digits) return -1;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

/// "HH:MM:SS" into `t`.
bool parse_clock(const std::string& text, civil_time& t) {
  if (text.size() != 8 || text[2] != ':' || text[5] != ':') return false;
  t.hour = digits(text.substr(0, 2), 2, 2);
  t.minute = digits(text.substr(3, 2), 2, 2);
  t.second = digits(text.substr(6, 2), 2, 2);
  return t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 && t.second >= 0 &&
         t.second <= 60;  // 60: a leap second
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

bool valid_date(const civil_time& t) {
  static constexpr std::array<int, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (t.year < 1970 || t.month < 1 || t.month > 12 || t.day < 1) return false;
  const int last = days[static_cast<std::size_t>(t.month - 1)] + (t.month == 2 && is_leap(t.year));
  return t.day <= last;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the well-known era-based formula).
std::int64_t days_since_epoch(int year, int month, int day) {
  year -= month <= 2;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * static_cast<unsigned>(month + (month > 2 ? -3 : 9)) + 2) / 5 +
                               static_cast<unsigned>(day) - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

clock_type::time_point to_time_point(const civil_time& t) {
  const std::int64_t seconds =
      days_since_epoch(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
  return clock_type::time_point(std::chrono::seconds(seconds));
}

int current_year(clock_type::time_point now) {
  const time_t seconds = clock_type::to_time_t(now);
  struct tm utc {};
  gmtime_r(&seconds, &utc);
  return utc.tm_year + 1900;
}

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> result;
  for (std::string word; in >> word;) result.push_back(word);
  return result;
}

/// "Sun, 06 Nov 1994 08:49:37 GMT"
bool parse_imf_fixdate(const std::vector<std::string>& w, civil_time& t) {
  if (w.size() != 6 || w[0].size() != 4 || w[0][3] != ',') return false;
  if (!is_one_of(w[0].substr(0, 3), short_day_names) || w[5] != "GMT") return false;
  t.day = digits(w[1], 2, 2);
  t.month = month_number(w[2]);
  t.year = digits(w[3], 4, 4);
  return parse_clock(w[4], t) && valid_date(t);
}

/// "Sunday, 06-Nov-94 08:49:37 GMT"; a two-digit year more than 50 years ahead is in the past.
bool parse_rfc850(const std::vector<std::string>& w, clock_type::time_point now, civil_time& t) {
  if (w.size() != 4 || w[0].empty() || w[0].back() != ',') return false;
  if (!is_one_of(w[0].substr(0, w[0].size() - 1), long_day_names) || w[3] != "GMT") return false;
  const std::string& date = w[1];
  if (date.size() != 9 || date[2] != '-' || date[6] != '-') return false;
  t.day = digits(date.substr(0, 2), 2, 2);
  t.month = month_number(date.substr(3, 3));
  const int two_digit_year = digits(date.substr(7, 2), 2, 2);
  if (two_digit_year < 0) return false;
  const int this_year = current_year(now);
  t.year = this_year - this_year % 100 + two_digit_year;
  if (t.year > this_year + 50) t.year -= 100;
  return parse_clock(w[2], t) && valid_date(t);
}

/// "Sun Nov  6 08:49:37 1994"
bool parse_asctime(const std::vector<std::string>& w, civil_time& t) {
  if (w.size() != 5 || !is_one_of(w[0], short_day_names)) return false;
  t.month = month_number(w[1]);
  t.day = digits(w[2], 1, 2);
  t.year = digits(w[4], 4, 4);
  return parse_clock(w[3], t) && valid_date(t);
}

}  // namespace

std::optional<clock_type::time_point> parse_retry_after(const std::string& value,
                                                        clock_type::time_point now) {
  const auto first = value.find_first_not_of(" \t");
  if (first == std::string::npos) return std::nullopt;
  const auto last = value.find_last_not_of(" \t");
  const std::string text = value.substr(first, last - first + 1);

  bool all_digits = true;
  for (char c : text) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
  if (all_digits) {
    std::int64_t seconds = 0;
    for (char c : text) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > max_delay_seconds) {
        seconds = max_delay_seconds;
        break;
      }
    }
    return now + std::chrono::seconds(seconds);
  }

  const std::vector<std::string> w = words(text);
  if (civil_time t; parse_imf_fixdate(w, t)) return to_time_point(t);
  if (civil_time t; parse_rfc850(w, now, t)) return to_time_point(t);
  if (civil_time t; parse_asctime(w, t)) return to_time_point(t);
  return std::nullopt;
}

}  // namespace tixsync::providers::http
