// POST /api/v1/resync: every order of an event queued again for one provider with trigger
// `resync` (a backfill after a mapping change), either from the stored snapshots (listed with
// snapshot_store::list_orders) or by paging through the shop's pretix API. A pretix resync
// fetches the event bundle and the first page before it answers (so pretix down or a wrong token
// is the answer's status), then goes on in the background, one page per step, as a job whose
// progress GET /api/v1/resync/{id} shows; a `next` that names a page already fetched ends it. Each
// step runs on the HTTP client's thread (the page) and then on a Redis worker (store and queue the
// page's orders), never blocking an I/O thread.
#include <chrono>

#include "api/event_bundle_fetch.hpp"
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "api/pretix_client.hpp"
#include "api/url_encoding.hpp"
#include "persistence/snapshot_store.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::api {

/// A resync from pretix as it goes on. Guarded by `mutex`: steps write, GET reads.
struct resync_job {
  std::string id, provider, organizer, slug, event_id;
  std::int64_t started_ms = 0;
  std::chrono::steady_clock::time_point deadline;
  std::shared_ptr<pretix_client> shop;
  pretix_page_trail trail;  ///< the order list pages fetched (one step at a time)

  mutable std::mutex mutex;
  std::string state = "running";  ///< running, done, failed
  std::size_t pages = 0, queued = 0, skipped = 0;
  std::vector<std::string> problems;  ///< the first few orders that could not be read
  int error_status = 0;               ///< 502/503 when failed
  std::string error;
  std::int64_t finished_ms = 0;
  bool event_stored = false;
};

namespace {

constexpr std::chrono::seconds snapshot_scan_limit{30};
constexpr std::size_t jobs_kept = 100;
constexpr std::size_t problems_kept = 10;

nlohmann::json job_json(const resync_job& job) {
  std::lock_guard<std::mutex> lock(job.mutex);
  nlohmann::json out = {{"job", job.id},
                        {"provider", job.provider},
                        {"event", job.event_id},
                        {"source", "pretix"},
                        {"state", job.state},
                        {"pages", job.pages},
                        {"queued", job.queued},
                        {"skipped", job.skipped},
                        {"problems", job.problems},
                        {"started", iso_time_or_null(job.started_ms)},
                        {"finished", iso_time_or_null(job.finished_ms)},
                        {"error", nullptr}};
  if (job.state == "failed") {
    out["error"] = {{"status", job.error_status}, {"message", job.error}};
  }
  return out;
}

/// Ends the job as failed with `status` and `message`; the answer to send when it was the first
/// step (what was already queued stays queued: queuing again is harmless).
http_response fail_job(node_api::impl& api, resync_job& job, int status,
                       const std::string& message) {
  nlohmann::json body;
  {
    std::lock_guard<std::mutex> lock(job.mutex);
    job.state = "failed";
    job.error_status = status;
    job.error = message + "; " + std::to_string(job.queued) + " orders of " +
                std::to_string(job.pages) +
                " pages were queued before (queuing them again is harmless)";
    job.finished_ms = unix_ms_now();
  }
  api.log("resync " + job.id + " of " + job.event_id + " for " + job.provider +
          " failed: " + job.error);
  body = job_json(job);
  body["error"] = {{"status", status}, {"message", job.error}};
  return json_response(status, body);
}

/// The status and message for an unusable pretix answer: 503 when pretix could not be reached,
/// 502 when it answered with an error or something unreadable. Counts it by reason (fail_job
/// logs it).
std::pair<int, std::string> pretix_failure(node_api::impl& api, const std::string& what,
                                           const pretix_answer& a) {
  api.count_pretix_failure(a);
  if (a.unreadable) return {502, "pretix: " + what + ": " + a.problem};
  if (a.status == 0) return {503, "pretix: " + what + ": unreachable (" + a.problem + ")"};
  if (a.status == 401 || a.status == 403) {
    return {502, "pretix: " + what + ": pretix refused the shop token (HTTP " +
                     std::to_string(a.status) + "); check [shop] api_token"};
  }
  return {502, "pretix: " + what + ": pretix answered HTTP " + std::to_string(a.status)};
}

/// Stores and queues one page's orders on a Redis worker; "" or the persistence failure (with
/// `status` set).
std::string queue_page(node_api::impl& api, redis_worker& worker, resync_job& job,
                       const std::string& bundle, nlohmann::json& results, int& status) {
  bool event_stored;
  {
    std::lock_guard<std::mutex> lock(job.mutex);
    event_stored = job.event_stored;
  }
  if (!event_stored) {
    auto stored = store_fetched_bundle(worker.snapshots, job.event_id, bundle);
    if (!stored.ok()) {
      status = persistence_error(stored, "").status;
      return "storing event " + job.event_id + ": " + stored.message();
    }
  }
  std::vector<std::string> problems;
  auto requests = order_page_requests(results, job.event_id, "resync", {job.provider}, problems);
  if (!requests.empty()) {
    auto done = worker.queue.enqueue_many(requests, unix_ms_now());
    if (!done.ok()) {
      status = persistence_error(done.error(), "").status;
      return "queuing the orders: " + done.error().message();
    }
    api.count_enqueued(requests);
  }
  std::lock_guard<std::mutex> lock(job.mutex);
  job.event_stored = true;
  job.pages += 1;
  job.queued += requests.size();
  job.skipped += problems.size();
  for (auto& p : problems) {
    if (job.problems.size() < problems_kept) {
      job.problems.push_back("page " + std::to_string(job.pages) + " " + p);
    }
  }
  return "";
}

void next_page(node_api::impl& api, std::shared_ptr<resync_job> job,
               std::shared_ptr<const std::string> bundle, std::string url,
               std::optional<responder> first);

/// Ends the job as failed; the POST's responder (while the first page is handled) gets it.
void fail_step(node_api::impl& api, resync_job& job, const std::optional<responder>& first,
               int status, const std::string& message) {
  auto answer = fail_job(api, job, status, message);
  if (first) first->send(std::move(answer));
}

/// Queues a page on a Redis worker with `bundle` (stored first when it changed), then goes on.
void queue_step(node_api::impl& api, std::shared_ptr<resync_job> job,
                std::shared_ptr<const std::string> bundle, std::shared_ptr<pretix_page> page,
                std::optional<responder> first) {
  auto work = [&api, job, bundle, first](redis_worker& worker, pretix_page& page) {
    int status = 503;
    auto problem = queue_page(api, worker, *job, *bundle, page.results, status);
    if (!problem.empty()) return fail_step(api, *job, first, status, problem);
    if (page.next.empty()) {
      {
        std::lock_guard<std::mutex> lock(job->mutex);
        job->state = "done";
        job->finished_ms = unix_ms_now();
      }
      if (first) first->send(json_response(202, job_json(*job)));
      return;
    }
    if (first) first->send(json_response(202, job_json(*job)));
    next_page(api, job, bundle, page.next, std::nullopt);
  };
  const bool posted =
      api.pool.post([work, page](redis_worker& worker) mutable { work(worker, *page); });
  if (!posted) {
    fail_step(api, *job, first, 503, "the node is busy or stopping: too much Redis work queued");
  }
}

/// One step: the page at `url` came back; add the sub-events and vouchers its orders reference
/// to the bundle, queue it and go on. `first` is the POST's responder while the first page is
/// handled, after that nobody waits.
void on_page(node_api::impl& api, std::shared_ptr<resync_job> job,
             std::shared_ptr<const std::string> bundle, pretix_page page,
             std::optional<responder> first) {
  std::size_t done_pages;
  {
    std::lock_guard<std::mutex> lock(job->mutex);
    done_pages = job->pages;
  }
  const std::string what = "order list page " + std::to_string(done_pages + 1);
  if (!page.readable) {
    auto [status, message] = pretix_failure(api, what, page.answer);
    return fail_step(api, *job, first, status, message);
  }
  auto shared_page = std::make_shared<pretix_page>(std::move(page));
  add_referenced(
      api, job->shop, job->organizer, job->slug, *bundle, shared_page->results,
      [&api, job, bundle, shared_page, first, what](std::string completed, bool changed,
                                                    std::string doing, pretix_answer failure) {
        if (completed.empty()) {
          auto [status, message] = pretix_failure(api, what + ": " + doing, failure);
          return fail_step(api, *job, first, status, message);
        }
        auto next_bundle = bundle;
        if (changed) {
          std::lock_guard<std::mutex> lock(job->mutex);
          job->event_stored = false;
          next_bundle = std::make_shared<const std::string>(std::move(completed));
        }
        queue_step(api, job, next_bundle, shared_page, first);
      });
}

void next_page(node_api::impl& api, std::shared_ptr<resync_job> job,
               std::shared_ptr<const std::string> bundle, std::string url,
               std::optional<responder> first) {
  std::size_t pages;
  {
    std::lock_guard<std::mutex> lock(job->mutex);
    pages = job->pages;
  }
  if (pages >= static_cast<std::size_t>(std::max(1, api.options.resync_max_pages))) {
    auto answer = fail_job(api, *job, 502,
                           "pretix has more order pages than the limit of " +
                               std::to_string(api.options.resync_max_pages));
    if (first) first->send(std::move(answer));
    return;
  }
  if (std::chrono::steady_clock::now() > job->deadline) {
    auto answer = fail_job(api, *job, 503,
                           "the resync did not finish within " +
                               std::to_string(api.options.resync_time_limit.count()) + " ms");
    if (first) first->send(std::move(answer));
    return;
  }
  if (auto loop = job->trail.visit(url); !loop.empty()) {
    auto [status, message] = pretix_failure(api, "order list page " + std::to_string(pages + 1),
                                            {0, "", std::move(loop), true});
    return fail_step(api, *job, first, status, message);
  }
  job->shop->get_page(url, [&api, job, bundle, first](pretix_page page) {
    on_page(api, job, bundle, std::move(page), first);
  });
}

/// Registers a new job, or returns the running job of the same provider and event (nullptr
/// and `running` set).
std::shared_ptr<resync_job> register_job(node_api::impl& api, const std::string& provider,
                                         const std::string& event_id, std::string& running) {
  std::lock_guard<std::mutex> lock(api.resync_mutex);
  for (const auto& [id, job] : api.resync_jobs) {
    std::lock_guard<std::mutex> job_lock(job->mutex);
    if (job->provider == provider && job->event_id == event_id && job->state == "running") {
      running = id;
      return nullptr;
    }
  }
  auto job = std::make_shared<resync_job>();
  job->started_ms = unix_ms_now();
  job->id = std::to_string(job->started_ms) + "-" + std::to_string(++api.resync_started);
  job->provider = provider;
  job->event_id = event_id;
  job->organizer = event_id.substr(0, event_id.find('/'));
  job->slug = event_id.substr(event_id.find('/') + 1);
  job->deadline = std::chrono::steady_clock::now() + api.options.resync_time_limit;
  // The ids start with the start time: the map's first entries are the oldest.
  while (api.resync_jobs.size() >= jobs_kept) api.resync_jobs.erase(api.resync_jobs.begin());
  api.resync_jobs[job->id] = job;
  return job;
}

void resync_from_pretix(node_api::impl& api, const std::string& provider,
                        const std::string& event_id, responder reply) {
  if (api.options.shop_url.empty()) {
    return void(reply.send(
        error_response(422, "body.source: no [shop] url configured: pretix cannot be paged")));
  }
  const std::string organizer = event_id.substr(0, event_id.find('/'));
  const std::string slug = event_id.substr(event_id.find('/') + 1);
  if (auto problem = pretix_event_problem(organizer, slug); !problem.empty()) {
    return void(reply.send(bad_request("body.event", problem)));
  }
  if (!api.options.shop_organizer.empty() && organizer != api.options.shop_organizer) {
    return void(reply.send(error_response(
        422, "body.event: organizer '" + organizer + "' is not the configured shop organizer")));
  }
  std::string running;
  auto job = register_job(api, provider, event_id, running);
  if (!job) {
    return void(reply.send(error_response(409, "a resync of " + event_id + " for " + provider +
                                                   " is running: GET /api/v1/resync/" + running)));
  }
  job->shop = std::make_shared<pretix_client>(*api.shop_client, api.options.shop_url,
                                              api.options.shop_token, api.options.shop_timeout);
  fetch_event_bundle(
      api, job->shop, job->organizer, job->slug,
      [&api, job, reply](std::string bundle, std::string what, pretix_answer failure) {
        if (bundle.empty()) {
          auto [status, message] = pretix_failure(api, what, failure);
          return void(reply.send(fail_job(api, *job, status, message)));
        }
        const std::string path =
            pretix_event_path(job->organizer, job->slug) + "orders/?" + pretix_order_query;
        next_page(api, job, std::make_shared<const std::string>(std::move(bundle)),
                  job->shop->url_of(path), reply);
      });
}

void resync_from_snapshots(node_api::impl& api, const std::string& provider,
                           const std::string& event_id, responder reply) {
  api.on_redis(reply, [&api, provider, event_id](redis_worker& worker) {
    persistence::listing_limits limits;
    limits.time = snapshot_scan_limit;
    auto orders = worker.snapshots.list_orders(event_id, limits);
    if (!orders.ok()) {
      return persistence_error(orders.error(), "listing the snapshots (nothing was queued)");
    }
    std::vector<persistence::enqueue_request> requests;
    for (const auto& code : *orders) {
      requests.push_back({{provider, event_id, code}, "resync", std::nullopt, std::nullopt});
    }
    if (!requests.empty()) {
      auto done = worker.queue.enqueue_many(requests, unix_ms_now());
      if (!done.ok()) return persistence_error(done.error(), "enqueueing the resync");
      api.count_enqueued(requests);
    }
    return json_response(202, {{"provider", provider},
                               {"event", event_id},
                               {"source", "snapshots"},
                               {"queued", requests.size()}});
  });
}

void post_resync(node_api::impl& api, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  auto body = json_body(request, reply);
  if (!body) return;
  if (!body->is_object()) return void(reply.send(bad_request("body", "expected a JSON object")));
  for (const auto& [key, value] : body->items()) {
    if (key != "provider" && key != "event" && key != "source") {
      return void(
          reply.send(bad_request("body." + key, "unknown key (expected provider, event, source)")));
    }
    if (!value.is_string())
      return void(reply.send(bad_request("body." + key, "expected a string")));
  }
  if (!body->contains("provider")) return void(reply.send(bad_request("body.provider", "missing")));
  if (!body->contains("event")) return void(reply.send(bad_request("body.event", "missing")));
  const std::string provider = (*body)["provider"].get<std::string>();
  const std::string event = (*body)["event"].get<std::string>();
  const std::string source = body->value("source", std::string("snapshots"));
  if (auto s = persistence::validate_identifier("event", event, true); !s.ok()) {
    return void(reply.send(bad_request("body.event", s.message())));
  }
  if (source != "snapshots" && source != "pretix") {
    return void(reply.send(bad_request("body.source", "expected \"snapshots\" or \"pretix\"")));
  }
  if (!api.find_provider(provider)) {
    return void(
        reply.send(error_response(422, "body.provider: unknown provider '" + provider + "'")));
  }
  if (source == "pretix") return resync_from_pretix(api, provider, event, std::move(reply));
  resync_from_snapshots(api, provider, event, std::move(reply));
}

void get_resync(node_api::impl& api, const http_request& request, const responder& reply) {
  std::shared_ptr<resync_job> job;
  {
    std::lock_guard<std::mutex> lock(api.resync_mutex);
    auto it = api.resync_jobs.find(request.param("job"));
    if (it != api.resync_jobs.end()) job = it->second;
  }
  if (!job) {
    return void(reply.send(
        error_response(404, "no resync '" + request.param("job") +
                                "' on this node (jobs live on the node that started them)")));
  }
  reply.send(json_response(200, job_json(*job)));
}

}  // namespace

void add_resync_routes(router& routes, node_api::impl& api) {
  routes.add("POST", "/api/v1/resync", [&api](http_request r, responder reply) {
    post_resync(api, std::move(r), std::move(reply));
  });
  routes.add("GET", "/api/v1/resync/{job}",
             [&api](http_request r, responder reply) { get_resync(api, r, reply); });
}

}  // namespace tixsync::api
