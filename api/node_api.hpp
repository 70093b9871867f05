// The node's HTTP API (docs/http-api.md): health and readiness, events and orders in, pretix's
// webhook, the queue's jobs with retry/cancel, order lookup, the dashboard's overview and files,
// and the Prometheus metrics. It only builds the routes; the caller runs them on an http_server.
// Redis work runs on its own worker pool and pretix is fetched with the async HTTP client, so no
// handler blocks an I/O thread. Beast, hiredis and the guard stay out of this header.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/node_stats.hpp"
#include "alerts/alert_stats.hpp"
#include "api/router.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::providers::guard {
class guarded_provider;
}

namespace tixsync::api {

/// One configured provider as the API shows it.
struct api_provider {
  std::string id;
  std::string display_name;
  std::string type;  ///< "example", "rest", "webhook", ...
  bool enabled = true;
};

/// The node's counters (sync_node::stats() of the running node; node-wide, not per provider):
/// the node's own struct, a plain header, so a new counter is added in one place.
using node_counters = actors::node_stats;

/// Everything the API needs from the node that runs it.
struct node_api_options {
  std::string node_name;
  std::vector<api_provider> providers;
  /// The enabled providers that take orders of `event` ("org/slug") for `trigger`.
  std::function<std::vector<std::string>(const std::string& event, const std::string& trigger)>
      providers_for;
  persistence::connection_options redis;
  std::string key_prefix = "tixsync";
  /// The bearer token of mutating requests; empty: every mutating request gets 403.
  std::string api_token;
  /// The token of POST /webhooks/pretix only (header or ?token=); the API token is then refused
  /// there. Empty: webhooks take the API token.
  std::string webhook_token;
  /// The read-only token: GETs that show orders, jobs, results, audit or events take it or the
  /// API token (bearer only). Both empty: those GETs get 403.
  std::string read_token;
  /// true: GET /metrics is open; false: it needs the read or the API token.
  bool open_metrics = false;
  /// pretix: base URL (https://pretix.example), the organizer it may fetch, and its API token.
  /// Without an organizer every webhook is refused (the shop token is not used for any
  /// organizer a webhook names).
  std::string shop_url;
  std::string shop_organizer;
  std::string shop_token;
  /// How long a fetched event bundle is reused for webhooks and resyncs ([shop] event_refresh);
  /// after it the next webhook fetches the event again.
  std::chrono::milliseconds event_cache_ttl{300000};
  /// How long a webhook's notification (notification_id of an order) is remembered in Redis:
  /// replays within it are answered 200 without fetching the order again.
  std::chrono::milliseconds webhook_coalesce_window{600000};
  /// Timeout of each request to pretix ([shop] fetch_timeout).
  std::chrono::milliseconds shop_timeout{10000};
  /// The largest answer read from pretix ([shop] max_response_bytes); larger ones fail as
  /// too_large.
  std::size_t shop_max_response_bytes = 16 * 1024 * 1024;
  /// Bounds of a resync that pages through pretix's orders: pages and total time.
  int resync_max_pages = 10000;
  std::chrono::milliseconds resync_time_limit{3600000};
  /// Catch-up of lost webhooks ([shop] catch_up): the interval of the polls of each event (0:
  /// off), the slugs of the shop organizer's events to poll (with `catch_up_all_events` every
  /// event pretix lists for the organizer instead), the backfill start of an event without a
  /// cursor (ISO datetime; "": its first poll only notes pretix's time), the lease of a poll
  /// (renewed while it pages) and a poll's bounds: pages and total time.
  std::chrono::milliseconds catch_up_interval{0};
  std::vector<std::string> catch_up_events;
  bool catch_up_all_events = false;
  std::string catch_up_from;
  std::chrono::milliseconds catch_up_lease{60000};
  int catch_up_max_pages = 2000;
  std::chrono::milliseconds catch_up_time_limit{1800000};
  /// The node's counters; empty: reported as zero.
  std::function<node_counters()> node_stats;
  /// "starting", "running" or "draining"; /readyz is 200 only when "running". Empty: "running".
  std::function<std::string()> node_state;
  /// The guards of the HTTP providers (circuit state, counters, request latency).
  std::vector<std::pair<std::string, std::shared_ptr<providers::guard::guarded_provider>>> guards;
  /// Threads of the Redis worker pool.
  int redis_threads = 2;
  /// Problems worth a log line (pretix unreachable, Redis errors); may be empty. Never secrets.
  std::function<void(const std::string& message)> log;
};

class node_api {
 public:
  /// Starts the Redis worker pool and the pretix client (no connection is made yet).
  explicit node_api(node_api_options options);
  /// stop().
  ~node_api();
  node_api(const node_api&) = delete;
  node_api& operator=(const node_api&) = delete;

  /// The routes of docs/http-api.md. They refer to this object: it must outlive the server
  /// that runs them (stop the server first).
  router routes();

  /// Records one order synced by `provider`, `latency` after it was enqueued
  /// (tixsync_sync_latency_seconds). Thread-safe, lock-free for known providers.
  void record_synced(const std::string& provider, std::chrono::microseconds latency);

  /// The sync node's events per provider (tixsync_orders_synced_total,
  /// tixsync_orders_retried_total, tixsync_orders_parked_total{reason},
  /// tixsync_objects_total{action}). Thread-safe, lock-free and allocation-free; unknown
  /// providers, park reasons and actions are ignored.
  void record_order_synced(const std::string& provider);
  void record_order_retried(const std::string& provider);
  /// `reason`: a park state ("exceeded", "permanent", "config", "internal", "timeout").
  void record_order_parked(const std::string& provider, std::string_view reason);
  /// `action`: "created", "updated", "nothing_to_do", "synced", "unchanged" or "empty".
  void record_object(const std::string& provider, std::string_view action);

  /// Whose Redis connection a round trip was made on (the `client` label).
  enum class redis_client { api, node };
  /// Records one Redis round trip (tixsync_redis_roundtrip_seconds{client}); for
  /// connection_options::round_trip observers. The API's own connections report as `api`
  /// by themselves. Thread-safe.
  void record_redis_round_trip(std::chrono::microseconds duration,
                               redis_client client = redis_client::node);

  /// Where /metrics reads the alert webhook's delivery counters (tixsync_alerts_*); until it is
  /// set, as without [alerts], /metrics has no such lines. Thread-safe.
  void set_alert_stats(std::function<alerts::sender_stats()> stats);

  /// Finishes queued Redis work and stops the pretix client. Call after the server stopped.
  void stop();

  struct impl;

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::api
