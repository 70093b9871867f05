// sync_node: owns the actor system, the store pool and the two long-lived actors (dispatcher
// and supervisor), and implements start, graceful stop with lease give-back, and hard stop.
#include "actors/node.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <caf/all.hpp>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "actors/call_deadlines.hpp"
#include "actors/dispatcher.hpp"
#include "actors/protocol.hpp"
#include "actors/quiet_scheduler.hpp"
#include "actors/runtime.hpp"
#include "actors/store_pool.hpp"
#include "actors/supervisor.hpp"

namespace tixsync::actors {

std::size_t actor_threads_for(std::size_t configured) {
  if (configured > 0) return configured;
  // The node's HTTP I/O thread, its store threads, Redis and the other nodes need the cores as
  // much as the actors do, and each extra idle actor thread costs wake-ups: on 2 cores one actor
  // thread took 10-15 % less CPU per order than CAF's default of 4 (bench/README.md).
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(cores / 2, 1, 4);
}

std::size_t store_threads_for(std::size_t configured) {
  if (configured > 0) return configured;
  // One store thread runs one claim cycle at a time: bigger batches, fewer Redis commands and
  // wake-ups per order (4.6 instead of 5.3 commands; bench/README.md). A second one hides Redis
  // round trips where there are cores to spare.
  return std::thread::hardware_concurrency() <= 2 ? 1 : 2;
}

const char* to_string(object_action action) {
  switch (action) {
    case object_action::created:
      return "created";
    case object_action::updated:
      return "updated";
    case object_action::nothing_to_do:
      return "nothing_to_do";
    case object_action::synced:
      return "synced";
    case object_action::unchanged:
      return "unchanged";
    case object_action::empty:
      return "empty";
  }
  return "synced";
}

object_action action_of(bool provider_called, const mapping::sync_result* result) {
  if (!result) return object_action::empty;
  if (!provider_called) return object_action::unchanged;
  // sync_info["action"] compared in place: no copy of the string per object.
  if (!result->sync_info.is_object()) return object_action::synced;
  const auto it = result->sync_info.find("action");
  if (it == result->sync_info.end() || !it->is_string()) return object_action::synced;
  const auto& action = it->get_ref<const std::string&>();
  // pretix's example providers say "create"/"update", the REST provider "created"/"updated".
  if (action == "created" || action == "create") return object_action::created;
  if (action == "updated" || action == "update") return object_action::updated;
  if (action == "nothing_to_do") return object_action::nothing_to_do;
  return object_action::synced;
}

persistence::connection_options connection_of(const redis_endpoint& e) {
  persistence::connection_options c;
  c.host = e.host;
  c.port = e.port;
  c.unix_socket = e.unix_socket;
  c.password = e.password;
  c.db = e.db;
  return c;
}

struct sync_node::impl {
  enum class phase { created, running, stopped };

  runtime_ptr rt;
  std::unique_ptr<caf::actor_system_config> config;
  std::unique_ptr<caf::actor_system> system;
  caf::actor dispatcher;
  caf::actor supervisor;
  phase state = phase::created;
  // Observed with CAF 0.17.6: ~actor_system never returns when the facade's sends and the
  // teardown come from another thread than start(); stop() may come from any thread (a
  // signal handler's), so one owner thread makes every CAF call of the facade, in order.
  std::mutex lifecycle;                     ///< start/stop/hard_stop one at a time
  std::atomic<bool> hard_requested{false};  ///< hard_stop() while stop() waits: cut it short
  std::thread owner;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> tasks;
  bool done = false;

  /// Runs `task` on the owner thread and waits for it.
  void on_owner(std::function<void()> task) {
    std::packaged_task<void()> job(std::move(task));
    auto finished = job.get_future();
    {
      std::lock_guard<std::mutex> lock(mutex);
      tasks.emplace_back([&job] { job(); });
    }
    wake.notify_one();
    finished.get();
  }

  void run_owner() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [this] { return done || !tasks.empty(); });
        if (tasks.empty()) return;
        task = std::move(tasks.front());
        tasks.pop_front();
      }
      task();
    }
  }

  /// Kills the actors, stops the store threads (running their queued jobs when `drain`), ends
  /// the actor system (on the owner thread) and closes the providers.
  void shut_down(bool drain) {
    if (!owner.joinable()) return;
    if (state == phase::running)
      on_owner([this, drain] {
        caf::anon_send_exit(dispatcher, caf::exit_reason::kill);
        caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);  // kills its orders
        dispatcher = nullptr;
        supervisor = nullptr;
        system->await_all_actors_done();
        rt->deadlines->stop();
        rt->store->stop(drain);
        system.reset();
        config.reset();
      });
    const bool was_running = state == phase::running;
    state = phase::stopped;
    {
      std::lock_guard<std::mutex> lock(mutex);
      done = true;
    }
    wake.notify_one();
    owner.join();
    if (was_running && rt->options.close_providers_on_stop) rt->registry->close_all();
  }

  template <class... Ts>
  void send_to_dispatcher(Ts... xs) {
    on_owner([this, xs...] { caf::anon_send(dispatcher, xs...); });
  }
};

sync_node::sync_node(node_options options, std::shared_ptr<providers::provider_registry> registry)
    : impl_(std::make_unique<impl>()) {
  if (!registry) throw std::invalid_argument("sync_node needs a provider registry");
  if (options.concurrency == 0 || options.claim_batch == 0) {
    throw std::invalid_argument("concurrency and claim batch must be positive");
  }
  // 0 means "by the machine's cores": resolved once, so options() shows the real counts.
  options.scheduler_threads = actor_threads_for(options.scheduler_threads);
  options.store_threads = store_threads_for(options.store_threads);
  impl_->rt = std::make_shared<runtime>(std::move(options), std::move(registry));
}

sync_node::~sync_node() {
  hard_stop();
}

void sync_node::start() {
  auto& i = *impl_;
  std::lock_guard<std::mutex> lock(i.lifecycle);
  if (i.state != impl::phase::created) throw std::logic_error("sync_node started twice");
  auto& o = i.rt->options;
  persistence::queue_options queue = o.queue;
  queue.keys = persistence::key_space(o.redis.prefix);
  if (!queue.keys.valid()) throw std::invalid_argument(queue.keys.valid().to_string());
  auto connection = connection_of(o.redis);
  connection.round_trip = o.redis_round_trip;
  i.rt->store = std::make_shared<store_pool>(std::move(connection), queue, o.store_threads);
  persistence::status connected;
  i.rt->store->run_here([&](store_worker& w) { connected = w.connection.connect(); });
  if (!connected) {
    i.rt->store->stop(false);
    throw std::runtime_error("cannot reach Redis: " + connected.to_string());
  }
  i.rt->deadlines = std::make_shared<call_deadlines>(o.provider_call_timeout);
  i.owner = std::thread([&i] {
    pthread_setname_np(pthread_self(), "tx-node");  // CAF names its own threads
    i.run_owner();
  });
  i.on_owner([&i, threads = o.scheduler_threads] {
    i.config = std::make_unique<caf::actor_system_config>();
    i.config->set("scheduler.max-threads", threads);
    use_quiet_scheduler(*i.config);
    // An idle CAF worker spins briefly, then (by default) naps 50 us at a time for 500 rounds
    // before it waits on its condition variable: with orders arriving steadily that nap-polling
    // cost about a third of the node's CPU per order (node_bench --rate). Skip it: wait at once.
    // New work wakes a waiting worker; the wait's timeout is only for stealing work from the
    // other workers, every 2 ms. A single worker has no one to steal from: it would only wake
    // 500 times a second for nothing (2 % of a core for an idle node), so it waits a second.
    i.config->set("work-stealing.moderate-poll-attempts", std::size_t{0});
    const auto steal_every = threads > 1 ? std::chrono::milliseconds(2) : std::chrono::seconds(1);
    i.config->set("work-stealing.relaxed-sleep-duration", caf::timespan(steal_every));
    i.system = std::make_unique<caf::actor_system>(*i.config);
    i.supervisor = spawn_supervisor(*i.system, i.rt);
    i.dispatcher = spawn_dispatcher(*i.system, i.rt, i.supervisor);
    caf::anon_send(i.dispatcher, tick_atom::value);
  });
  i.state = impl::phase::running;
  i.rt->log(log_level::info, "started; concurrency " + std::to_string(o.concurrency));
}

stop_report sync_node::stop() {
  return stop(impl_->rt->options.grace);
}

stop_report sync_node::stop(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  std::lock_guard<std::mutex> lock(i.lifecycle);
  stop_report out;
  if (i.state != impl::phase::running) return out;
  auto& counters = i.rt->counters;
  const auto ended_before = counters.snapshot().orders_ended();
  i.send_to_dispatcher(stop_atom::value);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (counters.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline &&
         !i.hard_requested) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (i.hard_requested) {
    i.shut_down(false);  // a second signal: no give-back, the leases run out
    return out;
  }
  if (counters.in_flight.load() > 0) {
    auto promise = std::make_shared<std::promise<std::size_t>>();
    auto given = promise->get_future();
    i.send_to_dispatcher(give_back_request{promise});
    if (given.wait_for(std::chrono::seconds(10)) == std::future_status::ready) {
      out.given_back = given.get();
    }
  }
  out.finished = counters.snapshot().orders_ended() - ended_before;
  i.rt->log(log_level::info, "stopped: " + std::to_string(out.finished) + " finished, " +
                                 std::to_string(out.given_back) + " given back");
  i.shut_down(true);
  return out;
}

void sync_node::hard_stop() {
  if (!impl_) return;
  impl_->hard_requested = true;
  std::lock_guard<std::mutex> lock(impl_->lifecycle);
  impl_->shut_down(false);
}

node_stats sync_node::stats() const {
  return impl_->rt->counters.snapshot();
}

const node_options& sync_node::options() const {
  return impl_->rt->options;
}

}  // namespace tixsync::actors
