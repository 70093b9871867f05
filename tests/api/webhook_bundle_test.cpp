// An order that arrives by pretix's webhook is evaluated exactly as the same order fed with its
// event bundle (`run --feed-event`): the webhook path fetches the event, its settings, every page
// of items, questions (more than one page here) and check-in lists, the vouchers and sub-events
// the order references by id, and the order with its individually cancelled positions. The
// stand-in pretix answers as pretix does (pretix_stand_in.hpp). Also: the event refreshed on
// demand, and a webhook whose fetch meets pretix's rate limit or outlasts the fetch timeout.
#include <mutex>
#include <set>
#include <thread>

#include "mapping/order_reader.hpp"
#include "mapping/source_fields.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

/// tests/data's event with 55 more questions (two pages of questions) and a sub-event.
nlohmann::json test_bundle() {
  auto bundle = nlohmann::json::parse(tixsync::testing::read_test_data("event.json"));
  for (int i = 0; i < 55; ++i) {
    bundle["questions"].push_back({{"id", 900 + i},
                                   {"question", {{"en", "Extra " + std::to_string(i)}}},
                                   {"type", "S"},
                                   {"required", false},
                                   {"items", {101}},
                                   {"position", 10 + i},
                                   {"identifier", "EXTRA" + std::to_string(i)},
                                   {"ask_during_checkin", false},
                                   {"hidden", false},
                                   {"dependency_question", nullptr},
                                   {"dependency_values", nlohmann::json::array()},
                                   {"options", nlohmann::json::array()}});
  }
  bundle["subevents"].push_back(day_two_sub_event());
  return bundle;
}

/// tests/data's orders; Q7DKL's attendee is Anna / von Berg, V8KDW's position is on sub-event 701.
std::vector<std::string> test_orders() {
  std::vector<std::string> out;
  for (const auto& line : tixsync::testing::read_test_data_lines("orders.jsonl")) {
    auto order = nlohmann::json::parse(line);
    auto& first = order["positions"][0];
    if (order["code"] == "Q7DKL") {
      first["attendee_name"] = "Anna von Berg";
      first["attendee_name_parts"]["family_name"] = "von Berg";
    }
    if (order["code"] == "V8KDW") first["subevent"] = 701;
    out.push_back(order.dump());
  }
  return out;
}

/// Every catalogue field of every position of `order_text` evaluated against `bundle_text`:
/// {"<position id>": {"<field>": value or "error: ..."}}.
nlohmann::json field_values(const std::string& bundle_text, const std::string& order_text) {
  mapping::order_reader reader;
  mapping::event_bundle event;
  mapping::order order;
  mapping::read_error error;
  if (!reader.read_event_bundle(bundle_text, event, error)) return "bundle: " + error.to_string();
  if (!reader.read_order(order_text, order, error)) return "order: " + error.to_string();
  const mapping::field_catalogue catalogue(event);
  const mapping::evaluation_context context;
  nlohmann::json out = nlohmann::json::object();
  for (const auto& position : order.positions) {
    mapping::field_inputs inputs{&order, &position, &event, nullptr, &context};
    if (position.subevent) inputs.subevent = event.find_subevent(*position.subevent);
    auto& values = out[std::to_string(position.id)];
    for (const auto& field : catalogue.fields()) {
      try {
        values[field.key] = field.get(inputs);
      } catch (const std::exception& e) {
        values[field.key] = std::string("error: ") + e.what();
      }
    }
  }
  return out;
}

class webhook_bundle_test : public node_api_test {
 protected:
  void SetUp() override { start_api(api_token, pretix_.url()); }

  /// Delivers pretix's webhook for `code`; the stored event bundle and order.
  std::pair<std::string, std::string> by_webhook(const std::string& code) {
    auto r = post("/webhooks/pretix", nlohmann::json{{"notification_id", ++notification_},
                                                     {"organizer", "nordlicht"},
                                                     {"event", "ndd25"},
                                                     {"code", code},
                                                     {"action", "pretix.event.order.paid"}}
                                          .dump());
    EXPECT_EQ(r.status, 200) << r.body;
    persistence::redis_connection c(connection());
    persistence::snapshot_store snapshots(c);
    auto event = snapshots.get_event(event_id);
    auto order = snapshots.get_order(event_id, code);
    if (!event.ok() || !event->has_value() || !order.ok() || !order->has_value()) return {};
    return {**event, **order};
  }
  /// The values of `code`'s positions by webhook, after checking they equal the feed path's.
  nlohmann::json by_both_paths(const std::string& code) {
    const auto [bundle, order] = by_webhook(code);
    std::string fed;
    for (const auto& line : orders_) {
      if (nlohmann::json::parse(line)["code"] == code) fed = line;
    }
    const auto by_feed = field_values(bundle_.dump(), fed);
    const auto by_hook = field_values(bundle, order);
    EXPECT_EQ(by_hook, by_feed) << code;
    return by_hook;
  }

  nlohmann::json bundle_ = test_bundle();
  std::vector<std::string> orders_ = test_orders();
  fake_pretix pretix_{bundle_, orders_};
  int notification_ = 0;
};

TEST_F(webhook_bundle_test, an_order_by_webhook_keeps_its_individually_cancelled_position) {
  const auto [bundle, order] = by_webhook("U7JCV");
  const auto positions = nlohmann::json::parse(order)["positions"];
  ASSERT_EQ(positions.size(), 2u) << order;
  EXPECT_EQ(positions[1]["canceled"], true);
  EXPECT_EQ(by_both_paths("U7JCV")["10102"]["ticket_status"], nlohmann::json::array({"c"}));
}

TEST_F(webhook_bundle_test, the_bundle_has_the_settings_and_every_page_of_the_lists) {
  const auto bundle = nlohmann::json::parse(by_webhook("K3ZPA").first);
  EXPECT_EQ(bundle["settings"]["name_scheme"], "given_family");
  EXPECT_EQ(bundle["settings"]["locales"], nlohmann::json::array({"en", "de"}));
  EXPECT_FALSE(bundle["settings"].contains("contact_mail"));
  EXPECT_EQ(bundle["questions"].size(), 58u);
  EXPECT_EQ(bundle["checkinlists"].size(), 2u);
  EXPECT_EQ(bundle["items"], bundle_["items"]);
  std::set<std::string> keys;
  for (const auto& [key, value] : bundle.items()) keys.insert(key);
  std::set<std::string> sample_keys;
  for (const auto& [key, value] : bundle_.items()) {
    if (key != "_about") sample_keys.insert(key);
  }
  EXPECT_EQ(keys, sample_keys);
}

TEST_F(webhook_bundle_test, given_and_family_names_follow_the_events_scheme) {
  const auto values = by_both_paths("Q7DKL")["10061"];
  EXPECT_EQ(values["attendee_name_given_name"], "Anna");
  EXPECT_EQ(values["attendee_name_family_name"], "von Berg");
}

TEST_F(webhook_bundle_test, a_checkin_date_evaluates) {
  const auto values = by_both_paths("S9GMT")["10081"];
  ASSERT_TRUE(values["checkin_date_501"].is_string()) << values.dump();
  EXPECT_NE(values["checkin_date_501"].get<std::string>().find("+00:00"), std::string::npos);
}

TEST_F(webhook_bundle_test, a_voucher_code_evaluates_with_the_voucher_fetched_by_id) {
  EXPECT_EQ(by_both_paths("R8FNS")["10071"]["voucher_code"], "SPEAKER25");
  // Known now: the next order with it fetches no voucher again.
  const int before = pretix_.requests;
  by_webhook("R8FNS");
  EXPECT_EQ(pretix_.requests - before, 1);
}

TEST_F(webhook_bundle_test, a_sub_event_date_evaluates_with_the_sub_event_fetched_by_id) {
  EXPECT_EQ(by_both_paths("V8KDW")["10111"]["event_date_from"], "2025-09-19T06:00:00+00:00");
}

TEST_F(webhook_bundle_test, every_test_order_evaluates_as_by_the_feed) {
  for (const auto& line : orders_) by_both_paths(nlohmann::json::parse(line)["code"]);
}

TEST_F(webhook_bundle_test, the_event_is_fetched_again_after_the_refresh_time) {
  tweak_options = [](node_api_options& o) { o.event_cache_ttl = std::chrono::milliseconds(1); };
  start_api(api_token, pretix_.url());
  by_webhook("K3ZPA");
  const int before = pretix_.requests;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  by_webhook("L7QXM");
  // The order, the event, its settings, two pages of questions, items, check-in lists.
  EXPECT_EQ(pretix_.requests - before, 7);
}

/// The webhook and the refresh with a node whose log lines are kept.
class pretix_refresh_test : public webhook_bundle_test {
 protected:
  void SetUp() override {
    tweak_options = [this](node_api_options& o) {
      o.shop_timeout = shop_timeout_;
      o.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mutex_);
        log_ += line + "\n";
      };
    };
    webhook_bundle_test::SetUp();
  }
  std::string log_text() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }
  tixsync::testing::fetch_response webhook(const std::string& code) {
    return post("/webhooks/pretix", nlohmann::json{{"notification_id", ++notification_},
                                                   {"organizer", "nordlicht"},
                                                   {"event", "ndd25"},
                                                   {"code", code},
                                                   {"action", "pretix.event.order.paid"}}
                                        .dump());
  }
  std::chrono::milliseconds shop_timeout_{5000};
  std::mutex log_mutex_;
  std::string log_;
};

const std::string refresh_path = "/api/v1/events/nordlicht/ndd25/refresh";

TEST_F(pretix_refresh_test, a_refresh_makes_the_next_webhook_order_use_the_new_name_scheme) {
  by_webhook("K3ZPA");
  pretix_.set_setting("name_scheme", "title_given_family");
  // Cached: without a refresh the changed scheme waits for [shop] event_refresh.
  auto [bundle, order] = by_webhook("Q7DKL");
  EXPECT_FALSE(field_values(bundle, order)["10061"].contains("attendee_name_title"));

  auto r = post(refresh_path, "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["event"], event_id);
  EXPECT_EQ(json_of(r)["items"], bundle_["items"].size());
  EXPECT_EQ(json_of(r)["questions"], 58);
  EXPECT_EQ(json_of(r)["checkinlists"], 2);

  std::tie(bundle, order) = by_webhook("Q7DKL");
  EXPECT_EQ(nlohmann::json::parse(bundle)["settings"]["name_scheme"], "title_given_family");
  const auto values = field_values(bundle, order)["10061"];
  EXPECT_EQ(values["attendee_name_title"], "") << values.dump();
  EXPECT_EQ(values["attendee_name_given_name"], "Anna");
  EXPECT_EQ(values["attendee_name_family_name"], "von Berg");
}

TEST_F(pretix_refresh_test, a_refresh_is_refused_without_the_token_or_for_another_organizer) {
  EXPECT_EQ(post(refresh_path, "{}", "").status, 401);
  EXPECT_EQ(post("/api/v1/events/nordlicht/%2E%2E/refresh", "{}").status, 400);
  auto r = post("/api/v1/events/other/ndd25/refresh", "{}");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("not the configured shop organizer"), std::string::npos) << r.body;
  EXPECT_EQ(pretix_.requests, 0);
}

TEST_F(pretix_refresh_test, a_refresh_pretix_refuses_answers_503_and_keeps_the_stored_event) {
  const auto [before, order] = by_webhook("K3ZPA");
  pretix_.rate_limited = true;
  auto r = post(refresh_path, "{}");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("rate limiting the shop token (HTTP 429, Retry-After: 30)"),
            std::string::npos)
      << r.body;
  persistence::redis_connection c(connection());
  auto stored = persistence::snapshot_store(c).get_event(event_id);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, before);
}

TEST_F(pretix_refresh_test, a_webhook_whose_fetch_meets_a_429_answers_503_and_enqueues_nothing) {
  pretix_.rate_limited = true;
  auto r = webhook("K3ZPA");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("nothing was enqueued"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("HTTP 429, Retry-After: 30"), std::string::npos) << r.body;
  EXPECT_NE(log_text().find("webhook for order nordlicht/ndd25/K3ZPA: fetching the order: pretix "
                            "is rate limiting the shop token"),
            std::string::npos)
      << log_text();
  EXPECT_EQ(queued("crm"), 0);
  // pretix's retry, once it no longer limits, is handled.
  pretix_.rate_limited = false;
  EXPECT_EQ(webhook("K3ZPA").status, 200);
  EXPECT_EQ(queued("crm"), 1);
}

TEST_F(pretix_refresh_test, a_webhook_whose_fetch_outlasts_the_timeout_answers_503_with_why) {
  shop_timeout_ = std::chrono::milliseconds(300);
  start_api(api_token, pretix_.url());
  pretix_.delay = std::chrono::milliseconds(1500);
  auto r = webhook("K3ZPA");
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("did not finish within the total timeout of 300 ms"), std::string::npos)
      << r.body;
  EXPECT_NE(log_text().find("webhook for order nordlicht/ndd25/K3ZPA: fetching the order: timeout"),
            std::string::npos)
      << log_text();
  EXPECT_EQ(queued("crm"), 0);
}

}  // namespace
}  // namespace tixsync::api::testing
