// One catch-up poll of one event, under its lease: the event bundle (cached or fetched), then
// page by page pretix's orders modified since the cursor (with include_canceled_positions=true),
// each page completed with the sub-events and vouchers it references and enqueued with trigger
// `catch_up` on a Redis worker, the lease renewed as it goes; after the last page the first page's
// X-Page-Generated becomes the cursor. Any failure ends the poll with the old cursor kept: the
// next poll repeats what this one enqueued, which is harmless (enqueueing is idempotent).
#include <set>

#include "api/catch_up_poller.hpp"
#include "api/event_bundle_fetch.hpp"
#include "api/url_encoding.hpp"
#include "mapping/datetime.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::api {
namespace {

using steady = std::chrono::steady_clock;

struct catch_up_poll {
  node_api::impl* api;
  catch_up_poller* poller;
  std::string event_id, organizer, slug;
  persistence::catch_up_lease lease;
  std::vector<std::string> providers;
  std::shared_ptr<pretix_client> shop;
  /// No cursor and no backfill start: the poll only notes pretix's time as the cursor.
  bool cursor_only = false;
  std::string cursor;  ///< the first page's X-Page-Generated
  std::string bundle;
  bool store_bundle = false;  ///< fetched or completed: stored before the next orders
  std::set<std::string> urls;
  int pages = 0;
  std::size_t orders = 0;
  steady::time_point deadline, renewed;
};
using poll_ptr = std::shared_ptr<catch_up_poll>;

/// Ends the poll: on a Redis worker the outcome is recorded, `cursor` stored unless "" and the
/// lease given back (only while it is still this poll's); a failure is logged.
void end_poll(const poll_ptr& p, std::string outcome, std::string error, std::string cursor = "") {
  auto finish = [p, outcome, error, cursor](redis_worker& worker) mutable {
    persistence::catch_up_store store(worker.connection, worker.keys);
    auto done = store.finish(p->event_id, p->lease, outcome, error, cursor);
    if (!done.ok()) {
      outcome = "failed";
      error += (error.empty() ? "" : "; ") + std::string("recording the poll: ") +
               done.error().message() + " (its lease lapses by itself)";
    } else if (!*done) {
      outcome = "lease_lost";
      error = "its lease lapsed and another node took it; nothing was stored";
    }
    if (!error.empty()) {
      p->api->log("catch-up of " + p->event_id + " " + outcome + ": " + error +
                  "; the cursor stays" +
                  (p->lease.cursor.empty() ? std::string() : " at " + p->lease.cursor) +
                  " and the next poll repeats");
    }
    p->poller->ended(p->event_id, outcome, p->orders);
  };
  if (!p->api->pool.post(finish)) {
    p->api->log("catch-up of " + p->event_id + " " + outcome + ": " + error +
                "; the node is stopping, its lease lapses by itself");
    p->poller->ended(p->event_id, outcome == "ok" ? "stopped" : outcome, p->orders);
  }
}

void fail(const poll_ptr& p, const std::string& what, const pretix_answer& a) {
  end_poll(p, "failed", "pretix: " + what + ": " + pretix_failure_reason(a));
}

void fetch_page(const poll_ptr& p, const std::string& url);

/// Renews the lease when a third of it has passed; false when the poll must end (then ended).
bool keep_lease(const poll_ptr& p, redis_worker& worker) {
  if (steady::now() - p->renewed < p->api->options.catch_up_lease / 3) return true;
  persistence::catch_up_store store(worker.connection, worker.keys);
  auto renewed = store.renew(p->event_id, p->lease, p->api->options.catch_up_lease);
  if (!renewed.ok()) {
    end_poll(p, "failed", "renewing its lease: " + renewed.error().message());
    return false;
  }
  if (!*renewed) {
    end_poll(p, "lease_lost", "");
    return false;
  }
  p->renewed = steady::now();
  return true;
}

/// Stores the bundle when it changed and enqueues the page's orders, then goes on.
void queue_page(const poll_ptr& p, std::shared_ptr<pretix_page> page, redis_worker& worker) {
  if (p->store_bundle) {
    // The cached bundle holds what other calls added meanwhile as well.
    const std::string latest = cached_event_bundle(*p->api, p->event_id, false);
    auto stored = worker.snapshots.put_event(p->event_id, latest.empty() ? p->bundle : latest);
    if (!stored.ok()) return end_poll(p, "failed", "storing the event: " + stored.message());
    p->store_bundle = false;
  }
  std::vector<std::string> problems;
  auto requests =
      order_page_requests(page->results, p->event_id, catch_up_trigger, p->providers, problems);
  if (!problems.empty()) {
    return end_poll(p, "failed",
                    "order list page " + std::to_string(p->pages) + " " + problems.front() +
                        " (nothing of the page was enqueued)");
  }
  if (!requests.empty()) {
    auto done = worker.queue.enqueue_many(requests, unix_ms_now());
    if (!done.ok()) return end_poll(p, "failed", "enqueueing: " + done.error().message());
    p->api->count_enqueued(requests);
    p->orders += page->results.size();
  }
  if (!keep_lease(p, worker)) return;
  if (page->next.empty()) return end_poll(p, "ok", "", p->cursor);
  fetch_page(p, page->next);
}

/// "" when the first page's X-Page-Generated may be the next cursor, else why not.
std::string cursor_problem(const std::string& generated) {
  if (generated.empty()) return "pretix sent no X-Page-Generated header with the order list";
  if (!mapping::parse_datetime(generated)) {
    return "pretix's X-Page-Generated '" + generated + "' is no ISO 8601 datetime with offset";
  }
  return "";
}

void on_page(const poll_ptr& p, pretix_page page) {
  const std::string what = "order list page " + std::to_string(p->pages + 1);
  if (!page.readable) return fail(p, what, page.answer);
  if (p->pages++ == 0) {
    if (auto problem = cursor_problem(page.answer.page_generated); !problem.empty()) {
      return end_poll(p, "failed", problem);
    }
    p->cursor = page.answer.page_generated;
    if (p->cursor_only) return end_poll(p, "started", "", p->cursor);
  }
  auto shared = std::make_shared<pretix_page>(std::move(page));
  add_referenced(*p->api, p->shop, p->organizer, p->slug, p->bundle, shared->results,
                 [p, shared, what](std::string bundle, bool changed, std::string doing,
                                   pretix_answer failure) {
                   if (bundle.empty()) return fail(p, what + ": " + doing, failure);
                   p->bundle = std::move(bundle);
                   p->store_bundle = p->store_bundle || changed;
                   const bool posted = p->api->pool.post(
                       [p, shared](redis_worker& worker) { queue_page(p, shared, worker); });
                   if (!posted) end_poll(p, "stopped", "the node is busy or stopping");
                 });
}

void fetch_page(const poll_ptr& p, const std::string& url) {
  const auto& o = p->api->options;
  if (p->poller->stopping()) return end_poll(p, "stopped", "the node is stopping");
  if (p->pages >= o.catch_up_max_pages) {
    return end_poll(
        p, "failed",
        "pretix has more order pages than the limit of " + std::to_string(o.catch_up_max_pages));
  }
  if (steady::now() > p->deadline) {
    return end_poll(
        p, "failed",
        "the poll did not end within " + std::to_string(o.catch_up_time_limit.count()) + " ms");
  }
  if (!p->urls.insert(url).second) {
    return end_poll(p, "failed", "pretix's next page repeats an earlier page");
  }
  p->shop->get_page(url, [p](pretix_page page) { on_page(p, std::move(page)); });
}

}  // namespace

void run_catch_up_poll(node_api::impl& api, catch_up_poller& poller, const std::string& event_id,
                       persistence::catch_up_lease lease, std::vector<std::string> providers) {
  auto p = std::make_shared<catch_up_poll>();
  p->api = &api;
  p->poller = &poller;
  p->event_id = event_id;
  p->organizer = event_id.substr(0, event_id.find('/'));
  p->slug = event_id.substr(event_id.find('/') + 1);
  p->lease = std::move(lease);
  p->providers = std::move(providers);
  p->shop = std::make_shared<pretix_client>(*api.shop_client, api.options.shop_url,
                                            api.options.shop_token, api.options.shop_timeout);
  p->deadline = steady::now() + api.options.catch_up_time_limit;
  p->renewed = steady::now();
  std::string since = p->lease.cursor.empty() ? api.options.catch_up_from : p->lease.cursor;
  if (since.empty()) {
    // Only pretix's time is kept from this answer; the node's time keeps it short.
    p->cursor_only = true;
    since = iso_time_or_null(unix_ms_now()).get<std::string>();
  }
  std::string first;
  try {
    first = p->shop->url_of(pretix_event_path(p->organizer, p->slug) + "orders/?modified_since=" +
                            percent_encode(since) + "&" + pretix_order_query);
  } catch (const std::invalid_argument& e) {
    return end_poll(p, "failed", e.what());
  }
  if (p->cursor_only) return fetch_page(p, first);
  p->bundle = cached_event_bundle(api, event_id);
  if (!p->bundle.empty()) return fetch_page(p, first);
  fetch_event_bundle(api, p->shop, p->organizer, p->slug,
                     [p, first](std::string bundle, std::string what, pretix_answer failure) {
                       if (bundle.empty()) return fail(p, what, failure);
                       p->bundle = std::move(bundle);
                       p->store_bundle = true;
                       fetch_page(p, first);
                     });
}

}  // namespace tixsync::api
