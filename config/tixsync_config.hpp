// The configuration of a tixsync node as a plain struct: Redis, node, HTTP, shop, log and the
// providers with their mappings, retry policy, limits and type-specific settings. Filled by
// load_config (config_loader.hpp); secrets are resolved from the environment, never from the file.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/order_filter.hpp"
#include "config/retry_settings.hpp"
#include "config/secret.hpp"
#include "mapping/mapping_definition.hpp"

namespace tixsync::config {

/// Where a value came from in the config file (1-based line and column; 0 when unknown).
struct source_location {
  std::string file;
  int line = 0;
  int column = 0;
  /// "FILE:LINE:COLUMN".
  std::string to_string() const;
};

/// A Redis Sentinel's address as written in [redis] sentinels ("host:port").
struct sentinel_entry {
  std::string host;
  int port = 26379;
};

struct redis_section {
  /// No [redis] section: a later release starts its own redis-server ("embedded" mode).
  bool embedded = true;
  std::string url = "redis://127.0.0.1:6379/0";
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  ///< set for unix:// URLs
  int database = 0;
  std::string prefix = "tixsync";
  std::string password_env;  ///< name of the variable holding the password ("" = none)
  secret password;           ///< from password_env, or from the URL
  std::string username;      ///< ACL user (AUTH username password); "" = the default user
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds command_timeout{2000};
  /// Redis Sentinels that name the master `master_name` (instead of a url); empty: none.
  std::vector<sentinel_entry> sentinels;
  source_location sentinels_location;  ///< of the `sentinels` value
  std::string master_name;
  std::string sentinel_password_env;  ///< the sentinels' password variable ("" = none)
  secret sentinel_password;
  /// Replicas that must confirm an enqueue or completion before it is acknowledged (WAIT);
  /// default 1 with sentinels, else 0.
  int min_replicas_acked = 0;
  std::chrono::milliseconds replica_ack_timeout{2000};
  /// How long a call waits for a new master during a failover.
  std::chrono::milliseconds failover_timeout{20000};
};

struct node_section {
  std::string name;  ///< default: the host name
  int concurrency = 64;
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds grace{10000};  ///< drain time at shutdown
  int claim_batch = 32;
  /// Actor scheduler threads; 0: half the cores, 1 to 4 (actors::actor_threads_for).
  int scheduler_threads = 0;
  /// Threads (each with its own Redis connection) of the queue work; 0: 1 on a machine of at
  /// most 2 cores, else 2 (actors::store_threads_for).
  int store_threads = 0;
};

/// [http]: the node's HTTP listener (API, webhooks, dashboard, metrics; docs/http-api.md).
struct http_section {
  bool enabled = true;      ///< false: the node serves no HTTP
  bool configured = false;  ///< the file has an [http] table (a bind failure is then fatal)
  std::string listen = "127.0.0.1";
  int port = 8080;  ///< 0: a free port is chosen (printed at start)
  std::string api_token_env;
  secret api_token;
  /// The token pretix's webhooks carry (POST /webhooks/pretix only); unset: the API token.
  std::string webhook_token_env;
  secret webhook_token;
  /// A read-only token: every GET that shows orders, jobs, results, audit or events takes it
  /// (or the API token); unset: reads take the API token only.
  std::string read_token_env;
  secret read_token;
  /// true: GET /metrics needs no token (a scraper that cannot send one).
  bool open_metrics = false;
  int max_body = 1024 * 1024;                        ///< bytes; larger request bodies get 413
  std::chrono::milliseconds request_timeout{10000};  ///< a request must arrive within this
  int threads = 2;                                   ///< I/O threads of the listener
  int redis_threads = 2;                             ///< threads doing the API's Redis work
  /// Connections the listener serves at once (more get 503); 0: derived from the open-file
  /// limit (app/open_files.hpp), which must also hold a configured value.
  int max_connections = 0;
};

struct shop_section {
  std::string url;  ///< pretix base URL
  std::string organizer;
  std::string api_token_env;
  secret api_token;
  std::string language = "en";
  /// How long an event bundle fetched from pretix is used before it is fetched again.
  std::chrono::milliseconds event_refresh{300000};
  /// Each request to pretix must be answered within this.
  std::chrono::milliseconds fetch_timeout{10000};
  /// The largest answer read from pretix (an order page, the event, its settings); larger
  /// ones fail the fetch.
  int max_response_bytes = 16 * 1024 * 1024;
  /// How often each event's changed orders are polled to catch up lost webhooks (0: off).
  std::chrono::milliseconds catch_up{0};
  /// The slugs of the organizer's events to poll; empty: those the providers' events name.
  std::vector<std::string> catch_up_events;
  /// Where an event without a cursor starts (ISO 8601 with offset); "": its first poll's time.
  std::string catch_up_from;
};

/// [retention]: how long an order's data lives after its last sync; 0 keeps it.
struct retention_section {
  std::chrono::milliseconds snapshots{30LL * 24 * 3600 * 1000};  ///< order snapshots
  std::chrono::milliseconds results{90LL * 24 * 3600 * 1000};    ///< sync results
  std::chrono::milliseconds audit{90LL * 24 * 3600 * 1000};      ///< audit log entries
};

/// [alerts]: the webhook told when jobs park and when a provider's circuit opens or closes.
struct alerts_section {
  std::string url;  ///< http:// or https://; "" = no alerts (may hold a secret: never printed)
  std::chrono::milliseconds min_interval{300000};  ///< least time between messages of one group
  std::chrono::milliseconds timeout{10000};        ///< per POST
};

struct log_section {
  std::string level = "info";     ///< trace, debug, info, warn, error
  std::string format = "logfmt";  ///< logfmt or json
};

/// [providers.limits]: what protects the external system from too many calls
/// (providers/guard/guard_options.hpp, limit_options).
struct provider_limits {
  int concurrency = 16;  ///< syncs in flight per node
  double rate = 0;       ///< calls per second; 0 = unlimited
  int burst = 1;
  bool shared = false;  ///< the rate is shared by all nodes (through Redis)
  /// A call that would wait longer for a slot or token is rescheduled (rate_limited) instead.
  std::chrono::milliseconds max_wait{2000};
  int max_waiting = 10000;  ///< calls that may wait per node; more are rescheduled
  /// Nodes expected to share a shared rate: while Redis is unreachable each node allows
  /// rate / expected_nodes.
  int expected_nodes = 1;
  /// Apply the quota the destination announces in its responses (IETF RateLimit fields, or the
  /// headers named below) to the shared bucket. Needs rate > 0 and shared = true.
  bool follow_rate_limit_headers = false;
  /// [providers.limits.rate_limit_headers]: names of non-standard quota headers ("" = unused).
  std::string remaining_header, limit_header, window_header, reset_header;
  bool window_in_ms = false;  ///< window_unit = "ms"
};

/// [providers.circuit_breaker]: pauses a provider after failures in a row
/// (providers/guard/circuit_breaker.hpp, circuit_breaker_options).
struct provider_circuit_breaker {
  bool enabled = true;
  int failure_threshold = 10;  ///< recoverable / rate-limited / timed-out failures in a row
  std::chrono::milliseconds cooldown{30000};       ///< first pause; doubles after a failed probe
  std::chrono::milliseconds max_cooldown{300000};  ///< the longest pause
};

struct provider_section {
  std::string id;
  std::string type;  ///< "example", "rest" or "webhook"
  std::string display_name;
  bool enabled = true;
  std::vector<std::string> events{"*"};    ///< "organizer/event" or "*"
  std::vector<std::string> triggers{"*"};  ///< trigger names or "*"
  std::string list_joiner = ",";
  bool native_lists = false;
  bool change_detection = false;
  std::string mappings_file;          ///< resolved path when mappings came from a file
  source_location mappings_location;  ///< of the `mappings` value in the config file
  std::vector<mapping::mapping_definition> mappings;
  retry_policy retry;
  /// [providers.orders]: which orders the provider syncs, decided when an order is synced.
  order_filter orders;
  provider_limits limits;
  provider_circuit_breaker circuit_breaker;
  /// The [providers.<type>] table as JSON, validated later by the provider factory.
  nlohmann::json settings = nlohmann::json::object();
  source_location settings_location;
  source_location location;  ///< of the [[providers]] entry
};

/// The whole file.
struct tixsync_config {
  std::string path;  ///< the file it was read from
  redis_section redis;
  node_section node;
  http_section http;
  shop_section shop;
  retention_section retention;
  alerts_section alerts;
  log_section log;
  std::vector<provider_section> providers;

  /// The provider with this id, or nullptr.
  const provider_section* find_provider(const std::string& id) const;
};

/// One problem in a config file.
struct config_problem {
  source_location location;
  std::string key_path;  ///< e.g. "providers[0].retry.base"
  std::string message;
  /// "FILE:LINE:COLUMN: key.path: message".
  std::string to_string() const;
};

}  // namespace tixsync::config
