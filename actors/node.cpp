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
#include "persistence/redis_queue_port.hpp"

namespace tixsync::actors {

struct sync_node::impl {
  enum class phase { created, running, stopped };

  runtime_ptr rt;
  std::unique_ptr<caf::actor_system_config> config;
  std::unique_ptr<caf::actor_system> system;
  dispatcher_actor dispatcher;
  supervisor_actor supervisor;
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
  auto ports = o.queue_ports;
  if (!ports) {
    auto connection = connection_of(o.redis);
    connection.round_trip = o.redis_round_trip;
    persistence::queue_options queue = o.queue;  // retention; the keys come from the prefix
    queue.keys = persistence::key_space(o.redis.prefix);
    auto redis = persistence::redis_queue_ports(std::move(connection), std::move(queue));
    if (!redis) throw std::invalid_argument(redis.error().to_string());
    ports = std::move(*redis);
  }
  auto pool = std::make_shared<store_pool>(
      std::move(ports), o.store_threads,
      [log = i.rt->log](const std::string& line) { log(log_level::error, line); });
  persistence::status connected;
  pool->run_here([&](store_worker& w) { connected = w.port->connect(); });
  if (!connected) {
    pool->stop(false);
    throw std::runtime_error("cannot reach Redis: " + connected.to_string());
  }
  i.rt->store = std::move(pool);
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
