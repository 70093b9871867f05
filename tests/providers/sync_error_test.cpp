// Tests for sync_error: names, the error category, the JSON form, and to_sync_error's
// conversion of every exception a provider may throw.
#include "providers/sync_error.hpp"

#include <gtest/gtest.h>

#include "mapping/assign_properties.hpp"
#include "mapping/source_fields.hpp"

namespace tixsync::providers {
namespace {

sync_error convert(const std::function<void()>& thrower) {
  try {
    thrower();
  } catch (...) {
    return to_sync_error(std::current_exception());
  }
  throw std::logic_error("nothing was thrown");
}

TEST(sync_error_kind, names_round_trip) {
  for (auto kind :
       {sync_error_kind::recoverable, sync_error_kind::rate_limited, sync_error_kind::unrecoverable,
        sync_error_kind::config, sync_error_kind::internal, sync_error_kind::timeout}) {
    EXPECT_EQ(sync_error_kind_from_string(to_string(kind)), kind);
  }
  EXPECT_FALSE(sync_error_kind_from_string("fatal").has_value());
}

TEST(sync_error_kind, is_an_error_code_enum) {
  std::error_code code = sync_error_kind::config;
  EXPECT_TRUE(code);  // no kind is "success"
  EXPECT_EQ(code.category().name(), std::string("tixsync.sync"));
  EXPECT_EQ(code.message(), "config");
  EXPECT_EQ(code, make_error_code(sync_error_kind::config));
}

TEST(sync_error, group_and_summary) {
  sync_error error = make_sync_error(sync_error_kind::recoverable, "Service unavailable", "body");
  EXPECT_EQ(error.group(), "recoverable");
  error.signature = "http-503";
  EXPECT_EQ(error.group(), "http-503");
  error.messages.push_back("try later");
  EXPECT_EQ(error.summary(), "Service unavailable; try later");
  error.messages.clear();
  EXPECT_EQ(error.summary(), "body");
}

TEST(sync_error, json_round_trip) {
  sync_error error = make_sync_error(sync_error_kind::rate_limited, "slow down", "429", "http-429");
  error.retry_at = from_unix_ms(1'750'000'000'123);
  const sync_error back = sync_error_from_json(to_json(error));
  EXPECT_EQ(back.kind, error.kind);
  EXPECT_EQ(back.messages, error.messages);
  EXPECT_EQ(back.full_message, "429");
  EXPECT_EQ(back.retry_at, error.retry_at);
  EXPECT_EQ(back.signature, "http-429");
  EXPECT_EQ(to_json(error)["retry_at"], 1'750'000'000'123);
  EXPECT_THROW(sync_error_from_json(json{{"kind", "nope"}}), std::invalid_argument);
  EXPECT_THROW(sync_error_from_json(json::array()), std::invalid_argument);
}

TEST(to_sync_error, keeps_the_provider_exceptions) {
  const auto at = from_unix_ms(1'000);
  auto recoverable =
      convert([&] { throw recoverable_sync_error({"down"}, "503 body", at, "http-503"); });
  EXPECT_EQ(recoverable.kind, sync_error_kind::recoverable);
  EXPECT_EQ(recoverable.messages, std::vector<std::string>{"down"});
  EXPECT_EQ(recoverable.full_message, "503 body");
  EXPECT_EQ(recoverable.retry_at, at);
  EXPECT_EQ(recoverable.signature, "http-503");

  auto limited = convert([&] { throw rate_limited_sync_error(at); });
  EXPECT_EQ(limited.kind, sync_error_kind::rate_limited);
  EXPECT_EQ(limited.retry_at, at);
  EXPECT_EQ(limited.signature, "rate-limited");

  auto permanent = convert([] { throw unrecoverable_sync_error({"gone"}, "", "http-410"); });
  EXPECT_EQ(permanent.kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(permanent.signature, "http-410");

  auto any = convert([] { throw base_sync_error(make_sync_error(sync_error_kind::timeout, "t")); });
  EXPECT_EQ(any.kind, sync_error_kind::timeout);
}

TEST(to_sync_error, rate_limited_is_a_recoverable_exception) {
  try {
    throw rate_limited_sync_error(std::nullopt);
  } catch (const recoverable_sync_error& e) {
    EXPECT_EQ(e.error().kind, sync_error_kind::rate_limited);
  }
}

TEST(to_sync_error, config_errors_from_mapping_and_assign_properties) {
  auto config = convert([] { throw sync_config_error("Field \"x\" does not exist."); });
  EXPECT_EQ(config.kind, sync_error_kind::config);
  EXPECT_EQ(config.messages, std::vector<std::string>{"Field \"x\" does not exist."});
  auto mode = convert([] { throw mapping::invalid_update_mode("Invalid update mode"); });
  EXPECT_EQ(mode.kind, sync_error_kind::config);
}

TEST(to_sync_error, everything_else_is_internal_like_pretix) {
  auto field = convert([] { throw mapping::field_internal_error("bad email"); });
  EXPECT_EQ(field.kind, sync_error_kind::internal);
  EXPECT_TRUE(field.messages.empty());  // pretix: set_sync_error("internal", [], str(e))
  EXPECT_EQ(field.full_message, "bad email");
  auto other = convert([] { throw std::out_of_range("index"); });
  EXPECT_EQ(other.kind, sync_error_kind::internal);
  EXPECT_EQ(other.full_message, "index");
  auto foreign = convert([] { throw 42; });
  EXPECT_EQ(foreign.kind, sync_error_kind::internal);
  EXPECT_EQ(to_sync_error(nullptr).kind, sync_error_kind::internal);
}

}  // namespace
}  // namespace tixsync::providers
