// `tixsync run`: starts a worker node from the config (with its own embedded redis-server when the
// config names no Redis, restarted when it exits), optionally feeds it orders, and serves until
// SIGINT/SIGTERM: the first signal drains within the grace period and gives back the rest, a
// second one stops at once.
#include <fmt/core.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "actors/node.hpp"
#include "app/commands.hpp"
#include "app/embedded_redis.hpp"
#include "app/heartbeat.hpp"
#include "app/input_files.hpp"
#include "app/node_http.hpp"
#include "app/open_files.hpp"
#include "app/order_feed.hpp"
#include "app/provider_factory.hpp"
#include "app/queue_access.hpp"
#include "config/config_loader.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::app {
namespace {

struct run_options {
  std::string config_path;
  std::string data_dir = "tixsync-data";
  std::string feed_orders;
  std::string feed_event;
  std::string trigger = "order_placed";
  bool exit_when_drained = false;
  bool show_synced = false;
};

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "unknown";
  return name;
}

/// Log lines on stderr, logfmt or JSON, at or above the configured level. Also sets
/// providers::log_threshold, so that per-request debug lines are not built when dropped.
actors::log_sink make_log_sink(const config::log_section& log) {
  const int min_level = log.level == "error"  ? 3
                        : log.level == "warn" ? 2
                        : log.level == "info" ? 1
                                              : 0;
  providers::log_threshold() = static_cast<providers::log_level>(min_level);
  auto mutex = std::make_shared<std::mutex>();
  const bool json = log.format == "json";
  return [=](actors::log_level level, const std::string& message) {
    if (static_cast<int>(level) < min_level) return;
    const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    std::string line = json ? nlohmann::json{{"ts", format_time(ts)},
                                             {"level", actors::to_string(level)},
                                             {"msg", message}}
                                  .dump()
                            : fmt::format("ts={} level={} msg={}", format_time(ts),
                                          actors::to_string(level), nlohmann::json(message).dump());
    std::lock_guard<std::mutex> lock(*mutex);
    std::cerr << line << "\n";
  };
}

actors::redis_endpoint endpoint_of(const config::redis_section& redis,
                                   const embedded_redis* embedded, const actors::log_sink& log) {
  actors::redis_endpoint endpoint;
  endpoint.prefix = redis.prefix;
  if (embedded) {
    endpoint.unix_socket = embedded->socket_path();
    return endpoint;
  }
  endpoint.host = redis.host;
  endpoint.port = redis.port;
  endpoint.unix_socket = redis.unix_socket;
  endpoint.username = redis.username;
  endpoint.password = redis.password.reveal();
  endpoint.db = redis.database;
  endpoint.failover = failover_of(redis);
  if (endpoint.failover.enabled()) {
    endpoint.failover.log = [log](const std::string& message) {
      log(actors::log_level::warning, message);
    };
  }
  return endpoint;
}

/// What `--feed` enqueues: the file checked whole and the providers that take its orders.
struct checked_feed {
  explicit checked_feed(const std::string& path) : file(path) {}
  order_file file;
  std::size_t orders = 0;
  feed_target target;
};

/// Checks the fed file whole and stores the event snapshot, before the node starts: a bad file
/// changes nothing. Null when no provider takes the event's orders on this trigger.
std::unique_ptr<checked_feed> check_feed(const run_options& options,
                                         const config::tixsync_config& config,
                                         persistence::redis_connection& connection,
                                         const persistence::key_space& keys) {
  auto event = load_event_bundle(options.feed_event);
  const std::string event_id = event.organizer + "/" + event.slug;
  auto feed = std::make_unique<checked_feed>(options.feed_orders);
  feed->target = {{}, event_id, options.trigger, std::nullopt};
  feed->orders = check_order_file(feed->file, event_id);
  persistence::snapshot_store snapshots(connection, keys);
  auto stored = snapshots.put_event(event_id, read_file(options.feed_event));
  if (!stored.ok()) fail(stored, "storing the event snapshot");
  for (const auto& provider : config.providers) {
    if (provider.enabled && takes_event(provider, event_id) &&
        takes_trigger(provider, options.trigger)) {
      feed->target.providers.push_back(provider.id);
    }
  }
  if (feed->target.providers.empty()) return nullptr;
  return feed;
}

/// A SIGINT or SIGTERM waiting to be taken: they are blocked, and the signal loop takes them.
bool stop_signal_pending() {
  sigset_t pending;
  sigemptyset(&pending);
  if (sigpending(&pending) != 0) return false;
  return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;
}

/// A stop signal came while the feed was enqueued: `orders` of the file are queued.
struct feed_stopped {
  std::size_t orders;
};

/// Enqueues the checked feed in chunks (order_feed.hpp) while the node already syncs the first
/// ones, so a backfill starts at once instead of after the whole file is queued; the node beats
/// between chunks. A stop signal ends the feed after the chunk in progress (feed_stopped) and is
/// left pending for the signal loop, which drains the node. Returns the number of queue items.
std::size_t enqueue_feed(checked_feed& feed, persistence::queue_store& queue, heartbeat& beat,
                         const actors::sync_node& worker) {
  feed_callbacks callbacks;
  callbacks.progress = [&feed, &beat, &worker](std::size_t done) {
    if (feed.orders > feed_chunk_orders) {
      std::cerr << fmt::format("fed {} of {} orders\n", done, feed.orders);
    }
    beat.tick(worker.stats());
    if (done < feed.orders && stop_signal_pending()) throw feed_stopped{done};
  };
  enqueue_order_file(feed.file, feed.target, queue, now_ms(), callbacks);
  return feed.orders * feed.target.providers.size();
}

/// Items that will still run without a person: due, following up or in flight.
std::int64_t pending_items(persistence::queue_store& queue, const config::tixsync_config& config) {
  std::int64_t pending = 0;
  for (const auto& provider : config.providers) {
    auto counts = must(queue.count(provider.id, now_ms()), "counting the queue");
    for (auto state : {persistence::item_state::due, persistence::item_state::follow_up,
                       persistence::item_state::in_flight}) {
      auto it = counts.by_state.find(state);
      if (it != counts.by_state.end()) pending += it->second;
    }
  }
  return pending;
}

/// A progress bar on a terminal; on a pipe or file only the final line.
void print_progress(const actors::node_stats& stats, std::size_t fed, bool final_line) {
  if (fed == 0 || (!final_line && !isatty(STDERR_FILENO))) return;
  const std::size_t done = std::min<std::size_t>(stats.orders_ended(), fed);
  const int width = 30;
  const int filled = static_cast<int>(width * done / fed);
  std::fprintf(stderr, "\r[%s%s] %zu/%zu orders%s", std::string(filled, '#').c_str(),
               std::string(width - filled, '.').c_str(), done, fed, final_line ? "\n" : "");
  std::fflush(stderr);
}

void print_summary(const actors::node_stats& stats, const actors::stop_report& report,
                   const built_providers& built, bool show_synced) {
  std::cout << fmt::format(
      "orders synced {}, skipped {}, rescheduled {}, parked {}; objects synced {}, unchanged {}, "
      "empty {}; leases given back {}\n",
      stats.orders_synced, stats.orders_skipped, stats.orders_rescheduled, stats.orders_parked,
      stats.objects_synced, stats.objects_unchanged, stats.objects_empty, report.given_back);
  if (!show_synced) return;
  auto dump = built.example_database->dump();
  std::cout << "Records in the example external system:\n";
  for (const auto& [type, records] : dump.items()) {
    std::cout << fmt::format("  {}: {} records\n", type, records.size());
    std::size_t shown = 0;
    for (const auto& record : records) {
      if (shown++ == 2) break;
      std::cout << "    " << record.dump() << "\n";
    }
  }
}

/// The config, checked whole before anything starts, so a bad one changes nothing (exit 2).
config::load_result load_checked_config(const run_options& options) {
  auto loaded = config::load_config(options.config_path);
  if (!loaded.ok()) throw command_error(exit_bad_input, config::format_problems(loaded.problems));
  const auto& config = loaded.config;
  if (auto problems = check_provider_settings(config); !problems.empty()) {
    throw command_error(exit_bad_input, config::format_problems(problems));
  }
  // A field no event can have would park every order as `config` once running.
  if (auto problems = config::check_mapping_field_names(config); !problems.empty()) {
    throw command_error(exit_bad_input, config::format_problems(problems));
  }
  if (options.feed_orders.empty() != options.feed_event.empty()) {
    throw command_error(exit_usage, "--feed and --feed-event go together");
  }
  return loaded;
}

/// Blocks SIGINT and SIGTERM in this thread: they are taken with sigtimedwait, and every thread
/// started later inherits the mask, so no other thread is interrupted.
sigset_t block_stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

/// The node's options from the config: the one place the config becomes actors::node_options
/// (the log sink, and so the log level, included).
actors::node_options node_options_of(const config::tixsync_config& config,
                                     const embedded_redis* embedded) {
  actors::node_options node;
  node.node_name = config.node.name;
  node.log = make_log_sink(config.log);
  node.redis = endpoint_of(config.redis, embedded, node.log);
  node.concurrency = static_cast<std::size_t>(config.node.concurrency);
  node.claim_batch = static_cast<std::size_t>(config.node.claim_batch);
  node.scheduler_threads = static_cast<std::size_t>(config.node.scheduler_threads);
  node.store_threads = static_cast<std::size_t>(config.node.store_threads);
  node.lease = config.node.lease;
  node.renew_interval = config.node.lease / 3;
  node.grace = config.node.grace;
  node.context.shop_base_url = config.shop.url;
  node.context.language = config.shop.language;
  node.queue = queue_options_of(config, persistence::key_space(node.redis.prefix));
  return node;
}

/// 0 starting, 1 running, 2 draining: what /readyz reports.
using node_phase = std::atomic<int>;

/// The HTTP listener of [http] over the running node, or null when it is off, or when its
/// default port is taken (a warning): a node without an [http] table still syncs. A configured
/// listener that cannot listen hard-stops the node and throws.
std::unique_ptr<node_http> start_http(const config::tixsync_config& config,
                                      const built_providers& built,
                                      const actors::node_options& node, actors::sync_node& worker,
                                      const node_phase& phase, std::size_t max_connections) {
  if (!config.http.enabled) return nullptr;
  node_http::node_view view;
  view.node_name = node.node_name;
  view.max_connections = max_connections;
  view.redis = actors::connection_of(node.redis);
  view.key_prefix = node.redis.prefix;
  view.stats = [&worker] { return worker.stats(); };
  view.state = [&phase] {
    const int p = phase.load();
    return std::string(p == 0 ? "starting" : p == 1 ? "running" : "draining");
  };
  view.log = [log = node.log](const std::string& message) {
    log(actors::log_level::warning, message);
  };
  try {
    auto http = std::make_unique<node_http>(config, built, std::move(view));
    std::cerr << "dashboard: " << http->address() << "/\n";
    return http;
  } catch (const command_error& e) {
    if (config.http.configured) {
      worker.hard_stop();
      throw;
    }
    std::cerr << "warning: " << e.what() << " (set [http] port, or enabled = false)\n";
    return nullptr;
  }
}

/// What the node says about itself in its heartbeat.
persistence::node_heartbeat heartbeat_of(const config::tixsync_config& config,
                                         const actors::node_options& node, const node_http* http) {
  persistence::node_heartbeat beat;
  beat.name = node.node_name;
  beat.host = host_name();
  beat.pid = static_cast<std::int64_t>(getpid());
  beat.started_ms = now_ms();
  beat.concurrency = static_cast<int>(node.concurrency);
  if (http) beat.http = http->address();
  for (const auto& provider : config.providers) {
    if (provider.enabled) beat.providers.push_back(provider.id);
  }
  return beat;
}

/// A running node and what serves it until it stops: the signal loop and the drain.
struct node_run {
  const run_options& options;
  const config::tixsync_config& config;
  actors::sync_node& worker;
  node_http* http;
  heartbeat& beat;
  embedded_redis* embedded;
  node_phase& phase;
  persistence::queue_store& queue;
  std::size_t fed;
  actors::log_sink log;

  actors::stop_report report;
  bool redis_lost = false;
  bool stopping = false;
  std::thread stopper;

  /// Serves until a signal (or --exit-when-drained) drained the node, a second signal stopped it
  /// at once, or the embedded redis-server is gone.
  void serve(const sigset_t& signals) {
    auto log_error = [this](const std::string& message) { log(actors::log_level::error, message); };
    // The loop wakes every 200 ms; every 20 ms while the node drains and on an
    // --exit-when-drained run, so that the end of a short run is noticed within milliseconds
    // instead of up to two ticks later. A tick reads the node's counters; it asks Redis only
    // once nothing is in flight.
    const timespec tick{0, 200 * 1000 * 1000};
    const timespec short_tick{0, 20 * 1000 * 1000};
    for (;;) {
      const bool ending = stopping || options.exit_when_drained;
      if (embedded && !embedded->keep_alive(log_error)) {
        redis_lost = true;
        if (http) http->stop_accepting();
        worker.hard_stop();  // leases run out; the next start resumes the work
        break;
      }
      if (sigtimedwait(&signals, nullptr, ending ? &short_tick : &tick) > 0) {
        if (stopping) {
          std::cerr << "\nsecond signal: stopping at once; leases expire and other nodes resume\n";
          worker.hard_stop();
          break;
        }
        std::cerr << "\nstopping: draining for up to " << config.node.grace.count() << " ms\n";
        begin_stop();
      }
      const actors::node_stats stats = worker.stats();  // one snapshot per tick
      beat.tick(stats);
      if (stopping) {
        if (stats.in_flight == 0 && stopper.joinable()) break;
        continue;
      }
      print_progress(stats, fed, false);
      if (options.exit_when_drained && stats.in_flight == 0 && pending_items(queue, config) == 0) {
        begin_stop();
      }
    }
    if (stopper.joinable()) stopper.join();
  }

  /// Stops accepting HTTP and drains the node on a thread of its own, so the loop still beats
  /// and takes a second signal.
  void begin_stop() {
    stopping = true;
    phase = 2;
    if (http) http->stop_accepting();
    stopper = std::thread([this] { report = worker.stop(); });
  }
};

void run_node(const run_options& options) {
  const auto loaded = load_checked_config(options);
  const auto& config = loaded.config;
  // Before anything opens descriptors; a cap the limit cannot hold is refused before any change.
  const std::size_t http_connections = http_connection_cap(config, raise_open_file_limit());
  const sigset_t signals = block_stop_signals();

  std::unique_ptr<embedded_redis> embedded;
  if (config.redis.embedded) {
    embedded = std::make_unique<embedded_redis>(options.data_dir);
    std::cerr << "embedded redis-server (pid " << embedded->pid() << ") at "
              << embedded->socket_path() << "\n";
  }
  actors::node_options node = node_options_of(config, embedded.get());
  for (const auto& warning : loaded.warnings) {
    node.log(actors::log_level::warning, "config: " + warning.to_string());
  }
  auto built = build_providers(config, {node.log, actors::connection_of(node.redis)});

  persistence::redis_connection connection(actors::connection_of(node.redis));
  // Fails fast (exit 3) on no Redis, and on a server that is not Redis (an HTTP port).
  if (auto connected = connection.connect(); !connected.ok()) {
    fail(connected, "connecting to Redis at " + where(connection.options()));
  }
  persistence::key_space keys(node.redis.prefix);
  persistence::queue_store queue(connection, persistence::queue_options{keys});
  auto feed = options.feed_orders.empty() ? nullptr : check_feed(options, config, connection, keys);

  // The node's sync events and Redis round trips go to the API's metrics once it listens.
  auto metrics = std::make_shared<api_sync_observer>();
  auto alerts = start_alerts(config, node, built);
  metrics->set_alerts(alerts);
  node.observer = metrics;
  node.redis_round_trip = [metrics](std::chrono::microseconds d) { metrics->redis_round_trip(d); };
  actors::sync_node worker(node, built.registry);
  try {
    worker.start();
  } catch (const std::exception& e) {
    throw command_error(exit_unavailable, std::string("cannot start the node: ") + e.what());
  }
  node_phase phase{1};
  auto http = start_http(config, built, node, worker, phase, http_connections);
  if (http) metrics->attach(&http->node_api());
  std::cerr << "node " << node.node_name << " running; Ctrl-C stops it\n";

  heartbeat beat(
      actors::connection_of(node.redis), keys, heartbeat_of(config, node, http.get()),
      [log = node.log](const std::string& message) { log(actors::log_level::warning, message); });
  std::size_t fed = 0;
  if (feed) {
    try {
      fed = enqueue_feed(*feed, queue, beat, worker);
    } catch (const feed_stopped& stopped) {
      fed = stopped.orders * feed->target.providers.size();
      std::cerr << fmt::format(
          "feed stopped by a signal after {} of {} orders; the rest of {} is not enqueued\n",
          stopped.orders, feed->orders, options.feed_orders);
    } catch (...) {
      // What was enqueued stays queued (acknowledged); the node drains what it took and stops.
      if (http) http->stop();
      worker.stop();
      beat.leave();
      throw;
    }
  }
  node_run run{options,        config, worker, http.get(), beat,
               embedded.get(), phase,  queue,  fed,        node.log};
  run.serve(signals);
  metrics->attach(nullptr);
  if (http) http->stop();
  if (run.redis_lost) {
    beat.stop();
    throw command_error(exit_unavailable, "the embedded redis-server is gone; the node stopped");
  }
  beat.leave();
  print_progress(worker.stats(), fed, true);
  print_summary(worker.stats(), run.report, built, options.show_synced);
}

}  // namespace

void register_run_command(CLI::App& app, command_action& run) {
  auto options = std::make_shared<run_options>();
  auto* cmd =
      app.add_subcommand("run", "Run a worker node (embedded Redis when none is configured)");
  cmd->add_option("--config", options->config_path, "Config file (TOML)")->required();
  cmd->add_option("--data-dir", options->data_dir, "Folder of the embedded Redis")
      ->capture_default_str();
  cmd->add_option("--feed", options->feed_orders,
                  "Orders (JSON or JSON lines) to enqueue at start");
  cmd->add_option("--feed-event", options->feed_event, "Event bundle of the fed orders");
  cmd->add_option("--trigger", options->trigger, "Trigger of the fed orders")
      ->capture_default_str();
  cmd->add_flag("--exit-when-drained", options->exit_when_drained,
                "Stop once nothing is due or in flight (for scripts and CI)");
  cmd->add_flag("--show-synced", options->show_synced,
                "At exit, print the records of the example external system");
  cmd->callback([options, &run] { run = [options] { run_node(*options); }; });
}

}  // namespace tixsync::app
