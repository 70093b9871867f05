// The directly written JSON of stored results and success-log objects (stored_json.hpp) is the
// same text nlohmann::json dumps for them: plain and escaped strings, UTF-8, invalid UTF-8,
// sync_info keys that sort between or replace the fixed keys, mapping ids sorted as text.
#include "persistence/stored_json.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <nlohmann/json.hpp>

namespace tixsync::persistence {
namespace {

using json = nlohmann::json;

std::string dumped(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const std::vector<std::string> awkward_texts = {
    "",
    "plain ascii",
    "quote \" backslash \\ slash /",
    "controls \b\f\n\r\t \x01\x1f \x7f end",
    "Grüße, 東京 🎫",
    "bad \xff byte",
    "cut \xe6\x9d",
    "overlong \xc0\xaf and surrogate \xed\xa0\x80",
    std::string("nul \0 inside", 12),
};

sync_result sample(std::optional<std::int64_t> position) {
  sync_result r;
  r.provider = "crm";
  r.mapping_id = 2;
  r.order_code = "ABC12";
  r.position_id = position;
  r.external_object_type = "Ticket";
  r.external_id_field = "ticket_id";
  r.id_value = "ABC12-1";
  r.external_link_href = "https://crm.example/t/1?a=1&b=\"2\"";
  r.sync_info = {{"action", "create"}, {"remote", {{"id", 17}, {"tags", {"a", "b"}}}}};
  r.transmitted_ms = 1764280000123;
  r.fingerprint = "9f86d081884c7d65";
  return r;
}

TEST(stored_json, strings_are_escaped_like_nlohmann) {
  for (const auto& text : awkward_texts) {
    std::string out = "x";
    append_json_string(out, text);
    EXPECT_EQ(out, "x" + dumped(json(text)))
        << json(text).dump(-1, ' ', true, json::error_handler_t::replace);
  }
}

TEST(stored_json, results_match_encode_result) {
  for (const auto& position : {std::optional<std::int64_t>(), std::optional<std::int64_t>(-7)}) {
    auto r = sample(position);
    auto s = store_form(r);
    EXPECT_EQ(s.field, result_field(r.mapping_id, r.position_id));
    EXPECT_EQ(s.json, encode_result(r));
    EXPECT_EQ(decode_result(s.field, s.json).value(), r);
  }
  for (const auto& text : awkward_texts) {
    auto r = sample(3);
    r.provider = r.order_code = r.external_object_type = r.external_id_field = r.id_value = text;
    r.fingerprint = text;
    r.external_link_href = std::nullopt;
    r.external_link_display_name = text;
    r.sync_info = json::object({{text, text}});
    EXPECT_EQ(store_form(r).json, encode_result(r));
  }
  auto numbers = sample(1);
  numbers.sync_info = {
      {"f", 1.5},  {"u", std::numeric_limits<std::uint64_t>::max()},
      {"b", true}, {"no", false},
      {"neg", -3}, {"nested", {nullptr, 2.25e10, -0.0, "x", json::array(), json::object()}}};
  EXPECT_EQ(store_form(numbers).json, encode_result(numbers));
  auto empty_info = sample(1);
  empty_info.sync_info = json::object();
  EXPECT_EQ(store_form(empty_info).json, encode_result(empty_info));
}

TEST(stored_json, log_objects_match_the_dump_of_to_log_objects) {
  mapping::mapped_objects mapped;
  EXPECT_EQ(log_objects_json(mapped), dumped(mapping::to_log_objects(mapped)));
  auto order = sample(std::nullopt);
  order.mapping_id = 10;
  auto ticket = sample(5);
  // sync_info keys before, between and after the fixed keys, and two that replace them.
  ticket.sync_info = {{"a", 1},          {"external_link_href", "mine"},
                      {"f", nullptr},    {"object_type", json::array({1, 2})},
                      {"p", "\xff bad"}, {"zz", {{"k", "v"}}}};
  auto other = sample(6);
  other.sync_info = "not an object";
  mapped[10] = {order};
  mapped[2] = {ticket, std::nullopt, other};
  mapped[3] = {};
  for (const auto& text : awkward_texts) {
    auto odd = sample(7);
    odd.external_link_display_name = text;
    odd.id_value = text;
    mapped[4].push_back(odd);
  }
  EXPECT_EQ(log_objects_json(mapped), dumped(mapping::to_log_objects(mapped)));
  EXPECT_TRUE(json::parse(log_objects_json(mapped)).is_object());
}

}  // namespace
}  // namespace tixsync::persistence
