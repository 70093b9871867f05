// GET /metrics: the Prometheus text of one scrape. Counters of the API (enqueued per provider), of
// the node (node-wide, labelled with the node's name) and of its sync per provider (synced,
// retried, parked by reason, objects by action: the node's sync_observer feeds them), queue
// gauges read from Redis at scrape time (bounded: counts per state and at most 1000 due items
// per provider for the backlog per event), each HTTP provider's circuit and guard counters,
// the requests to pretix and its failed fetches by reason, the alert webhook's deliveries, and
// the latency histograms.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "api/catch_up_poller.hpp"
#include "api/node_api_impl.hpp"
#include "api/prometheus_text.hpp"
#include "providers/guard/guarded_provider.hpp"
#include "providers/http/request_tally.hpp"

namespace tixsync::api {
namespace {

constexpr std::size_t backlog_sample = 1000;

/// A counter family with one sample, labelled with the node.
void node_counter(prometheus_text& out, const metric_labels& node, const char* name,
                  const char* help, std::uint64_t value) {
  out.family(name, "counter", help);
  out.sample(name, node, static_cast<double>(value));
}

void node_families(node_api::impl& api, prometheus_text& out) {
  const auto c = api.counters();
  const metric_labels node{{"node", api.options.node_name}};
  node_counter(out, node, "tixsync_node_orders_claimed_total",
               "Orders this node claimed (all providers).", c.orders_claimed);
  node_counter(out, node, "tixsync_node_orders_synced_total",
               "Orders this node synced (all providers).", c.orders_synced);
  node_counter(out, node, "tixsync_node_orders_skipped_total",
               "Orders this node skipped (all providers).", c.orders_skipped);
  node_counter(out, node, "tixsync_node_orders_retried_total",
               "Orders this node rescheduled after a recoverable failure (all providers).",
               c.orders_rescheduled);
  node_counter(out, node, "tixsync_node_orders_parked_total",
               "Orders this node parked for a person (all providers).", c.orders_parked);
  node_counter(out, node, "tixsync_node_store_errors_total",
               "Redis calls of this node that failed.", c.store_errors);
  out.family("tixsync_node_objects_total", "counter",
             "Objects this node handled, by what happened (all providers).");
  for (const auto& [action, value] : {std::pair<const char*, std::uint64_t>{"synced", c.objects_synced},
                                      {"unchanged", c.objects_unchanged},
                                      {"empty", c.objects_empty}}) {
    out.sample("tixsync_node_objects_total", {{"node", api.options.node_name}, {"action", action}},
               static_cast<double>(value));
  }
  out.family("tixsync_node_in_flight", "gauge", "Orders this node is syncing now.");
  out.sample("tixsync_node_in_flight", node, static_cast<double>(c.in_flight));
}

/// This node's sync counters per provider (fed by the node's sync_observer).
void sync_families(node_api::impl& api, prometheus_text& out) {
  auto per_provider = [&](const char* name, const char* help,
                          std::atomic<std::uint64_t> provider_metrics::*counter) {
    out.family(name, "counter", help);
    for (const auto& [id, m] : api.metrics) {
      out.sample(name, {{"provider", id}}, static_cast<double>(((*m).*counter).load(std::memory_order_relaxed)));
    }
  };
  per_provider("tixsync_orders_synced_total", "Orders this node synced, per provider.",
               &provider_metrics::synced);
  per_provider("tixsync_orders_retried_total",
               "Orders this node rescheduled after a recoverable failure, per provider.",
               &provider_metrics::retried);
  out.family("tixsync_orders_parked_total", "counter",
             "Orders this node parked for a person, per provider and park reason.");
  for (const auto& [id, m] : api.metrics) {
    for (std::size_t i = 0; i < park_reason_names.size(); ++i) {
      out.sample("tixsync_orders_parked_total", {{"provider", id}, {"reason", park_reason_names[i]}},
                 static_cast<double>(m->parked[i].load(std::memory_order_relaxed)));
    }
  }
  out.family("tixsync_objects_total", "counter",
             "Objects this node handled, per provider and action (the sync result's action when "
             "the provider was called; unchanged: skipped by change detection; empty: nothing "
             "to sync).");
  for (const auto& [id, m] : api.metrics) {
    for (std::size_t i = 0; i < object_action_names.size(); ++i) {
      out.sample("tixsync_objects_total", {{"provider", id}, {"action", object_action_names[i]}},
                 static_cast<double>(m->objects[i].load(std::memory_order_relaxed)));
    }
  }
}

/// The rate tokens of batch calls and the quotas the destination announced, per provider.
void guard_pacing_families(
    const std::vector<std::pair<std::string, providers::guard::guard_stats>>& stats,
    prometheus_text& out) {
  out.family("tixsync_guard_paced_calls_total", "counter",
             "Batch calls (one HTTP request each) given a rate token (sent) or refused one "
             "(local-rate-limit).");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_guard_paced_calls_total", {{"provider", id}, {"outcome", "sent"}},
               static_cast<double>(s.paced_calls));
    out.sample("tixsync_guard_paced_calls_total",
               {{"provider", id}, {"outcome", "local-rate-limit"}},
               static_cast<double>(s.rejected_paced_calls));
  }
  out.family("tixsync_guard_quota_announcements_total", "counter",
             "Responses that announced the destination's quota in rate-limit headers.");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_guard_quota_announcements_total", {{"provider", id}},
               static_cast<double>(s.quota_announcements));
  }
  out.family("tixsync_guard_quota_applied_total", "counter",
             "Announced quotas applied to the fleet-wide rate limit's bucket.");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_guard_quota_applied_total", {{"provider", id}},
               static_cast<double>(s.quota_applied));
  }
}

void guard_families(node_api::impl& api, prometheus_text& out) {
  if (api.options.guards.empty()) return;
  using providers::guard::circuit_state;
  std::vector<std::pair<std::string, providers::guard::guard_stats>> stats;
  for (const auto& [id, guard] : api.options.guards) {
    if (guard) stats.emplace_back(id, guard->stats());
  }
  out.family("tixsync_circuit_state", "gauge", "Circuit breaker: 0 closed, 1 half-open, 2 open.");
  for (const auto& [id, s] : stats) {
    const double value = s.circuit == circuit_state::closed ? 0 : s.circuit == circuit_state::half_open ? 1 : 2;
    out.sample("tixsync_circuit_state", {{"provider", id}}, value);
  }
  out.family("tixsync_circuit_opened_total", "counter", "Times the circuit opened.");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_circuit_opened_total", {{"provider", id}}, static_cast<double>(s.times_opened));
  }
  out.family("tixsync_guard_admitted_total", "counter", "Calls handed to the external system.");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_guard_admitted_total", {{"provider", id}}, static_cast<double>(s.admitted));
  }
  out.family("tixsync_guard_rejected_total", "counter", "Calls the guard refused, by reason.");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_guard_rejected_total", {{"provider", id}, {"reason", "circuit-open"}},
               static_cast<double>(s.rejected_circuit_open));
    out.sample("tixsync_guard_rejected_total", {{"provider", id}, {"reason", "local-rate-limit"}},
               static_cast<double>(s.rejected_local_rate_limit));
    out.sample("tixsync_guard_rejected_total", {{"provider", id}, {"reason", "shutting-down"}},
               static_cast<double>(s.rejected_shutting_down));
  }
  out.family("tixsync_guard_in_flight", "gauge", "Calls of the external system running now.");
  for (const auto& [id, s] : stats) {
    out.sample("tixsync_guard_in_flight", {{"provider", id}}, static_cast<double>(s.in_flight));
  }
  guard_pacing_families(stats, out);
}

/// The alert webhook's deliveries ([alerts]; no lines without it).
void alert_families(node_api::impl& api, prometheus_text& out) {
  std::function<alerts::sender_stats()> read;
  {
    std::lock_guard<std::mutex> lock(api.alerts_mutex);
    read = api.alert_stats;
  }
  if (!read) return;
  const auto s = read();
  const metric_labels node{{"node", api.options.node_name}};
  node_counter(out, node, "tixsync_alerts_sent_total",
               "Alert messages the receiver answered with 2xx.", s.sent);
  node_counter(out, node, "tixsync_alerts_failed_total",
               "Alert messages not delivered (no answer or another status); never resent.",
               s.failed);
  node_counter(out, node, "tixsync_alerts_suppressed_total",
               "Alert events held back by [alerts] min_interval, summed up in a later message.",
               s.suppressed);
  node_counter(out, node, "tixsync_alerts_dropped_total",
               "Alert events dropped beyond the cap on alert groups.", s.dropped);
}

/// The shop client's requests to pretix by outcome, and the fetches that failed by reason.
void pretix_families(node_api::impl& api, prometheus_text& out) {
  out.family("tixsync_pretix_requests_total", "counter",
             "Requests this node sent to pretix's REST API, by outcome (status class, timeout or "
             "network-error).");
  for (const auto& [outcome, n] : api.shop_requests->counts()) {
    out.sample("tixsync_pretix_requests_total", {{"outcome", outcome}}, static_cast<double>(n));
  }
  out.family("tixsync_pretix_fetch_failures_total", "counter",
             "Fetches from pretix (webhook, resync, event refresh) that failed, by reason.");
  for (std::size_t i = 0; i < pretix_failure_names.size(); ++i) {
    out.sample("tixsync_pretix_fetch_failures_total", {{"reason", pretix_failure_names[i]}},
               static_cast<double>(api.pretix_failures[i].load(std::memory_order_relaxed)));
  }
}

/// Queue gauges from Redis; "" or what failed.
std::string queue_families(node_api::impl& api, redis_worker& worker, prometheus_text& out) {
  const auto now = unix_ms_now();
  struct provider_queue {
    std::string id;
    persistence::queue_counts counts;
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> due;  // event -> count, oldest
  };
  std::vector<provider_queue> queues;
  for (const auto& p : api.options.providers) {
    provider_queue q{p.id, {}, {}};
    auto counts = worker.queue.count(p.id, now);
    if (!counts.ok()) return counts.error().message();
    q.counts = *counts;
    persistence::list_query due;
    due.state = persistence::item_state::due;
    due.limit = backlog_sample;
    auto page = worker.queue.list(p.id, due, now);
    if (!page.ok()) return page.error().message();
    for (const auto& item : page->items) {
      auto& slot = q.due[item.ref.event];
      slot.first += 1;
      const std::int64_t since = item.not_before_ms > 0 ? item.not_before_ms : item.triggered_ms;
      slot.second = slot.second == 0 ? since : std::min(slot.second, since);
    }
    queues.push_back(std::move(q));
  }
  std::vector<std::string> ids;
  for (const auto& q : queues) ids.push_back(q.id);
  auto pauses = worker.pauses.get_many(ids);
  if (!pauses.ok()) return pauses.error().message();
  out.family("tixsync_provider_paused", "gauge",
             "1 while a person has paused the provider (fleet-wide, from Redis).");
  for (std::size_t i = 0; i < queues.size(); ++i) {
    out.sample("tixsync_provider_paused", {{"provider", queues[i].id}},
               (*pauses)[i].paused ? 1 : 0);
  }
  out.family("tixsync_queue_items", "gauge", "Queue items per provider and state.");
  for (const auto& q : queues) {
    for (const auto& [state, n] : q.counts.by_state) {
      out.sample("tixsync_queue_items", {{"provider", q.id}, {"state", persistence::to_string(state)}},
                 static_cast<double>(n));
    }
  }
  out.family("tixsync_in_flight", "gauge", "Queue items leased to a node, per provider (all nodes).");
  for (const auto& q : queues) {
    auto it = q.counts.by_state.find(persistence::item_state::in_flight);
    out.sample("tixsync_in_flight", {{"provider", q.id}},
               static_cast<double>(it == q.counts.by_state.end() ? 0 : it->second));
  }
  out.family("tixsync_due_backlog", "gauge",
             "Due queue items per provider and event (from at most 1000 due items per provider).");
  for (const auto& q : queues) {
    for (const auto& [event, slot] : q.due) {
      out.sample("tixsync_due_backlog", {{"provider", q.id}, {"event", event}}, static_cast<double>(slot.first));
    }
  }
  out.family("tixsync_oldest_due_age_seconds", "gauge",
             "Seconds the oldest due item of a provider and event has been due.");
  for (const auto& q : queues) {
    for (const auto& [event, slot] : q.due) {
      out.sample("tixsync_oldest_due_age_seconds", {{"provider", q.id}, {"event", event}},
                 std::max<double>(0, static_cast<double>(now - slot.second) / 1000.0));
    }
  }
  return "";
}

http_response scrape(node_api::impl& api, redis_worker& worker) {
  prometheus_text out;
  out.family("tixsync_orders_enqueued_total", "counter",
             "Queue items created or updated through this node's API, per provider.");
  for (const auto& [id, m] : api.metrics) {
    out.sample("tixsync_orders_enqueued_total", {{"provider", id}},
               static_cast<double>(m->enqueued.load(std::memory_order_relaxed)));
  }
  out.family("tixsync_webhooks_total", "counter", "pretix webhooks received by this node.");
  out.sample("tixsync_webhooks_total", {}, static_cast<double>(api.webhooks_received.load()));
  pretix_families(api, out);
  node_families(api, out);
  sync_families(api, out);
  guard_families(api, out);
  alert_families(api, out);
  const std::string problem = queue_families(api, worker, out);
  catch_up_families(api, worker, out);
  out.family("tixsync_redis_up", "gauge", "1 when the queue gauges could be read from Redis.");
  out.sample("tixsync_redis_up", {}, problem.empty() ? 1 : 0);
  out.family("tixsync_sync_latency_seconds", "histogram", "Enqueue to synced, per provider.");
  for (const auto& [id, m] : api.metrics) {
    out.histogram("tixsync_sync_latency_seconds", {{"provider", id}}, m->sync_latency.snapshot());
  }
  if (!api.options.guards.empty()) {
    out.family("tixsync_external_request_seconds", "histogram",
               "Calls of the external system by the HTTP providers, per provider.");
    for (const auto& [id, guard] : api.options.guards) {
      if (guard) out.histogram("tixsync_external_request_seconds", {{"provider", id}}, guard->request_latency());
    }
    out.family("tixsync_http_requests_total", "counter",
               "HTTP requests the HTTP providers sent, per provider and outcome (status class, "
               "timeout or network-error).");
    for (const auto& [id, guard] : api.options.guards) {
      if (!guard) continue;
      for (const auto& [outcome, n] : guard->http_request_counts()) {
        out.sample("tixsync_http_requests_total", {{"provider", id}, {"outcome", outcome}},
                   static_cast<double>(n));
      }
    }
    out.family("tixsync_oauth_token_requests_total", "counter",
               "OAuth2 token requests of the HTTP providers, per provider and result (ok, or "
               "failed: an error status, no answer or no access_token).");
    for (const auto& [id, guard] : api.options.guards) {
      if (!guard) continue;
      const std::uint64_t failed = guard->oauth_token_failures();
      out.sample("tixsync_oauth_token_requests_total", {{"provider", id}, {"result", "ok"}},
                 static_cast<double>(guard->oauth_token_requests() - failed));
      out.sample("tixsync_oauth_token_requests_total", {{"provider", id}, {"result", "failed"}},
                 static_cast<double>(failed));
    }
    // The HTTP client's pool gauges, one sample per provider.
    const auto pool_gauge = [&](const std::string& name, const std::string& help,
                                std::int64_t (providers::guard::guarded_provider::*value)() const) {
      out.family(name, "gauge", help);
      for (const auto& [id, guard] : api.options.guards) {
        if (guard) out.sample(name, {{"provider", id}}, static_cast<double>(((*guard).*value)()));
      }
    };
    pool_gauge("tixsync_http_connections",
               "Connections of the provider's HTTP client on this node (opening, busy or idle).",
               &providers::guard::guarded_provider::http_connections);
    pool_gauge("tixsync_http_waiting_requests",
               "Requests of the provider waiting for a free connection on this node: when it "
               "stays above 0, max_connections limits the node.",
               &providers::guard::guarded_provider::http_waiting);
  }
  out.family("tixsync_redis_roundtrip_seconds", "histogram",
             "Redis round trips of this node: client api (the HTTP API's connections) or node "
             "(the sync node's store connections).");
  out.histogram("tixsync_redis_roundtrip_seconds", {{"client", "api"}}, api.redis_round_trip.snapshot());
  out.histogram("tixsync_redis_roundtrip_seconds", {{"client", "node"}},
                api.node_redis_round_trip.snapshot());
  if (!problem.empty()) api.log("metrics: queue gauges not read: " + problem);
  return http_response::text(200, out.text(), prometheus_text::content_type);
}

}  // namespace

void add_metrics_routes(router& routes, node_api::impl& api) {
  routes.add("GET", "/metrics", [&api](http_request, responder reply) {
    api.on_redis(reply, [&api](redis_worker& worker) { return scrape(api, worker); });
  });
}

}  // namespace tixsync::api
