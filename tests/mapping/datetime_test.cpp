// Tests parsing pretix API datetimes and printing them as Python's isoformat() of the UTC value.
#include "mapping/datetime.hpp"

#include <gtest/gtest.h>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {
namespace {

std::string convert(const std::string& text) {
  return api_datetime_to_isoformat(text);
}

TEST(datetime, utc_with_z) {
  EXPECT_EQ(convert("2025-09-18T07:00:00Z"), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(convert("2025-05-03T10:03:27.604311Z"), "2025-05-03T10:03:27.604311+00:00");
  EXPECT_EQ(convert("2025-05-03t10:03:27z"), "2025-05-03T10:03:27+00:00");
}

TEST(datetime, fraction_printed_only_when_not_zero) {
  EXPECT_EQ(convert("2025-05-03T10:03:27.000000Z"), "2025-05-03T10:03:27+00:00");
  EXPECT_EQ(convert("2025-05-03T10:03:27.5Z"), "2025-05-03T10:03:27.500000+00:00");
  EXPECT_EQ(convert("2025-05-03T10:03:27.000001Z"), "2025-05-03T10:03:27.000001+00:00");
  // Digits beyond microseconds are cut off, as Python's fromisoformat does.
  EXPECT_EQ(convert("2025-05-03T10:03:27.1234569Z"), "2025-05-03T10:03:27.123456+00:00");
}

TEST(datetime, offsets_convert_to_utc) {
  EXPECT_EQ(convert("2025-09-18T09:00:00+02:00"), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(convert("2025-09-18T01:30:00-05:30"), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(convert("2025-09-18T09:00:00+0200"), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(convert("2025-09-18T07:00:00+00:00"), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(convert("2025-09-18T07:00:30+00:00:30"), "2025-09-18T07:00:00+00:00");
  EXPECT_EQ(convert("2025-09-18 09:00:00.25+02:00"), "2025-09-18T07:00:00.250000+00:00");
}

TEST(datetime, offsets_cross_day_month_and_year) {
  EXPECT_EQ(convert("2025-01-01T00:30:00+01:00"), "2024-12-31T23:30:00+00:00");
  EXPECT_EQ(convert("2024-12-31T23:30:00-01:00"), "2025-01-01T00:30:00+00:00");
  EXPECT_EQ(convert("2024-03-01T00:00:00+00:01"), "2024-02-29T23:59:00+00:00");
  EXPECT_EQ(convert("2023-03-01T00:00:00+00:01"), "2023-02-28T23:59:00+00:00");
  EXPECT_EQ(convert("1969-12-31T23:59:59.999999Z"), "1969-12-31T23:59:59.999999+00:00");
}

TEST(datetime, minutes_only_time) {
  EXPECT_EQ(convert("2025-09-18T07:00Z"), "2025-09-18T07:00:00+00:00");
}

TEST(datetime, leap_days) {
  EXPECT_EQ(convert("2024-02-29T12:00:00Z"), "2024-02-29T12:00:00+00:00");
  EXPECT_EQ(convert("2000-02-29T12:00:00Z"), "2000-02-29T12:00:00+00:00");
  EXPECT_FALSE(parse_datetime("2023-02-29T12:00:00Z"));
  EXPECT_FALSE(parse_datetime("1900-02-29T12:00:00Z"));
}

TEST(datetime, parse_gives_unix_time) {
  const auto value = parse_datetime("1970-01-01T00:00:01.5Z");
  ASSERT_TRUE(value);
  EXPECT_EQ(value->seconds, 1);
  EXPECT_EQ(value->microsecond, 500000);
  EXPECT_EQ(parse_datetime("2025-05-03T10:03:27Z")->seconds, 1746266607);
}

TEST(datetime, ordering) {
  const auto a = *parse_datetime("2025-05-08T15:20:00Z");
  const auto b = *parse_datetime("2025-05-09T14:00:00+02:00");
  const auto c = *parse_datetime("2025-05-09T12:00:00.000001Z");
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(b < c);
  EXPECT_FALSE(c < b);
  EXPECT_TRUE(*parse_datetime("2025-05-09T12:00:00Z") == b);
}

TEST(datetime, malformed_input_is_rejected) {
  for (const char* text : {"",
                           "2025-05-03",
                           "2025-05-03T10:03:27",
                           "2025-05-03T10:03:27+02",
                           "2025-5-03T10:03:27Z",
                           "2025-05-03T10:03:27.Z",
                           "2025-13-01T00:00:00Z",
                           "2025-00-01T00:00:00Z",
                           "2025-04-31T00:00:00Z",
                           "2025-05-03T24:00:00Z",
                           "2025-05-03T10:60:00Z",
                           "2025-05-03T10:03:60Z",
                           "2025-05-03T10:03:27+24:00",
                           "2025-05-03T10:03:27+02:60",
                           "2025-05-03T10:03:27Zjunk",
                           "2025-05-03X10:03:27Z",
                           "0000-01-01T00:00:00Z",
                           "0001-01-01T00:30:00+01:00",
                           "9999-12-31T23:30:00-01:00",
                           " 2025-05-03T10:03:27Z",
                           "2025-05-03T10:03:27+02:00 ",
                           "2025-05-03T10:03:27+02:0"}) {
    EXPECT_FALSE(parse_datetime(text)) << text;
    EXPECT_THROW(api_datetime_to_isoformat(text), field_internal_error) << text;
  }
}

TEST(datetime, range_edges) {
  EXPECT_EQ(convert("0001-01-01T00:00:00Z"), "0001-01-01T00:00:00+00:00");
  EXPECT_EQ(convert("9999-12-31T23:59:59.999999Z"), "9999-12-31T23:59:59.999999+00:00");
}

TEST(datetime, error_names_the_value) {
  try {
    api_datetime_to_isoformat("not a date");
    FAIL() << "expected field_internal_error";
  } catch (const field_internal_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a date"), std::string::npos);
  }
}

}  // namespace
}  // namespace tixsync::mapping
