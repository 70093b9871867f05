// Tests for assign_properties and the Python semantics under it (truthiness, str, repr): every
// update mode, the examples of reference 7.7 and the edge cases of quirk 13.
#include "mapping/assign_properties.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace tixsync::mapping {
namespace {

const std::optional<std::string> semicolon = std::string(";");
const std::optional<std::string> native = std::nullopt;

json assign(std::vector<property_value> values, const json& old_values, bool is_new = false,
            const std::optional<std::string>& sep = semicolon) {
  return assign_properties(values, old_values, is_new, sep);
}

// --- Python semantics ---------------------------------------------------------------------

TEST(is_truthy, follows_python) {
  for (const json& falsy : {json(nullptr), json(false), json(0), json(0u), json(0.0), json(-0.0),
                            json(""), json::array(), json::object()}) {
    EXPECT_FALSE(is_truthy(falsy)) << falsy.dump();
  }
  for (const json& truthy : {json(true), json(1), json(-1), json(0.5), json(" "), json("0"),
                             json("False"), json::array({""}), json({{"a", nullptr}}),
                             json(std::numeric_limits<double>::quiet_NaN())}) {
    EXPECT_TRUE(is_truthy(truthy)) << truthy.dump();
  }
}

TEST(python_str, scalars) {
  EXPECT_EQ(python_str("text"), "text");
  EXPECT_EQ(python_str(""), "");
  EXPECT_EQ(python_str(true), "True");
  EXPECT_EQ(python_str(false), "False");
  EXPECT_EQ(python_str(nullptr), "None");
  EXPECT_EQ(python_str(42), "42");
  EXPECT_EQ(python_str(-7), "-7");
  EXPECT_EQ(python_str(18446744073709551615u), "18446744073709551615");
}

TEST(python_str, floats_like_python_repr) {
  EXPECT_EQ(python_str(1.0), "1.0");
  EXPECT_EQ(python_str(-0.0), "-0.0");
  EXPECT_EQ(python_str(0.1), "0.1");
  EXPECT_EQ(python_str(2.5), "2.5");
  EXPECT_EQ(python_str(123.456), "123.456");
  EXPECT_EQ(python_str(1e15), "1000000000000000.0");
  EXPECT_EQ(python_str(1e16), "1e+16");
  EXPECT_EQ(python_str(1.5e16), "1.5e+16");
  EXPECT_EQ(python_str(0.0001), "0.0001");
  EXPECT_EQ(python_str(0.00001), "1e-05");
  EXPECT_EQ(python_str(-1.25e-7), "-1.25e-07");
  EXPECT_EQ(python_str(1e300), "1e+300");
  EXPECT_EQ(python_str(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_str(std::numeric_limits<double>::quiet_NaN()), "nan");
}

TEST(python_str, lists_and_objects_like_python_repr) {
  EXPECT_EQ(python_str(json::array({"a", "b"})), "['a', 'b']");
  EXPECT_EQ(python_str(json::array()), "[]");
  EXPECT_EQ(python_str(json::array({1, nullptr, true, 1.5, json::array({"x"})})),
            "[1, None, True, 1.5, ['x']]");
  EXPECT_EQ(python_str(json({{"k", "v"}, {"a", 1}})), "{'a': 1, 'k': 'v'}");  // sorted keys
  EXPECT_EQ(python_str(json::object()), "{}");
}

TEST(python_repr, quotes_and_escapes_strings) {
  EXPECT_EQ(python_repr("a"), "'a'");
  EXPECT_EQ(python_repr("it's"), "\"it's\"");
  EXPECT_EQ(python_repr("both ' and \""), "'both \\' and \"'");
  EXPECT_EQ(python_repr("back\\slash"), "'back\\\\slash'");
  EXPECT_EQ(python_repr("tab\tnl\ncr\r"), "'tab\\tnl\\ncr\\r'");
  EXPECT_EQ(python_repr(std::string("\x01\x7f")), "'\\x01\\x7f'");
  EXPECT_EQ(python_repr("Müller – 🌈"), "'Müller – 🌈'");  // printable non-ASCII kept
  EXPECT_EQ(python_repr("nb\u00a0sp"), "'nb\\xa0sp'");
  EXPECT_EQ(python_repr("line\u2028sep"), "'line\\u2028sep'");
  EXPECT_EQ(python_repr(nullptr), "None");
}

// --- reference 7.7 examples -----------------------------------------------------------------

TEST(assign_properties, reference_example_append_to_existing) {
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, {{"tags", "press"}}),
            json({{"tags", "press;vip"}}));
}

TEST(assign_properties, reference_example_append_already_present) {
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, {{"tags", "vip"}}), json::object());
}

TEST(assign_properties, reference_example_if_empty_keeps_existing) {
  EXPECT_EQ(assign({{"phone", "+49 1", "if_empty"}}, {{"phone", "+49 2"}}), json::object());
}

TEST(assign_properties, reference_example_native_append_to_missing_field) {
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, json::object(), false, native),
            json({{"tags", json::array({"", "vip"})}}));
}

TEST(assign_properties, reference_example_overwrite_with_empty) {
  EXPECT_EQ(assign({{"note", "", "overwrite"}}, json::object()), json({{"note", ""}}));
}

// --- overwrite ----------------------------------------------------------------------------

TEST(assign_properties, overwrite_writes_every_value) {
  const json old = {{"a", "old"}, {"b", "old"}, {"c", "old"}, {"d", "same"}};
  EXPECT_EQ(assign({{"a", nullptr, "overwrite"},
                    {"b", false, "overwrite"},
                    {"c", json::array({"x"}), "overwrite"},
                    {"d", "same", "overwrite"}},
                   old),
            json({{"a", nullptr}, {"b", false}, {"c", json::array({"x"})}, {"d", "same"}}));
}

TEST(assign_properties, overwrite_later_entry_wins) {
  EXPECT_EQ(assign({{"a", "1", "overwrite"}, {"a", "2", "overwrite"}}, json::object()),
            json({{"a", "2"}}));
}

TEST(assign_properties, empty_input_gives_empty_object) {
  EXPECT_EQ(assign({}, {{"a", 1}}), json::object());
}

// --- if_new -------------------------------------------------------------------------------

TEST(assign_properties, if_new_skipped_for_existing_objects) {
  EXPECT_EQ(assign({{"a", "x", "if_new"}}, json::object(), false), json::object());
}

TEST(assign_properties, if_new_sets_on_new_objects) {
  EXPECT_EQ(assign({{"a", "x", "if_new"}}, json::object(), true), json({{"a", "x"}}));
}

TEST(assign_properties, if_new_on_new_object_still_respects_existing_value) {
  // pretix checks the current value for if_new too, so old values given with is_new block it.
  EXPECT_EQ(assign({{"a", "x", "if_new"}}, {{"a", "y"}}, true), json::object());
  EXPECT_EQ(assign({{"a", "x", "if_new"}}, {{"a", ""}}, true), json({{"a", "x"}}));
}

TEST(assign_properties, if_new_empty_value_skipped) {
  EXPECT_EQ(assign({{"a", "", "if_new"}}, json::object(), true), json::object());
}

// --- if_empty -----------------------------------------------------------------------------

TEST(assign_properties, if_empty_sets_missing_or_falsy_fields) {
  const json old = {{"a", ""}, {"b", nullptr}, {"c", 0}, {"d", json::array()}, {"e", false}};
  EXPECT_EQ(assign({{"a", "1", "if_empty"},
                    {"b", "2", "if_empty"},
                    {"c", "3", "if_empty"},
                    {"d", "4", "if_empty"},
                    {"e", "5", "if_empty"},
                    {"f", "6", "if_empty"}},
                   old),
            json({{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}, {"f", "6"}}));
}

TEST(assign_properties, if_empty_keeps_truthy_existing_values) {
  EXPECT_EQ(assign({{"a", "1", "if_empty"}}, {{"a", 0.5}}), json::object());
  EXPECT_EQ(assign({{"a", "1", "if_empty"}}, {{"a", json::array({""})}}), json::object());
}

TEST(assign_properties, if_empty_sees_earlier_entry_when_field_not_in_old_values) {
  EXPECT_EQ(assign({{"a", "first", "if_empty"}, {"a", "second", "if_empty"}}, json::object()),
            json({{"a", "first"}}));
}

TEST(assign_properties, old_values_shadow_earlier_entries_of_same_call) {
  // Quirk 13: the field exists (empty) in old_values, so the second entry does not see the first.
  EXPECT_EQ(assign({{"a", "first", "if_empty"}, {"a", "second", "if_empty"}}, {{"a", ""}}),
            json({{"a", "second"}}));
  EXPECT_EQ(assign({{"a", "first", "overwrite"}, {"a", "second", "if_empty"}}, {{"a", ""}}),
            json({{"a", "second"}}));
  EXPECT_EQ(assign({{"a", "first", "overwrite"}, {"a", "second", "if_empty"}}, json::object()),
            json({{"a", "first"}}));
}

TEST(assign_properties, empty_values_never_reach_if_empty_or_append) {
  const json old = json::object();
  for (const json& empty :
       {json(""), json(nullptr), json(false), json(0), json(0.0), json::array(), json::object()}) {
    EXPECT_EQ(assign({{"a", empty, "if_empty"}, {"b", empty, "append"}}, old), json::object())
        << empty.dump();
    EXPECT_EQ(assign({{"b", empty, "append"}}, old, false, native), json::object()) << empty.dump();
  }
}

// --- append with a separator ----------------------------------------------------------------

TEST(assign_properties, append_to_missing_field) {
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, json::object()), json({{"tags", "vip"}}));
}

TEST(assign_properties, append_to_empty_or_falsy_field_starts_a_new_list) {
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, {{"tags", ""}}), json({{"tags", "vip"}}));
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, {{"tags", nullptr}}), json({{"tags", "vip"}}));
  EXPECT_EQ(assign({{"tags", "vip", "append"}}, {{"tags", json::array()}}),
            json({{"tags", "vip"}}));
}

TEST(assign_properties, append_splits_new_value_on_separator) {
  // New in pretix 2025.11: the value is split into items, only absent ones are appended.
  EXPECT_EQ(assign({{"tags", "a;b;c", "append"}}, {{"tags", "b;x"}}), json({{"tags", "b;x;a;c"}}));
  EXPECT_EQ(assign({{"tags", "a;b", "append"}}, {{"tags", "b;a"}}), json::object());
}

TEST(assign_properties, append_new_items_checked_against_old_items_only) {
  // pretix tests membership against the current list, not the growing one: duplicates in the
  // new value are all appended.
  EXPECT_EQ(assign({{"tags", "x;x", "append"}}, {{"tags", "a"}}), json({{"tags", "a;x;x"}}));
}

TEST(assign_properties, append_keeps_empty_items_of_the_split) {
  EXPECT_EQ(assign({{"tags", "a;;b", "append"}}, {{"tags", "a"}}), json({{"tags", "a;;b"}}));
  EXPECT_EQ(assign({{"tags", ";", "append"}}, json::object()), json({{"tags", ";"}}));
}

TEST(assign_properties, append_uses_python_str_of_non_strings) {
  EXPECT_EQ(assign({{"n", 7, "append"}}, {{"n", "1"}}), json({{"n", "1;7"}}));
  EXPECT_EQ(assign({{"b", true, "append"}}, json::object()), json({{"b", "True"}}));
  EXPECT_EQ(assign({{"l", json::array({"a", "b"}), "append"}}, json::object()),
            json({{"l", "['a', 'b']"}}));
  EXPECT_EQ(
      assign({{"l", json::array({"a", "b"}), "append"}}, json::object(), false, std::string(", ")),
      json({{"l", "['a', 'b']"}}));  // ", " splits "['a', 'b']" into "['a'" and "'b']"
  EXPECT_EQ(
      assign({{"l", json::array({"a", "b"}), "append"}}, {{"l", "'b']"}}, false, std::string(", ")),
      json({{"l", "'b'], ['a'"}}));
}

TEST(assign_properties, append_multi_character_separator) {
  EXPECT_EQ(assign({{"t", "b, c", "append"}}, {{"t", "a, b"}}, false, std::string(", ")),
            json({{"t", "a, b, c"}}));
}

TEST(assign_properties, append_entries_see_each_other_when_field_is_new) {
  EXPECT_EQ(
      assign({{"t", "a", "append"}, {"t", "b", "append"}, {"t", "a", "append"}}, json::object()),
      json({{"t", "a;b"}}));
}

TEST(assign_properties, append_entries_shadowed_by_old_value) {
  // The field exists in old_values, so each entry starts from the old value; the last one wins.
  EXPECT_EQ(assign({{"t", "a", "append"}, {"t", "b", "append"}}, {{"t", "x"}}),
            json({{"t", "x;b"}}));
}

TEST(assign_properties, append_to_non_string_with_separator_fails_like_pretix) {
  EXPECT_THROW(assign({{"t", "a", "append"}}, {{"t", json::array({"x"})}}), std::invalid_argument);
  EXPECT_THROW(assign({{"t", "a", "append"}}, {{"t", 5}}), std::invalid_argument);
  EXPECT_THROW(assign({{"t", "a", "append"}}, json::object(), false, std::string("")),
               std::invalid_argument);
}

// --- append with native lists ---------------------------------------------------------------

TEST(assign_properties, native_append_to_list) {
  EXPECT_EQ(assign({{"t", "b", "append"}}, {{"t", json::array({"a"})}}, false, native),
            json({{"t", json::array({"a", "b"})}}));
  EXPECT_EQ(assign({{"t", "a", "append"}}, {{"t", json::array({"a"})}}, false, native),
            json::object());
}

TEST(assign_properties, native_append_wraps_non_list_current_value) {
  EXPECT_EQ(assign({{"t", "b", "append"}}, {{"t", "a"}}, false, native),
            json({{"t", json::array({"a", "b"})}}));
  EXPECT_EQ(assign({{"t", "b", "append"}}, {{"t", nullptr}}, false, native),
            json({{"t", json::array({"None", "b"})}}));
  EXPECT_EQ(assign({{"t", "b", "append"}}, {{"t", 3}}, false, native),
            json({{"t", json::array({"3", "b"})}}));
  EXPECT_EQ(assign({{"t", "b", "append"}}, {{"t", ""}}, false, native),
            json({{"t", json::array({"", "b"})}}));
  EXPECT_EQ(assign({{"t", "a", "append"}}, {{"t", "a"}}, false, native), json::object());
}

TEST(assign_properties, native_append_item_is_str_of_value) {
  // A list value becomes one item, its Python repr (pretix does str(value)).
  EXPECT_EQ(
      assign({{"t", json::array({"x", "y"}), "append"}}, {{"t", json::array()}}, false, native),
      json({{"t", json::array({"['x', 'y']"})}}));
  EXPECT_EQ(assign({{"t", 1, "append"}}, {{"t", json::array({1})}}, false, native),
            json({{"t", json::array({1, "1"})}}));  // "1" != 1 in Python
}

TEST(assign_properties, native_append_entries_see_each_other_when_field_is_new) {
  EXPECT_EQ(assign({{"t", "a", "append"}, {"t", "b", "append"}}, json::object(), false, native),
            json({{"t", json::array({"", "a", "b"})}}));
}

// --- invalid modes --------------------------------------------------------------------------

TEST(assign_properties, unknown_mode_with_truthy_value_throws) {
  try {
    assign({{"a", "x", "sometimes"}}, json::object());
    FAIL() << "no exception";
  } catch (const invalid_update_mode& e) {
    EXPECT_STREQ(e.what(), "Invalid update mode sometimes");
  }
}

TEST(assign_properties, unknown_mode_with_empty_value_passes_silently) {
  EXPECT_EQ(assign({{"a", "", "sometimes"}, {"b", nullptr, ""}}, json::object()), json::object());
}

TEST(assign_properties, unknown_mode_reached_only_after_if_new_check) {
  // "if_new" for an existing object skips before the value is looked at; modes are
  // case-sensitive.
  EXPECT_THROW(assign({{"a", "x", "Overwrite"}}, json::object()), invalid_update_mode);
}

TEST(assign_properties, non_object_old_values_count_as_empty) {
  EXPECT_EQ(assign({{"a", "x", "if_empty"}}, nullptr), json({{"a", "x"}}));
}

}  // namespace
}  // namespace tixsync::mapping
