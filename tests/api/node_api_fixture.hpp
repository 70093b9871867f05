// Shared by the node API tests: a real redis-server, the node API on an http_server on a free
// loopback port (no sync node runs, so what is enqueued stays put), a fake pretix (another
// http_server serving tests/data's event and orders), and small helpers for requests and Redis.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "api/http_server.hpp"
#include "api/json_response.hpp"
#include "api/node_api.hpp"
#include "persistence/queue_store.hpp"
#include "tests/api/pretix_stand_in.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::api::testing {

inline const std::string api_token = "test-token-123";
inline const std::string shop_token = "shop-token-456";
inline const std::string read_token = "read-token-789";
inline const std::string event_id = "nordlicht/ndd25";

/// The fake pretix: the event of tests/data/event.json (or `bundle`) and the orders of
/// orders.jsonl (or `orders`), behind "Authorization: Token <shop_token>", answered as pretix does
/// (pretix_stand_in.hpp); `status_override` answers every request with that status,
/// `rate_limited` with 429 and "Retry-After: 30", `delay` holds every answer back that long, and
/// `intercept` answers what it chooses to.
/// The order list (…/orders/?modified_since=…) and the organizer's event list are served too;
/// tests change orders with touch_order (pretix bumps last_modified) and count the list requests.
class fake_pretix {
 public:
  explicit fake_pretix(
      nlohmann::json bundle = nlohmann::json::parse(tixsync::testing::read_test_data("event.json")),
      std::vector<std::string> orders = tixsync::testing::read_test_data_lines("orders.jsonl"))
      : resources_(std::move(bundle), "/api/v1/organizers/nordlicht/events/ndd25/") {
    for (const auto& line : orders) {
      auto order = nlohmann::json::parse(line);
      const auto code = order["code"].get<std::string>();
      orders_[code] = std::move(order);
    }
    router routes;
    routes.add_sync("GET", "/api/v1/organizers/{org}/events/{ev}/{rest...}",
                    [this](const http_request& r) { return answer(r); });
    routes.add_sync("GET", "/api/v1/organizers/{org}/events/",
                    [this](const http_request& r) { return answer_events(r); });
    server_ = std::make_unique<http_server>(server_options{}, std::move(routes));
    server_->start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::atomic<int> status_override{0};
  std::atomic<int> requests{0};
  std::atomic<bool> rate_limited{false};
  std::atomic<std::chrono::milliseconds> delay{std::chrono::milliseconds(0)};
  /// Answers a request in the stand-in's place when it returns one (set between requests).
  std::function<std::optional<http_response>(const http_request&)> intercept;

  /// Order list requests (…/orders/ without a code) answered, and when each came.
  std::atomic<int> list_requests{0};
  /// When > 0: that page of every order list is answered 500 (pretix failing mid-pages).
  std::atomic<int> failing_list_page{0};
  std::vector<std::chrono::steady_clock::time_point> list_request_times() {
    std::lock_guard<std::mutex> lock(mutex_);
    return list_times_;
  }

  /// Changes order `code` as pretix's backend would (`change` may be empty: a change of nothing
  /// the sync reads); pretix sets its last_modified to now.
  void touch_order(const std::string& code,
                   const std::function<void(nlohmann::json&)>& change = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& order = orders_.at(code);
    if (change) change(order);
    order["last_modified"] = pretix_event_resources::now_iso();
  }
  /// Adds `order` (keyed by its code).
  void add_order(nlohmann::json order) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto code = order["code"].get<std::string>();
    orders_[code] = std::move(order);
  }

  /// Sets event setting `key` of the served event.
  void set_setting(const std::string& key, nlohmann::json value) {
    std::lock_guard<std::mutex> lock(mutex_);
    resources_.set_setting(key, std::move(value));
  }

 private:
  http_response answer(const http_request& r) {
    ++requests;
    // Bounded: the tests set delays of a few seconds at most.
    std::this_thread::sleep_for(delay.load());
    if (status_override) return error_response(status_override, "forced");
    if (rate_limited) {
      auto limited =
          error_response(429, "Request was throttled. Expected available in 30 seconds.");
      limited.set_header("Retry-After", "30");
      return limited;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (intercept) {
      if (auto scripted = intercept(r)) return *scripted;
    }
    if (r.header("Authorization").value_or("") != "Token " + shop_token) {
      return error_response(401, "Invalid token.");
    }
    if (r.param("org") != "nordlicht" || r.param("ev") != "ndd25")
      return error_response(404, "Not found.");
    const std::string& rest = r.param("rest");
    if (auto resource = resources_.answer(rest, r, url())) return *resource;
    if (rest == "orders/") return answer_order_list(r);
    if (rest.rfind("orders/", 0) == 0) {
      std::string code = rest.substr(7);
      if (!code.empty() && code.back() == '/') code.pop_back();
      auto it = orders_.find(code);
      if (it != orders_.end()) {
        return http_response::text(200, pretix_event_resources::order_as_served(it->second, r),
                                   "application/json");
      }
    }
    return error_response(404, "Not found.");
  }
  /// The order list; called with mutex_ held.
  http_response answer_order_list(const http_request& r) {
    const std::string generated = pretix_event_resources::now_iso();
    ++list_requests;
    list_times_.push_back(std::chrono::steady_clock::now());
    const int failing = failing_list_page.load();
    if (failing > 0 && r.query_param("page").value_or("1") == std::to_string(failing)) {
      return error_response(500, "Internal Server Error");
    }
    std::vector<nlohmann::json> orders;
    for (const auto& [code, order] : orders_) orders.push_back(order);
    return pretix_event_resources::order_list(
        std::move(orders), r, url() + "/api/v1/organizers/nordlicht/events/ndd25/orders/",
        generated);
  }
  /// The organizer's events: the one event served, in one page.
  http_response answer_events(const http_request& r) {
    ++requests;
    if (r.header("Authorization").value_or("") != "Token " + shop_token) {
      return error_response(401, "Invalid token.");
    }
    if (r.param("org") != "nordlicht") return error_response(404, "Not found.");
    std::lock_guard<std::mutex> lock(mutex_);
    return pretix_event_resources::json(
        {{"count", 1}, {"next", nullptr}, {"previous", nullptr}, {"results", {resources_.event()}}});
  }
  std::vector<std::chrono::steady_clock::time_point> list_times_;
  std::mutex mutex_;  // the served event against set_setting
  pretix_event_resources resources_;
  std::map<std::string, nlohmann::json> orders_;
  std::unique_ptr<http_server> server_;
};

/// The node API over a fresh Redis: providers "crm" (every trigger) and "diet" (order_placed).
class node_api_test : public ::testing::Test {
 protected:
  void SetUp() override { start_api(api_token, ""); }

  void start_api(const std::string& token, const std::string& shop_url,
                 server_options server = {}) {
    server_.reset();
    api_.reset();
    node_api_options o;
    o.node_name = "test-node";
    o.providers = {{"crm", "Example CRM", "example", true}, {"diet", "Diet list", "example", true}};
    // "crm" takes every trigger but order_comment (so some actions are taken by nobody).
    o.providers_for = [](const std::string&, const std::string& trigger) {
      if (trigger == "order_comment") return std::vector<std::string>{};
      std::vector<std::string> out{"crm"};
      if (trigger.empty() || trigger == "order_placed") out.push_back("diet");
      return out;
    };
    o.redis = connection();
    o.api_token = token;
    o.read_token = read_token;
    o.shop_url = shop_url;
    o.shop_organizer = "nordlicht";
    o.shop_token = shop_token;
    o.shop_timeout = std::chrono::milliseconds(5000);
    o.node_stats = [this] {
      node_counters c;
      c.orders_synced = synced;
      return c;
    };
    o.guards = guards;
    if (tweak_options) tweak_options(o);
    o.node_state = [this] {
      std::lock_guard<std::mutex> lock(state_mutex);
      return state;
    };
    api_ = std::make_unique<node_api>(std::move(o));
    server_ = std::make_unique<http_server>(server, api_->routes());
    server_->start();
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (api_) api_->stop();
  }

  persistence::connection_options connection() const {
    persistence::connection_options c;
    c.host = "127.0.0.1";
    c.port = redis_.port();
    c.connect_attempts = 1;
    c.command_timeout = std::chrono::milliseconds(2000);
    return c;
  }

  /// A GET with `token` as bearer (none when empty).
  tixsync::testing::fetch_response get(const std::string& target,
                                       const std::string& token = api_token) {
    tixsync::testing::http_headers headers;
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return tixsync::testing::fetch("GET", server_->port(), target, "", headers);
  }
  tixsync::testing::fetch_response post(const std::string& target, const std::string& body,
                                        const std::string& token = api_token) {
    tixsync::testing::http_headers headers{{"Content-Type", "application/json"}};
    if (!token.empty()) headers.emplace_back("Authorization", "Bearer " + token);
    return tixsync::testing::fetch("POST", server_->port(), target, body, headers);
  }
  static nlohmann::json json_of(const tixsync::testing::fetch_response& r) {
    return nlohmann::json::parse(r.body, nullptr, false);
  }
  /// Items of a provider's queue, all states.
  std::int64_t queued(const std::string& provider) {
    persistence::redis_connection c(connection());
    persistence::queue_store q(c);
    auto counts = q.count(provider, 0);
    EXPECT_TRUE(counts.ok());
    return counts.ok() ? counts->total() : -1;
  }
  std::vector<std::string> orders() {
    return tixsync::testing::read_test_data_lines("orders.jsonl");
  }
  std::string order_path(const std::string& query = "") {
    return "/api/v1/events/nordlicht/ndd25/orders" + query;
  }

  tixsync::testing::redis_server redis_;
  std::unique_ptr<node_api> api_;
  std::unique_ptr<http_server> server_;
  std::atomic<std::uint64_t> synced{0};
  std::mutex state_mutex;
  std::string state = "running";
  /// Changes start_api() makes to the options last (e.g. other providers, resync limits).
  std::function<void(node_api_options&)> tweak_options;
  /// The HTTP providers' guards start_api() passes on.
  std::vector<std::pair<std::string, std::shared_ptr<providers::guard::guarded_provider>>> guards;
};

}  // namespace tixsync::api::testing
