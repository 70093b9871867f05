// catch_up_poller: the timer thread that starts the polls of due events (a few at a time), the
// lease taken on a Redis worker before a poll, the listing of the organizer's events when every
// event is polled, and this node's counts.
#include "api/catch_up_poller.hpp"

#include <pthread.h>

#include <algorithm>
#include <random>
#include <set>

#include "api/url_encoding.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::api {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

// Polls of one node at once: each holds a lease and pages through pretix on its own.
constexpr int max_running = 4;
// Pages of the organizer's event list (50 events each) read when every event is polled.
constexpr int max_event_pages = 50;

/// A value no other poller uses: the lease says which node (and which start of it) holds it.
std::string new_owner(const std::string& node) {
  std::random_device random;
  const std::uint64_t salt = (std::uint64_t{random()} << 32) ^ random();
  return node + "#" + std::to_string(salt % 1000000007ull);
}

}  // namespace

catch_up_poller::catch_up_poller(node_api::impl& api)
    : api_(api), owner_(new_owner(api.options.node_name)) {
  std::string problem;
  for (const auto& slug : api_.options.catch_up_events) {
    const std::string id = event_id_of(api_.options.shop_organizer, slug, problem);
    if (!id.empty()) slots_[id] = {};
  }
}

catch_up_poller::~catch_up_poller() {
  stop();
}

void catch_up_poller::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tx-catch-up");  // as `top -H` shows it
    run();
  });
}

void catch_up_poller::stop() {
  std::unique_lock<std::mutex> lock(mutex_);
  stopping_ = true;
  wake_.notify_all();
  if (thread_.joinable()) {
    lock.unlock();
    thread_.join();
    lock.lock();
  }
  // A poll ends at its next step; one waiting for pretix ends with that request at the latest.
  wake_.wait_for(lock, api_.options.shop_timeout + std::chrono::seconds(2),
                 [this] { return running_ == 0 && !listing_; });
}

bool catch_up_poller::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

std::vector<std::string> catch_up_poller::events() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> out;
  for (const auto& [id, slot] : slots_) out.push_back(id);
  return out;
}

std::map<std::string, catch_up_counts> catch_up_poller::counts() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

void catch_up_poller::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    auto wake = steady::now() + api_.options.catch_up_interval;
    if (api_.options.catch_up_all_events && !listing_ && steady::now() >= list_due_) {
      listing_ = true;
      lock.unlock();
      list_events();
      lock.lock();
    }
    auto due = take_due(wake);
    if (!due.empty()) {
      lock.unlock();
      for (const auto& id : due) attempt(id);
      lock.lock();
      continue;
    }
    wake_.wait_until(lock, wake);
  }
}

std::vector<std::string> catch_up_poller::take_due(steady::time_point& wake) {
  const auto now = steady::now();
  if (api_.options.catch_up_all_events && !listing_) wake = std::min(wake, list_due_);
  std::vector<std::string> due;
  for (auto& [id, slot] : slots_) {
    if (slot.running) continue;
    if (slot.next > now) {
      wake = std::min(wake, slot.next);
    } else if (running_ < max_running) {
      slot.running = true;
      ++running_;
      due.push_back(id);
    }
  }
  return due;
}

void catch_up_poller::attempt(const std::string& event_id) {
  auto providers = api_.options.providers_for
                       ? api_.options.providers_for(event_id, catch_up_trigger)
                       : std::vector<std::string>{};
  // Nothing takes catch-up orders of this event: nothing to poll (the config may change).
  if (providers.empty()) return release(event_id, api_.options.catch_up_interval);
  const bool posted = api_.pool.post([this, event_id, providers](redis_worker& worker) mutable {
    persistence::catch_up_store store(worker.connection, worker.keys);
    auto taken =
        store.take(event_id, owner_, api_.options.catch_up_interval, api_.options.catch_up_lease);
    if (!taken.ok()) {
      api_.log("catch-up of " + event_id + " failed: taking its lease: " + taken.error().message());
      return ended(event_id, "failed", 0);
    }
    if (auto* refusal = std::get_if<persistence::catch_up_refusal>(&*taken)) {
      // Held by another node: look again when it lapses (or at the interval); not due: when due.
      const milliseconds wait =
          refusal->leased ? std::min(refusal->wait, api_.options.catch_up_interval) : refusal->wait;
      return release(event_id, std::max(wait, milliseconds(1)));
    }
    run_catch_up_poll(api_, *this, event_id, std::get<persistence::catch_up_lease>(*taken),
                      std::move(providers));
  });
  if (!posted) {
    api_.log("catch-up of " + event_id + " failed: the node is busy or stopping");
    ended(event_id, "failed", 0);
  }
}

void catch_up_poller::release(const std::string& event_id, milliseconds wait) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = slots_[event_id];
  slot.running = false;
  slot.next = steady::now() + wait;
  --running_;
  wake_.notify_all();
}

void catch_up_poller::ended(const std::string& event_id, const std::string& outcome,
                            std::size_t orders) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& counts = counts_[event_id];
  counts.polls[outcome] += 1;
  counts.orders += orders;
  auto& slot = slots_[event_id];
  slot.running = false;
  slot.next = steady::now() + api_.options.catch_up_interval;
  --running_;
  wake_.notify_all();
}

void catch_up_poller::list_events() {
  const std::string& organizer = api_.options.shop_organizer;
  auto shop = std::make_shared<pretix_client>(*api_.shop_client, api_.options.shop_url,
                                              api_.options.shop_token, api_.options.shop_timeout);
  shop->get_all(
      "/api/v1/organizers/" + percent_encode(organizer) + "/events/",
      [this, shop](pretix_answer answer, nlohmann::json results) {
        if (answer.status == 200) return listed(results);
        api_.log("catch-up: listing the events of " + api_.options.shop_organizer +
                 " failed: " + pretix_failure_reason(answer) + "; listed again in " +
                 std::to_string(api_.options.catch_up_interval.count()) + " ms");
        std::lock_guard<std::mutex> lock(mutex_);
        listing_ = false;
        list_due_ = steady::now() + api_.options.catch_up_interval;
        wake_.notify_all();
      },
      max_event_pages);
}

void catch_up_poller::listed(const nlohmann::json& results) {
  std::set<std::string> listed;
  std::string problem;
  for (const auto& event : results) {
    const auto slug = event.is_object() ? event.value("slug", nlohmann::json()) : nullptr;
    if (!slug.is_string() || !pretix_segment_problem("event", slug.get<std::string>()).empty())
      continue;
    const std::string id =
        event_id_of(api_.options.shop_organizer, slug.get<std::string>(), problem);
    if (!id.empty()) listed.insert(id);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = slots_.begin(); it != slots_.end();) {
    it = listed.count(it->first) || it->second.running ? std::next(it) : slots_.erase(it);
  }
  for (const auto& id : listed) slots_.try_emplace(id);
  listing_ = false;
  // The event list changes rarely: it is read again when cached events are fetched again.
  list_due_ = steady::now() + api_.options.event_cache_ttl;
  wake_.notify_all();
}

}  // namespace tixsync::api
