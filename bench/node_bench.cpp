// Throughput of one sync_node (actors/): N realistic orders of 2 positions (bench_support.hpp), 1
// Order and 1 OrderPosition mapping, an in-process provider answering after a simulated latency
// (one timer thread for all calls), the queue in a local redis-server it starts itself. Prints one
// JSON line and a short table; compares with a one-at-a-time loop over the same provider. Usage:
// node_bench [--orders N] [--baseline M] [--latency-ms L] [--concurrency C]
//                   [--batch B] [--rate R] [--fsync always|everysec] [--unix] [--runs K]
// Without --rate all orders are enqueued before the node starts (a backlog: the latency is
// mostly waiting in the queue); with --rate R they arrive at R orders/s while it runs.
// CPU per order is what to compare on a shared machine: the process's CPU (getrusage, all
// threads, from node start until the last order is synced) and redis-server's (INFO cpu), both
// per synced order, plus Redis commands per order (INFO commandstats: script-internal calls
// included). Under callgrind the node's span is also marked (zeroed at start, dumped at the end),
// so `--dump-instr` totals of that dump divided by the orders give instructions per order.
#include <sys/resource.h>
#include <valgrind/callgrind.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "actors/node.hpp"
#include "bench/bench_support.hpp"
#include "mapping/evaluate.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "providers/object_sync.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace {

using namespace tixsync;
using steady = std::chrono::steady_clock;
using json = nlohmann::json;

struct bench_config {
  std::size_t orders = 20000;
  std::size_t baseline = 25;
  int latency_ms = 20;
  std::size_t concurrency = 4000;
  std::size_t batch = 1000;
  std::size_t rate = 0;  ///< orders/s enqueued while the node runs; 0: all before it starts
  std::string fsync = "always";
  bool unix_socket = false;
  std::size_t runs = 1;  ///< node runs; figures are medians
};

/// Completes callbacks after a fixed delay, all from one thread.
class delay_line {
 public:
  explicit delay_line(std::chrono::milliseconds delay)
      : delay_(delay), thread_([this] { run(); }) {}
  ~delay_line() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }
  void after_delay(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      due_.push({steady::now() + delay_, std::move(fn)});  // same delay: FIFO is time order
    }
    wake_.notify_one();
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stop_) {
      if (due_.empty()) {
        wake_.wait(lock);
        continue;
      }
      if (steady::now() < due_.front().first) {
        wake_.wait_until(lock, due_.front().first);
        continue;
      }
      auto fn = std::move(due_.front().second);
      due_.pop();
      lock.unlock();
      fn();
      lock.lock();
    }
  }
  std::chrono::milliseconds delay_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::queue<std::pair<steady::time_point, std::function<void()>>> due_;
  bool stop_ = false;
  std::thread thread_;
};

/// The provider under test: answers every object after the delay; records finalize times.
class latency_provider : public providers::provider {
 public:
  explicit latency_provider(std::chrono::milliseconds latency) : line_(latency) {
    mapping::mapping_definition order;
    order.id = 1;
    order.pretix_model = "Order";
    order.external_object_type = "orders";
    order.pretix_id_field = "event_order_code";
    order.external_id_field = "number";
    order.property_mappings = {{"email", "email", nullptr, "overwrite"}};
    mapping::mapping_definition ticket = order;
    ticket.id = 2;
    ticket.pretix_model = "OrderPosition";
    ticket.external_object_type = "tickets";
    ticket.pretix_id_field = "ticket_id";
    ticket.property_mappings = {{"attendee_name", "name", nullptr, "overwrite"}};
    mappings_ = {order, ticket};
  }
  std::string identifier() const override { return "bench"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  void sync_object(providers::object_request request, providers::object_completion done) override {
    line_.after_delay([done] {
      providers::object_outcome outcome;
      outcome.sync_info = {{"action", "create"}};
      done(providers::object_result::synced(std::move(outcome)));
    });
  }
  void finalize_sync_order(providers::finalize_request request,
                           providers::finalize_completion done) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      synced_at_[request.order->code] = steady::now();
    }
    done(providers::finalize_result::succeeded());
  }
  std::map<std::string, steady::time_point> synced_at() {
    std::lock_guard<std::mutex> lock(mutex_);
    return synced_at_;
  }

 private:
  std::vector<mapping::mapping_definition> mappings_;
  delay_line line_;
  std::mutex mutex_;
  std::map<std::string, steady::time_point> synced_at_;
};

std::string order_code(std::size_t i) {
  return bench::order_code("B", i);
}

persistence::connection_options connection_of(const testing::redis_server& s, bool unix_socket) {
  persistence::connection_options o;
  if (unix_socket)
    o.unix_socket = s.unix_socket();
  else
    o.host = s.host(), o.port = s.port();
  return o;
}

/// Enqueues every order with its snapshot, all at once (rate 0) or `rate` orders/s in chunks
/// every 10 ms; returns when each order's chunk was acknowledged.
std::map<std::string, steady::time_point> enqueue_all(persistence::redis_connection& c,
                                                      const std::vector<std::string>& orders,
                                                      std::size_t rate) {
  persistence::snapshot_store snapshots(c);
  (void)snapshots.put_event("ndd25", testing::read_test_data("event.json"));
  persistence::queue_store queue(c);
  std::map<std::string, steady::time_point> at;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const std::size_t step = rate == 0 ? 1000 : std::max<std::size_t>(1, rate / 100);
  auto next = steady::now();
  for (std::size_t first = 0; first < orders.size(); first += step) {
    if (rate > 0) std::this_thread::sleep_until(next += std::chrono::milliseconds(10));
    std::vector<persistence::enqueue_request> chunk;
    for (std::size_t i = first; i < std::min(orders.size(), first + step); ++i) {
      chunk.push_back({{"bench", "ndd25", order_code(i)}, "order_placed", std::nullopt, orders[i]});
    }
    auto r = queue.enqueue_many(chunk, now);
    if (!r) throw std::runtime_error(r.error().to_string());
    for (const auto& req : chunk) at[req.ref.order] = steady::now();
  }
  return at;
}

/// The number after "<field>:" in an INFO reply, or 0.
double info_number(const std::string& info, const std::string& field) {
  const auto at = info.find(field + ":");
  return at == std::string::npos ? 0 : std::stod(info.substr(at + field.size() + 1));
}

/// What redis-server reports about itself: CPU seconds and calls per command.
struct redis_usage {
  double cpu_s = 0;
  std::map<std::string, double> calls;  ///< INFO commandstats: command -> calls (scripts too)

  double total_calls() const {
    double n = 0;
    for (const auto& [name, count] : calls) n += count;
    return n;
  }
};

redis_usage redis_now(persistence::redis_connection& c) {
  redis_usage u;
  if (auto cpu = c.command({"INFO", "cpu"})) {
    u.cpu_s = info_number(cpu->str, "used_cpu_user") + info_number(cpu->str, "used_cpu_sys");
  }
  auto stats = c.command({"INFO", "commandstats"});
  if (!stats) return u;
  // Lines: cmdstat_<name>:calls=<n>,usec=...
  std::size_t at = 0;
  while ((at = stats->str.find("cmdstat_", at)) != std::string::npos) {
    const auto colon = stats->str.find(':', at);
    const auto calls = stats->str.find("calls=", colon);
    if (colon == std::string::npos || calls == std::string::npos) break;
    u.calls[stats->str.substr(at + 8, colon - at - 8)] = std::stod(stats->str.substr(calls + 6));
    at = calls;
  }
  return u;
}

double process_cpu_s() {
  return bench::self_cpu_seconds();
}

struct node_figures {
  double seconds = 0;
  double orders_per_s = 0, objects_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  double commands_per_order = 0;
  double node_cpu_ms_per_order = 0, redis_cpu_ms_per_order = 0;
  std::map<std::string, double> calls_per_order;  ///< by command
  std::uint64_t synced = 0, objects = 0;
};

using bench::percentile;

node_figures run_node(const bench_config& cfg, const testing::redis_server& server) {
  persistence::redis_connection c(connection_of(server, cfg.unix_socket));
  (void)c.command({"FLUSHALL"});
  auto provider = std::make_shared<latency_provider>(std::chrono::milliseconds(cfg.latency_ms));
  auto registry = std::make_shared<providers::provider_registry>();
  registry->add(provider);
  actors::node_options o;
  o.node_name = "bench-1";
  if (cfg.unix_socket)
    o.redis.unix_socket = server.unix_socket();
  else
    o.redis.host = server.host(), o.redis.port = server.port();
  o.concurrency = cfg.concurrency;
  o.claim_batch = cfg.batch;
  o.idle_poll = std::chrono::milliseconds(2);
  // Leases long enough that a slow run (callgrind, a loaded machine) renews rarely and never
  // loses one: the figures are of syncing, not of lease expiry.
  o.lease = std::chrono::minutes(5);
  o.renew_interval = std::chrono::minutes(1);
  o.store_threads = 0;  // the node defaults (by cores)
  o.scheduler_threads = 0;
  const auto orders = bench::make_orders("B", cfg.orders);
  std::map<std::string, steady::time_point> enqueued;
  if (cfg.rate == 0) enqueued = enqueue_all(c, orders, 0);
  actors::sync_node node(o, registry);
  const redis_usage redis_before = redis_now(c);
  const double cpu_before = process_cpu_s();
  const auto start = steady::now();
  CALLGRIND_ZERO_STATS;
  node.start();
  if (cfg.rate > 0) {  // paced: the node runs while orders arrive (commands include enqueue)
    persistence::redis_connection producer(connection_of(server, cfg.unix_socket));
    enqueued = enqueue_all(producer, orders, cfg.rate);
  }
  while (node.stats().orders_synced < cfg.orders &&
         steady::now() - start < std::chrono::minutes(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CALLGRIND_DUMP_STATS_AT("node: start to last order synced");
  node_figures f;
  f.seconds = std::chrono::duration<double>(steady::now() - start).count();
  const double cpu_s = process_cpu_s() - cpu_before;
  const redis_usage redis_after = redis_now(c);
  node.stop(std::chrono::seconds(5));
  const auto stats = node.stats();
  const double synced = std::max<double>(1, stats.orders_synced);
  // The two INFO calls of redis_before are counted in redis_after: take them off.
  f.commands_per_order = (redis_after.total_calls() - redis_before.total_calls() - 2) / synced;
  for (const auto& [name, calls] : redis_after.calls) {
    auto before = redis_before.calls.find(name);
    const double n = calls - (before == redis_before.calls.end() ? 0 : before->second) -
                     (name == "info" ? 2 : 0);
    if (n > 0) f.calls_per_order[name] = n / synced;
  }
  f.node_cpu_ms_per_order = cpu_s * 1000 / synced;
  f.redis_cpu_ms_per_order = (redis_after.cpu_s - redis_before.cpu_s) * 1000 / synced;
  f.synced = stats.orders_synced;
  f.objects = stats.objects_synced;
  f.orders_per_s = f.synced / f.seconds;
  f.objects_per_s = f.objects / f.seconds;
  std::vector<double> latencies;
  for (const auto& [code, at] : provider->synced_at()) {
    latencies.push_back(std::chrono::duration<double, std::milli>(at - enqueued.at(code)).count());
  }
  f.p50_ms = percentile(latencies, 0.5);
  f.p99_ms = percentile(latencies, 0.99);
  return f;
}

/// One order at a time, one object at a time, waiting for each answer: pretix's loop.
double run_baseline(const bench_config& cfg) {
  latency_provider provider(std::chrono::milliseconds(cfg.latency_ms));
  mapping::order_reader reader;
  mapping::read_error error;
  auto event = std::make_shared<mapping::event_bundle>();
  reader.read_event_bundle(testing::read_test_data("event.json"), *event, error);
  mapping::field_catalogue catalogue(*event);
  const auto orders = bench::make_orders("B", cfg.baseline);
  const auto start = steady::now();
  for (const auto& text : orders) {
    auto order = std::make_shared<mapping::order>();
    reader.read_order(text, *order, error);
    for (const auto& m : provider.mappings()) {
      for (auto& object : mapping::evaluate_mapping(m, *order, *event, catalogue, {},
                                                    provider.evaluation_options())) {
        providers::object_request request{order, event, &m, std::move(object), {}, {}};
        std::promise<void> done;
        providers::sync_one_object(provider, std::move(request),
                                   [&done](providers::object_sync_outcome) { done.set_value(); });
        done.get_future().wait();
      }
    }
  }
  return cfg.baseline / std::chrono::duration<double>(steady::now() - start).count();
}

const char* const node_bench_usage =
    "usage: node_bench [--orders N] [--baseline M] [--latency-ms L] [--concurrency C]\n"
    "                  [--batch B] [--rate R] [--fsync always|everysec] [--unix] [--runs K]\n";

bench_config parse(int argc, char** argv) {
  bench_config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--orders")
      c.orders = std::stoul(next());
    else if (a == "--baseline")
      c.baseline = std::stoul(next());
    else if (a == "--latency-ms")
      c.latency_ms = std::stoi(next());
    else if (a == "--concurrency")
      c.concurrency = std::stoul(next());
    else if (a == "--rate")
      c.rate = std::stoul(next());
    else if (a == "--batch")
      c.batch = std::stoul(next());
    else if (a == "--fsync")
      c.fsync = next();
    else if (a == "--unix")
      c.unix_socket = true;
    else if (a == "--runs")
      c.runs = std::max<std::size_t>(1, std::stoul(next()));
    else
      bench::help_or_unknown_option("node_bench", a, node_bench_usage);
  }
  return c;
}

using bench::median_of;

}  // namespace

int main(int argc, char** argv) {
  const bench_config cfg = parse(argc, argv);
  testing::redis_server_options ro;
  ro.extra_args = {"--appendfsync", cfg.fsync};
  testing::redis_server server(ro);
  std::vector<node_figures> runs;
  bool all_synced = true;
  for (std::size_t r = 0; r < cfg.runs; ++r) {
    runs.push_back(run_node(cfg, server));
    const auto& f = runs.back();
    all_synced = all_synced && f.synced == cfg.orders;
    if (cfg.runs > 1) {
      std::fprintf(stderr,
                   "run %zu: %.0f orders/s, node CPU %.4f ms/order, redis CPU %.4f ms/order, "
                   "%.2f Redis commands/order\n",
                   r + 1, f.orders_per_s, f.node_cpu_ms_per_order, f.redis_cpu_ms_per_order,
                   f.commands_per_order);
    }
  }
  node_figures f;  // medians
  f.synced = runs.front().synced;
  f.seconds = median_of(runs, &node_figures::seconds);
  f.orders_per_s = median_of(runs, &node_figures::orders_per_s);
  f.objects_per_s = median_of(runs, &node_figures::objects_per_s);
  f.p50_ms = median_of(runs, &node_figures::p50_ms);
  f.p99_ms = median_of(runs, &node_figures::p99_ms);
  f.commands_per_order = median_of(runs, &node_figures::commands_per_order);
  f.node_cpu_ms_per_order = median_of(runs, &node_figures::node_cpu_ms_per_order);
  f.redis_cpu_ms_per_order = median_of(runs, &node_figures::redis_cpu_ms_per_order);
  const double baseline = cfg.baseline > 0 ? run_baseline(cfg) : 0;
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double rss_mb = usage.ru_maxrss / 1024.0;
  const double ratio = baseline > 0 ? f.orders_per_s / baseline : 0;
  std::printf(
      "{\"orders\":%zu,\"order_bytes\":%zu,\"synced\":%llu,\"runs\":%zu,\"latency_ms\":%d,"
      "\"concurrency\":%zu,"
      "\"batch\":%zu,\"rate\":%zu,\"fsync\":\"%s\",\"seconds\":%.3f,\"orders_per_s\":%.0f,"
      "\"objects_per_s\":%.0f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"baseline_orders_per_s\":%.2f,"
      "\"ratio\":%.0f,\"redis_commands_per_order\":%.2f,\"node_cpu_ms_per_order\":%.4f,"
      "\"redis_cpu_ms_per_order\":%.4f,\"peak_rss_mb\":%.1f}\n",
      cfg.orders, bench::make_orders("X", 1).front().size(),
      static_cast<unsigned long long>(f.synced), cfg.runs, cfg.latency_ms, cfg.concurrency,
      cfg.batch, cfg.rate, cfg.fsync.c_str(), f.seconds, f.orders_per_s, f.objects_per_s, f.p50_ms,
      f.p99_ms, baseline, ratio, f.commands_per_order, f.node_cpu_ms_per_order,
      f.redis_cpu_ms_per_order, rss_mb);
  std::printf("%-34s %12s\n", "figure (median of runs)", "value");
  std::printf("%-34s %12.0f\n", "orders/s (one node)", f.orders_per_s);
  std::printf("%-34s %12.0f\n", "objects/s", f.objects_per_s);
  std::printf("%-34s %12.1f\n", "enqueue-to-synced p50 (ms)", f.p50_ms);
  std::printf("%-34s %12.1f\n", "enqueue-to-synced p99 (ms)", f.p99_ms);
  std::printf("%-34s %12.2f\n", "one-at-a-time orders/s", baseline);
  std::printf("%-34s %12.0f\n", "ratio", ratio);
  std::printf("%-34s %12.4f\n", "node CPU ms per order", f.node_cpu_ms_per_order);
  std::printf("%-34s %12.4f\n", "redis CPU ms per order", f.redis_cpu_ms_per_order);
  std::printf("%-34s %12.2f\n", "Redis commands per order", f.commands_per_order);
  for (const auto& [name, per_order] : runs.back().calls_per_order) {
    if (per_order >= 0.01) std::printf("  %-32s %12.2f\n", name.c_str(), per_order);
  }
  std::printf("%-34s %12.1f\n", "peak RSS (MB)", rss_mb);
  return all_synced ? 0 : 1;
}
