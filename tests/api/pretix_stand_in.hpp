// The event resources of a stand-in pretix, answered as pretix answers them (pretix-formats.md
// §1-§3): the event, /settings/, paginated lists of items, questions and check-in lists (50 per
// page, count/next/previous/results), sub-events and vouchers by id only, 404 for unknown ids; and
// orders with the positions cancelled on their own hidden unless include_canceled_positions=true;
// the order list filtered by modified_since, with pretix's time in X-Page-Generated.
#pragma once

#include <algorithm>
#include <chrono>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/http_message.hpp"
#include "api/json_response.hpp"
#include "api/url_encoding.hpp"
#include "mapping/datetime.hpp"

namespace tixsync::api::testing {

/// Sub-event 701 of the fixture event ("Day two", 2025-09-19), as pretix serves a sub-event.
inline nlohmann::json day_two_sub_event() {
  return {{"id", 701},
          {"name", {{"en", "Day two"}}},
          {"event", "ndd25"},
          {"date_from", "2025-09-19T08:00:00+02:00"},
          {"date_to", nullptr},
          {"active", true},
          {"is_public", true}};
}

class pretix_event_resources {
 public:
  /// `bundle` has the layout of examples/sample-event.json; `event_path` is the event's API path
  /// ("/api/v1/organizers/nordlicht/events/ndd25/").
  pretix_event_resources(nlohmann::json bundle, std::string event_path)
      : bundle_(std::move(bundle)), event_path_(std::move(event_path)) {}

  static constexpr std::size_t page_size = 50;

  /// The event resource (…/events/<slug>/), as the organizer's event list holds it too.
  const nlohmann::json& event() const { return bundle_["event"]; }

  /// Sets event setting `key` (as an organizer changes it in pretix's backend).
  void set_setting(const std::string& key, nlohmann::json value) {
    bundle_["settings"][key] = std::move(value);
  }

  /// The answer to GET <event_path><rest> on `base_url`, or nullopt when `rest` is no event
  /// resource (orders are the caller's).
  std::optional<http_response> answer(const std::string& rest, const http_request& r,
                                      const std::string& base_url) const {
    if (rest.empty()) return json(bundle_["event"]);
    if (rest == "settings/") {
      // pretix answers every setting; a few that tixsync does not read stand for the rest.
      auto settings = bundle_["settings"];
      settings["contact_mail"] = "info@nordlicht.example";
      settings["imprint_url"] = nullptr;
      return json(settings);
    }
    for (const char* key : {"items", "questions", "checkinlists"}) {
      if (rest == std::string(key) + "/") return page_of(key, r, base_url);
    }
    for (const char* key : {"subevents", "vouchers"}) {
      const std::string prefix = std::string(key) + "/";
      if (rest.rfind(prefix, 0) != 0) continue;
      for (const auto& entry : bundle_[key]) {
        if (prefix + std::to_string(entry["id"].get<std::int64_t>()) + "/" == rest) {
          return json(entry);
        }
      }
      return error_response(404, "Not found.");
    }
    return std::nullopt;
  }

  /// `order` as pretix serves it for request `r`.
  static std::string order_as_served(nlohmann::json order, const http_request& r) {
    if (r.query_param("include_canceled_positions").value_or("") == "true") return order.dump();
    auto& positions = order["positions"];
    nlohmann::json kept = nlohmann::json::array();
    for (auto& p : positions) {
      if (!p.value("canceled", false)) kept.push_back(std::move(p));
    }
    positions = std::move(kept);
    return order.dump();
  }

  /// pretix's clock as it spells X-Page-Generated and last_modified: "2025-09-20T10:00:00.123456Z".
  static std::string now_iso() {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    const std::time_t seconds = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    char fraction[16];
    std::snprintf(fraction, sizeof fraction, ".%06lldZ", static_cast<long long>(us % 1000000));
    return std::string(text) + fraction;
  }

  /// GET …/orders/ as pretix answers it: the orders whose last_modified is at or after
  /// modified_since (pretix's filter is last_modified >= it; all orders without it), ordered by
  /// datetime (pretix's default ordering; then by code), 50 per page, each as order_as_served;
  /// `next` and `previous` keep the request's other query parameters; X-Page-Generated is
  /// `generated`, pretix's time when it began the answer. 400 for a modified_since that is no
  /// datetime, 404 for a page out of range.
  static http_response order_list(std::vector<nlohmann::json> orders, const http_request& r,
                                  const std::string& list_url, const std::string& generated) {
    if (auto since = r.query_param("modified_since")) {
      auto from = mapping::parse_datetime(*since);
      if (!from) return error_response(400, "modified_since: Enter a valid date/time.");
      orders.erase(std::remove_if(orders.begin(), orders.end(),
                                  [&](const nlohmann::json& o) {
                                    return *mapping::parse_datetime(o["last_modified"].get<std::string>()) < *from;
                                  }),
                   orders.end());
    }
    std::sort(orders.begin(), orders.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      return std::pair(*mapping::parse_datetime(a["datetime"].get<std::string>()), a["code"].get<std::string>()) <
             std::pair(*mapping::parse_datetime(b["datetime"].get<std::string>()), b["code"].get<std::string>());
    });
    const std::size_t page = std::stoul(r.query_param("page").value_or("1"));
    const std::size_t pages = std::max<std::size_t>(1, (orders.size() + page_size - 1) / page_size);
    if (page < 1 || page > pages) return error_response(404, "Invalid page.");
    std::string query;
    for (const auto& [name, value] : r.query) {
      if (name != "page") query += name + "=" + percent_encode(value) + "&";
    }
    auto link = [&](std::size_t n) -> nlohmann::json {
      if (n < 1 || n > pages) return nullptr;
      return list_url + "?" + query + "page=" + std::to_string(n);
    };
    nlohmann::json results = nlohmann::json::array();
    for (std::size_t i = (page - 1) * page_size; i < orders.size() && i < page * page_size; ++i) {
      results.push_back(nlohmann::json::parse(order_as_served(orders[i], r)));
    }
    auto answer = json({{"count", orders.size()},
                        {"next", link(page + 1)},
                        {"previous", link(page - 1)},
                        {"results", results}});
    answer.set_header("X-Page-Generated", generated);
    return answer;
  }

  static http_response json(const nlohmann::json& value) {
    return http_response::text(200, value.dump(), "application/json");
  }

 private:
  http_response page_of(const std::string& key, const http_request& r,
                        const std::string& base_url) const {
    const auto& all = bundle_[key];
    const std::size_t page = std::stoul(r.query_param("page").value_or("1"));
    const std::size_t pages = std::max<std::size_t>(1, (all.size() + page_size - 1) / page_size);
    if (page < 1 || page > pages) return error_response(404, "Invalid page.");
    nlohmann::json results = nlohmann::json::array();
    for (std::size_t i = (page - 1) * page_size; i < all.size() && i < page * page_size; ++i) {
      results.push_back(all[i]);
    }
    auto link = [&](std::size_t n) -> nlohmann::json {
      if (n < 1 || n > pages) return nullptr;
      return base_url + event_path_ + key + "/?page=" + std::to_string(n);
    };
    return json({{"count", all.size()},
                 {"next", link(page + 1)},
                 {"previous", link(page - 1)},
                 {"results", results}});
  }

  nlohmann::json bundle_;
  std::string event_path_;
};

}  // namespace tixsync::api::testing
