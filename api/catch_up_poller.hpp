// The catch-up of lost pretix webhooks on one node: per event, at [shop] catch_up's interval, it
// takes the event's lease in Redis (persistence/catch_up_store.hpp; one node of a fleet polls an
// event per interval), pages through pretix's orders modified since the event's cursor, enqueues
// them with trigger `catch_up` and then stores pretix's X-Page-Generated of the first page as the
// new cursor (catch_up_poll.cpp). A timer thread only decides when; the Redis work runs on the
// API's worker pool and pretix is fetched with the async client, so nothing blocks an I/O thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/node_api_impl.hpp"
#include "persistence/catch_up_store.hpp"

namespace tixsync::api {

class prometheus_text;

/// The trigger of the orders a catch-up poll enqueues.
inline constexpr const char* catch_up_trigger = "catch_up";

/// What this node counted of its polls of one event.
struct catch_up_counts {
  std::map<std::string, std::uint64_t>
      polls;                 ///< by outcome: ok, started, failed, lease_lost, stopped
  std::uint64_t orders = 0;  ///< orders enqueued
};

class catch_up_poller {
 public:
  /// Polls the events of api.options (catch_up_events, or every event of the organizer).
  explicit catch_up_poller(node_api::impl& api);
  /// stop().
  ~catch_up_poller();
  catch_up_poller(const catch_up_poller&) = delete;
  catch_up_poller& operator=(const catch_up_poller&) = delete;

  /// Starts the timer thread; every event is due at once.
  void start();
  /// Stops polling: the timer thread ends, running polls end at their next step (their leases
  /// given back, their cursors kept), waited for up to the pretix timeout. Idempotent.
  void stop();

  /// The events polled ("org/slug"), as listed last.
  std::vector<std::string> events() const;
  /// This node's counts per event.
  std::map<std::string, catch_up_counts> counts() const;
  const std::string& owner() const { return owner_; }
  bool stopping() const;

  /// A poll of `event_id` ended with `outcome` after enqueuing `orders`: counted, and the event
  /// is due again after the interval. For catch_up_poll.cpp.
  void ended(const std::string& event_id, const std::string& outcome, std::size_t orders);

 private:
  struct event_slot {
    std::chrono::steady_clock::time_point next;
    bool running = false;
  };
  void run();
  /// The events due now (marked running), or none; sets `wake` to when to look again.
  std::vector<std::string> take_due(std::chrono::steady_clock::time_point& wake);
  void attempt(const std::string& event_id);
  /// The event is due again after `wait` (a take that got nothing, or nothing to poll).
  void release(const std::string& event_id, std::chrono::milliseconds wait);
  void list_events();
  void listed(const nlohmann::json& results);

  node_api::impl& api_;
  const std::string owner_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, event_slot> slots_;
  std::map<std::string, catch_up_counts> counts_;
  std::chrono::steady_clock::time_point list_due_{};
  bool listing_ = false;
  int running_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

/// One poll of `event_id` under `lease` for `providers` (catch_up_poll.cpp); ends with
/// poller.ended().
void run_catch_up_poll(node_api::impl& api, catch_up_poller& poller, const std::string& event_id,
                       persistence::catch_up_lease lease, std::vector<std::string> providers);

/// The catch-up families of /metrics: this node's polls by outcome and orders enqueued, and the
/// age of each event's cursor (read from Redis). Nothing when catch-up is off.
void catch_up_families(node_api::impl& api, redis_worker& worker, prometheus_text& out);

}  // namespace tixsync::api
