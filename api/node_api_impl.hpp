// Internal to the node API: the state its route files share (options, worker pool, pretix client,
// metrics, rates) and the helpers every handler uses (auth, Redis work off the I/O threads, error
// mapping, JSON views of queue items). Not for use outside api/*_routes.cpp and node_api.cpp.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/api_worker_pool.hpp"
#include "api/http_message.hpp"
#include "api/node_api.hpp"
#include "api/pretix_client.hpp"
#include "api/responder.hpp"
#include "persistence/provider_pause.hpp"
#include "persistence/queue_types.hpp"
#include "providers/latency_histogram.hpp"

namespace tixsync::providers::http {
class http_client;
class request_tally;
}

namespace tixsync::api {

/// The park reasons and object actions the sync counters know, in their label order.
inline constexpr std::array<const char*, 5> park_reason_names = {"exceeded", "permanent", "config",
                                                                 "internal", "timeout"};
inline constexpr std::array<const char*, 6> object_action_names = {
    "created", "updated", "nothing_to_do", "synced", "unchanged", "empty"};

/// Counters and histograms of one provider held by the API (relaxed atomics, lock-free).
struct provider_metrics {
  std::atomic<std::uint64_t> enqueued{0};  ///< queue items created or updated through the API
  providers::latency_histogram sync_latency;
  std::atomic<std::uint64_t> synced{0};   ///< orders this node synced
  std::atomic<std::uint64_t> retried{0};  ///< orders this node rescheduled
  std::array<std::atomic<std::uint64_t>, park_reason_names.size()> parked{};     ///< by reason
  std::array<std::atomic<std::uint64_t>, object_action_names.size()> objects{};  ///< by action
};

/// A cached event bundle fetched from pretix.
struct cached_event {
  std::string bundle;
  std::chrono::steady_clock::time_point fetched;
};

struct resync_job;       // api/resync_routes.cpp
class catch_up_poller;  // api/catch_up_poller.hpp

struct node_api::impl {
  explicit impl(node_api_options o);

  node_api_options options;
  persistence::key_space keys;
  api_worker_pool pool;
  std::unique_ptr<providers::http::http_client> shop_client;
  /// The shop client's requests by outcome (tixsync_pretix_requests_total).
  std::shared_ptr<providers::http::request_tally> shop_requests;
  /// Fetches from pretix that failed, by pretix_failure (tixsync_pretix_fetch_failures_total).
  std::array<std::atomic<std::uint64_t>, pretix_failure_names.size()> pretix_failures{};
  /// One entry per configured provider, fixed at construction (lock-free lookups).
  std::map<std::string, std::unique_ptr<provider_metrics>> metrics;
  providers::latency_histogram redis_round_trip;       ///< the API's own connections
  providers::latency_histogram node_redis_round_trip;  ///< the sync node's connections
  std::atomic<std::uint64_t> webhooks_received{0};

  std::mutex rate_mutex;
  std::int64_t rate_at_ms = 0;
  std::uint64_t rate_synced = 0;
  std::uint64_t rate_enqueued = 0;
  double synced_rate = 0;
  double enqueued_rate = 0;

  std::mutex event_mutex;
  std::map<std::string, cached_event> events;

  /// Resyncs from pretix by id (the newest ones kept), for GET /api/v1/resync/{id}.
  std::mutex resync_mutex;
  std::map<std::string, std::shared_ptr<resync_job>> resync_jobs;
  std::uint64_t resync_started = 0;

  /// The alert sender's counters (node_api::set_alert_stats); empty without [alerts].
  std::mutex alerts_mutex;
  std::function<alerts::sender_stats()> alert_stats;

  /// Polls pretix for orders whose webhooks were lost; null when [shop] catch_up is off.
  std::unique_ptr<catch_up_poller> catch_up;

  const api_provider* find_provider(const std::string& id) const;
  /// The metrics of a configured provider, or null.
  provider_metrics* metrics_of(const std::string& id) const;
  node_counters counters() const;
  std::uint64_t enqueued_total() const;
  /// Counts created-or-updated items per provider after an enqueue.
  void count_enqueued(const std::vector<persistence::enqueue_request>& requests);

  /// True when the request may change things; otherwise answers 401/403 and returns false.
  bool authorize(const http_request& request, const responder& reply, bool query_token) const;
  /// True when the request may read (the read or the API token as bearer); otherwise answers
  /// 401 (no token sent) or 403 (a wrong one, or none configured) and returns false.
  bool authorize_read(const http_request& request, const responder& reply) const;
  /// True when the request carries `expected` (not empty) as a bearer token (or, with
  /// `query_token`, as ?token=); otherwise answers 401 naming the token (`name`, e.g. "API
  /// token") and returns false.
  bool carries_token(const http_request& request, const responder& reply,
                     const std::string& expected, const std::string& name, bool query_token) const;
  /// Runs `work` on a Redis worker and sends what it returns; 503 when the pool is full.
  void on_redis(const responder& reply, std::function<http_response(redis_worker& worker)> work);
  void log(const std::string& message) const;
  /// Counts a failed fetch from pretix by its reason (for callers that log it themselves).
  void count_pretix_failure(const pretix_answer& answer);
  /// Counts a failed fetch from pretix by its reason and logs one line "<context>: <what>:
  /// <why> (reason <reason>)"; returns <why> (pretix_failure_reason).
  std::string pretix_failed(const std::string& context, const std::string& what,
                            const pretix_answer& answer);
};

/// Unix milliseconds now.
std::int64_t unix_ms_now();
/// "2025-05-03T10:03:27Z" for unix milliseconds; null for 0.
nlohmann::json iso_time_or_null(std::int64_t ms);
/// The error answer for a failed persistence call: 400 bad identifiers/arguments, 404 not found,
/// 409 in flight, 503 Redis trouble; `doing` says what was attempted.
http_response persistence_error(const persistence::status& status, const std::string& doing);
/// A queue item as the jobs endpoints show it.
nlohmann::json item_json(const persistence::queue_item& item);
/// The body as a JSON value, or an answered 400 (nullopt). Refuses nesting deeper than 64.
std::optional<nlohmann::json> json_body(const http_request& request, const responder& reply);
/// 400 naming `where`.
http_response bad_request(const std::string& where, const std::string& what);
/// "organizer/event" from route parameters after checking both slugs; "" and `problem` set
/// when one is invalid.
std::string event_id_of(const std::string& organizer, const std::string& event,
                        std::string& problem);

void add_health_routes(router& routes, node_api::impl& api);
void add_ingest_routes(router& routes, node_api::impl& api);
void add_webhook_routes(router& routes, node_api::impl& api);
void add_event_refresh_routes(router& routes, node_api::impl& api);
void add_jobs_routes(router& routes, node_api::impl& api);
void add_order_routes(router& routes, node_api::impl& api);
void add_overview_routes(router& routes, node_api::impl& api);
void add_metrics_routes(router& routes, node_api::impl& api);
void add_resync_routes(router& routes, node_api::impl& api);
void add_catch_up_routes(router& routes, node_api::impl& api);
void add_dashboard_routes(router& routes, node_api::impl& api);
void add_forget_routes(router& routes, node_api::impl& api);
void add_provider_pause_routes(router& routes, node_api::impl& api);
/// A provider's pause as the API shows it: null, or {"reason", "who", "since"}.
nlohmann::json pause_json(const persistence::pause_state& pause);
/// Puts authorize_read in front of every GET route except health, the dashboard's files and,
/// with open_metrics, /metrics.
void require_read_token(router& routes, node_api::impl& api);

}  // namespace tixsync::api

namespace tixsync::api {

/// One order to put into the queues of the providers that take it (the orders endpoint, the
/// webhook, sync-now).
struct order_enqueue {
  std::string event_id;  ///< "org/slug"
  std::string code;
  std::string trigger;
  std::optional<std::int64_t> not_before_ms;
  std::optional<std::string> order_json;  ///< stored as the order snapshot when set
  std::vector<std::string> providers;     ///< the providers to queue for
};

/// Enqueues `order` for each of its providers in one call; 202 with what was done, or the
/// persistence error. Counts tixsync_orders_enqueued_total.
http_response enqueue_order(node_api::impl& api, redis_worker& worker, const order_enqueue& order);

/// Checks the order JSON with the mapping reader (thread-local); "" when it is a valid order of
/// `event_slug`, else what is wrong and where. Sets `code` to the order's code.
std::string check_order_json(const std::string& json, const std::string& event_slug,
                             std::string& code);

/// The orders of a pretix list page (`results`) as queue items of `providers` with `trigger`, each
/// order's JSON as its snapshot (written with the first provider's item). An entry that is not an
/// order of the event `event_id` ("org/slug") is left out, its problem ("results[i]: ...") added
/// to `problems`.
std::vector<persistence::enqueue_request> order_page_requests(
    const nlohmann::json& results, const std::string& event_id, const std::string& trigger,
    const std::vector<std::string>& providers, std::vector<std::string>& problems);

}  // namespace tixsync::api
