// Tests pretix's person-name schemes: declared parts and labels, every concatenation rule,
// build_name's _legacy/_scheme/fallback handling, trimming and the last-space split.
#include "mapping/person_name.hpp"

#include <gtest/gtest.h>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {
namespace {

name_parts parts(std::vector<std::pair<std::string, std::string>> values) {
  return name_parts{std::move(values)};
}

std::string concat(const char* scheme, std::vector<std::pair<std::string, std::string>> values) {
  return concatenate_name(*find_name_scheme(scheme), parts(std::move(values)));
}

std::vector<std::string> keys_of(const char* scheme) {
  std::vector<std::string> keys;
  for (const name_field& field : find_name_scheme(scheme)->fields) keys.emplace_back(field.key);
  return keys;
}

using strings = std::vector<std::string>;

TEST(person_name, schemes_declare_parts_in_order) {
  EXPECT_EQ(all_name_schemes().size(), 13u);
  EXPECT_EQ(keys_of("given_family"), (strings{"given_name", "family_name"}));
  EXPECT_EQ(keys_of("title_given_family"), (strings{"title", "given_name", "family_name"}));
  EXPECT_EQ(keys_of("given_middle_family"), (strings{"given_name", "middle_name", "family_name"}));
  EXPECT_EQ(keys_of("title_given_middle_family"),
            (strings{"title", "given_name", "middle_name", "family_name"}));
  EXPECT_EQ(keys_of("family_given"), (strings{"family_name", "given_name"}));
  EXPECT_EQ(keys_of("family_nospace_given"), (strings{"given_name", "family_name"}));
  EXPECT_EQ(keys_of("family_comma_given"), (strings{"given_name", "family_name"}));
  EXPECT_EQ(keys_of("full"), (strings{"full_name"}));
  EXPECT_EQ(keys_of("calling_full"), (strings{"calling_name", "full_name"}));
  EXPECT_EQ(keys_of("full_transcription"), (strings{"full_name", "latin_transcription"}));
  EXPECT_EQ(keys_of("salutation_given_family"),
            (strings{"salutation", "given_name", "family_name"}));
  EXPECT_EQ(keys_of("salutation_title_given_family"),
            (strings{"salutation", "title", "given_name", "family_name"}));
  EXPECT_EQ(keys_of("salutation_title_given_family_degree"),
            (strings{"salutation", "title", "given_name", "family_name", "degree"}));
  EXPECT_EQ(find_name_scheme("nope"), nullptr);
}

TEST(person_name, labels_are_pretix_msgids) {
  EXPECT_EQ(find_name_scheme("given_family")->fields[0].label, "Given name");
  EXPECT_EQ(find_name_scheme("given_middle_family")->fields[0].label, "First name");
  EXPECT_EQ(find_name_scheme("full")->fields[0].label, "Name");
  EXPECT_EQ(find_name_scheme("calling_full")->fields[1].label, "Full name");
  EXPECT_EQ(find_name_scheme("salutation_title_given_family_degree")->fields[4].label,
            "Degree (after name)");
}

TEST(person_name, has_field) {
  EXPECT_TRUE(find_name_scheme("given_family")->has_field("given_name"));
  EXPECT_FALSE(find_name_scheme("full")->has_field("given_name"));
  EXPECT_FALSE(find_name_scheme("full")->has_field("family_name"));
}

TEST(person_name, space_joined_schemes_skip_empty_parts) {
  EXPECT_EQ(concat("given_family", {{"given_name", "Ada"}, {"family_name", "Lovelace"}}),
            "Ada Lovelace");
  EXPECT_EQ(concat("given_family", {{"given_name", ""}, {"family_name", "Lovelace"}}), "Lovelace");
  EXPECT_EQ(concat("given_family", {{"family_name", "Lovelace"}}), "Lovelace");
  EXPECT_EQ(concat("title_given_family", {{"title", "Dr"}, {"family_name", "Who"}}), "Dr Who");
  EXPECT_EQ(concat("given_middle_family",
                   {{"family_name", "Doe"}, {"middle_name", "M"}, {"given_name", "John"}}),
            "John M Doe");
  EXPECT_EQ(
      concat("title_given_middle_family",
             {{"title", "Prof"}, {"given_name", "A"}, {"middle_name", "B"}, {"family_name", "C"}}),
      "Prof A B C");
  EXPECT_EQ(concat("family_given", {{"given_name", "Taro"}, {"family_name", "Yamada"}}),
            "Yamada Taro");
}

TEST(person_name, nospace_and_comma_schemes) {
  EXPECT_EQ(concat("family_nospace_given", {{"given_name", "泽东"}, {"family_name", "毛"}}),
            "毛泽东");
  EXPECT_EQ(concat("family_comma_given", {{"given_name", "John"}, {"family_name", "Doe"}}),
            "Doe, John");
  EXPECT_EQ(concat("family_comma_given", {{"family_name", "Doe"}}), "Doe");
  EXPECT_EQ(concat("family_comma_given", {{"given_name", "John"}, {"family_name", ""}}), "John");
}

TEST(person_name, full_name_schemes_use_only_the_full_name) {
  EXPECT_EQ(concat("full", {{"full_name", "Ada Lovelace"}}), "Ada Lovelace");
  EXPECT_EQ(concat("calling_full", {{"calling_name", "Ada"}, {"full_name", "Ada Lovelace"}}),
            "Ada Lovelace");
  EXPECT_EQ(concat("full_transcription", {{"full_name", "庄司"}, {"latin_transcription", "Shōji"}}),
            "庄司");
  EXPECT_EQ(concat("full", {}), "");
}

TEST(person_name, salutation_schemes_leave_the_salutation_out) {
  EXPECT_EQ(concat("salutation_given_family",
                   {{"salutation", "Mr"}, {"given_name", "Max"}, {"family_name", "Muster"}}),
            "Max Muster");
  EXPECT_EQ(
      concat(
          "salutation_title_given_family",
          {{"salutation", "Ms"}, {"title", "Dr"}, {"given_name", "Eva"}, {"family_name", "Roth"}}),
      "Dr Eva Roth");
  EXPECT_EQ(concat("salutation_title_given_family_degree", {{"salutation", "Ms"},
                                                            {"title", "Dr"},
                                                            {"given_name", "Eva"},
                                                            {"family_name", "Roth"},
                                                            {"degree", "MBA"}}),
            "Dr Eva Roth, MBA");
  EXPECT_EQ(concat("salutation_title_given_family_degree",
                   {{"given_name", "Eva"}, {"family_name", "Roth"}}),
            "Eva Roth");
  EXPECT_EQ(concat("salutation_title_given_family_degree", {{"degree", "PhD"}}), ", PhD");
}

TEST(person_name, result_is_stripped_like_python) {
  EXPECT_EQ(concat("given_family", {{"given_name", "  Ada"}, {"family_name", "Lovelace\t\n"}}),
            "Ada Lovelace");
  EXPECT_EQ(concat("full", {{"full_name", "\u3000\u00a0Ada\u2003"}}), "Ada");
  EXPECT_EQ(concat("family_comma_given", {{"given_name", " "}, {"family_name", "Doe"}}), "Doe,");
  EXPECT_EQ(python_strip("\x1c x \x1f"), "x");
  EXPECT_EQ(python_strip("\u200bx"), "\u200bx");  // zero-width space is not whitespace
  EXPECT_EQ(python_strip("   "), "");
}

TEST(person_name, build_name_rules) {
  EXPECT_FALSE(build_name(parts({}), "given_family").has_value());
  EXPECT_EQ(build_name(parts({{"_legacy", "Leo Hartmann"}, {"given_name", "X"}}), "full"),
            "Leo Hartmann");
  EXPECT_EQ(
      build_name(
          parts({{"_scheme", "family_given"}, {"given_name", "Taro"}, {"family_name", "Yamada"}}),
          "given_family"),
      "Yamada Taro");
  // Without _scheme the event's scheme formats the parts.
  EXPECT_EQ(
      build_name(parts({{"given_name", "Taro"}, {"family_name", "Yamada"}}), "family_comma_given"),
      "Yamada, Taro");
  EXPECT_EQ(build_name(parts({{"_scheme", "given_family"}}), "full"), "");
}

TEST(person_name, build_name_with_unknown_scheme_is_an_internal_error) {
  EXPECT_THROW(build_name(parts({{"_scheme", "klingon"}, {"given_name", "K"}}), "given_family"),
               field_internal_error);
  EXPECT_THROW(build_name(parts({{"given_name", "K"}}), "klingon"), field_internal_error);
}

TEST(person_name, split_on_last_space) {
  auto check = [](const char* name, const char* given, const char* family) {
    const split_name s = split_name_on_last_space(name);
    EXPECT_EQ(s.given, given) << name;
    EXPECT_EQ(s.family, family) << name;
  };
  check("A B C D", "A B C", "D");
  check("Charlie de l'Exemple", "Charlie de", "l'Exemple");
  check("Madonna", "Madonna", "");
  check("", "", "");
  check("Ada ", "Ada", "");
  check("A  B", "A ", "B");
}

}  // namespace
}  // namespace tixsync::mapping
