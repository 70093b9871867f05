// Table tests of parse_retry_after: delta-seconds, the three HTTP-date forms, the two-digit
// year rule of RFC 850 dates, and malformed values (nullopt).
#include <gtest/gtest.h>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::http {
namespace {

using clock_type = std::chrono::system_clock;

clock_type::time_point unix_seconds(std::int64_t seconds) {
  return clock_type::time_point(std::chrono::seconds(seconds));
}

// 2024-03-01T12:00:00Z, a fixed "now".
const clock_type::time_point now = unix_seconds(1709294400);

TEST(parse_retry_after, reads_delta_seconds) {
  EXPECT_EQ(parse_retry_after("0", now), now);
  EXPECT_EQ(parse_retry_after("120", now), now + std::chrono::seconds(120));
  EXPECT_EQ(parse_retry_after("  30 ", now), now + std::chrono::seconds(30));
  EXPECT_EQ(parse_retry_after("007", now), now + std::chrono::seconds(7));
}

TEST(parse_retry_after, clamps_huge_delays_instead_of_overflowing) {
  const auto result = parse_retry_after("99999999999999999999999", now);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(*result, now + std::chrono::seconds(1'000'000'000));
}

struct date_case {
  std::string value;
  std::int64_t unix_seconds;
};

TEST(parse_retry_after, reads_the_three_http_date_forms) {
  const std::vector<date_case> cases = {
      // IMF-fixdate, the preferred form
      {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
      {"Wed, 21 Oct 2015 07:28:00 GMT", 1445412480},
      {"Thu, 29 Feb 2024 23:59:59 GMT", 1709251199},
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
      {"wed, 21 oct 2015 07:28:00 GMT", 1445412480},  // names in any case
      // RFC 850
      {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
      {"Wednesday, 21-Oct-15 07:28:00 GMT", 1445412480},
      // asctime
      {"Sun Nov  6 08:49:37 1994", 784111777},
      {"Wed Oct 21 07:28:00 2015", 1445412480},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.value);
    const auto result = parse_retry_after(c.value, now);
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(*result, unix_seconds(c.unix_seconds));
  }
}

TEST(parse_retry_after, puts_two_digit_years_more_than_50_years_ahead_in_the_past) {
  // now is 2024: "74" is 2074 (50 years ahead), "75" is 1975.
  EXPECT_EQ(parse_retry_after("Monday, 01-Jan-74 00:00:00 GMT", now), unix_seconds(3281990400));
  EXPECT_EQ(parse_retry_after("Wednesday, 01-Jan-75 00:00:00 GMT", now), unix_seconds(157766400));
}

TEST(parse_retry_after, rejects_malformed_values) {
  const std::vector<std::string> cases = {
      "",
      "   ",
      "-5",
      "1.5",
      "12 seconds",
      "soon",
      "Sun, 06 Nov 1994 08:49:37",         // no GMT
      "Sun, 06 Nov 1994 08:49:37 UTC",     // not GMT
      "Sun, 06 Nov 1994 08:49 GMT",        // no seconds
      "Sun, 6 Nov 1994 08:49:37 GMT",      // one-digit day in IMF-fixdate
      "Sun, 06 Foo 1994 08:49:37 GMT",     // no such month
      "Foo, 06 Nov 1994 08:49:37 GMT",     // no such day
      "Sun, 31 Nov 1994 08:49:37 GMT",     // November has 30 days
      "Sun, 29 Feb 2023 08:49:37 GMT",     // not a leap year
      "Sun, 06 Nov 1994 24:00:00 GMT",     // hour out of range
      "Sun, 06 Nov 1994 08:60:00 GMT",     // minute out of range
      "Sun, 06 Nov 94 08:49:37 GMT",       // two-digit year in IMF-fixdate
      "Sunday, 06-Nov-1994 08:49:37 GMT",  // four-digit year in RFC 850
      "Sun, 06-Nov-94 08:49:37 GMT",       // short day name in RFC 850
      "Sun Nov  6 08:49:37",               // asctime without year
      "Sun Nov 32 08:49:37 1994",          // day out of range
      "2015-10-21T07:28:00Z",              // ISO 8601 is not an HTTP-date
  };
  for (const auto& value : cases) {
    SCOPED_TRACE(value);
    EXPECT_EQ(parse_retry_after(value, now), std::nullopt);
  }
}

}  // namespace
}  // namespace tixsync::providers::http
