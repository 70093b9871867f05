// Throughput of one sync_node (actors/) syncing over real HTTP: N synthetic orders of 2 positions
// (node_bench's generator: realistic 2-position orders with new codes) through the REST provider,
// built by the provider factory from a config like examples/crm.toml (Order -> order, OrderPosition
// -> ticket; concurrency 1000 with room for every call to wait, no rate limit, no circuit breaker),
// into `tixsync mock-crm` running as a child with latency L, the queue in a local redis-server.
// Verifies the mock's object counts and prints one JSON line and a table: orders/s, HTTP
// requests/s (from the mock's stats), p50/p99 enqueue-to-synced, and CPU ms per order of the
// node, the mock and redis-server; per run also the requests by route and the guard's counts.
// Usage: http_bench [--orders N] [--latency-ms L] [--concurrency C] [--runs K] [--mock-threads T]
//                   [--scheduler-threads S] [--store-threads R] [--idle-poll-ms P]
//                   [--max-connections M]
// bench/http_bench_wrk.sh measures the same mock server with wrk, for comparison.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "actors/node.hpp"
#include "app/provider_factory.hpp"
#include "bench/bench_support.hpp"
#include "config/config_loader.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/test_data.hpp"

namespace {

using namespace tixsync;
using steady = std::chrono::steady_clock;
using json = nlohmann::json;

struct bench_config {
  std::size_t orders = 5000;
  int latency_ms = 20;
  std::size_t concurrency = 2000;  ///< order actors of the node
  std::size_t runs = 1;
  int mock_threads = 1;
  std::size_t scheduler_threads = 0;  ///< the node's CAF scheduler threads (0: by cores)
  std::size_t store_threads = 0;      ///< the node's Redis threads (0: by cores)
  int idle_poll_ms = 2;               ///< the node's claim interval while the queue is empty
  /// [providers.rest] max_connections: 1000 hides a latency of 20 ms; at 0 ms, 64 (the product's
  /// default, and as many as bench/http_bench_wrk.sh gives wrk) costs the mock less per request.
  std::size_t max_connections = 1000;
};

/// `tixsync mock-crm` as a child; stopped by PID.
class mock_child {
 public:
  mock_child(int latency_ms, int threads) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      close(out[1]);
      std::vector<std::string> argv{TIXSYNC_BINARY, "mock-crm",
                                    "--port",       "0",
                                    "--latency-ms", std::to_string(latency_ms),
                                    "--threads",    std::to_string(threads)};
      std::vector<char*> raw;
      for (auto& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execv(raw[0], raw.data());
      _exit(127);
    }
    close(out[1]);
    std::string line;
    char c = 0;
    for (int i = 0; i < 200; ++i) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      while (read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
      break;
    }
    close(out[0]);
    const auto colon = line.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("mock-crm printed no port: " + line);
    port_ = std::stoi(line.substr(colon + 1));
  }
  ~mock_child() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  json get(const std::string& target) const {
    return json::parse(testing::fetch("GET", port_, target).body, nullptr, false);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

/// User + system CPU seconds of a process from /proc/<pid>/stat.
double process_cpu_s(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stod(f);
    if (i == 15) {
      stime = std::stod(f);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double self_cpu_s() {
  return bench::self_cpu_seconds();
}

/// The provider the node sees: forwards to the guarded REST provider and records when each
/// order was finalized (all its objects synced).
class timed_provider : public providers::provider {
 public:
  explicit timed_provider(std::shared_ptr<providers::provider> inner) : inner_(std::move(inner)) {}
  std::string identifier() const override { return inner_->identifier(); }
  const std::vector<mapping::mapping_definition>& mappings() const override {
    return inner_->mappings();
  }
  std::optional<std::string> list_joiner() const override { return inner_->list_joiner(); }
  providers::retry_policy retry_policy() const override { return inner_->retry_policy(); }
  void sync_object(providers::object_request request, providers::object_completion done) override {
    inner_->sync_object(std::move(request), std::move(done));
  }
  void finalize_sync_order(providers::finalize_request request,
                           providers::finalize_completion done) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      synced_at_[request.order->code] = steady::now();
    }
    inner_->finalize_sync_order(std::move(request), std::move(done));
  }
  void close() override { inner_->close(); }
  std::map<std::string, steady::time_point> synced_at() {
    std::lock_guard<std::mutex> lock(mutex_);
    return synced_at_;
  }

 private:
  std::shared_ptr<providers::provider> inner_;
  std::mutex mutex_;
  std::map<std::string, steady::time_point> synced_at_;
};

/// The config: one REST provider on the mock, shaped like examples/crm.toml. max_waiting lets
/// every object call of the node's orders (at most 2 in flight per order) wait for one of the
/// 1000 slots: a call turned away as rate limited reschedules its order, which is then synced a
/// second time (its lookups repeated) - work the figures should not include.
config::tixsync_config bench_config_for(int port, std::size_t node_concurrency,
                                        std::size_t max_connections) {
  const std::string text = R"(
[node]
name = "http-bench"

[shop]
url = "https://tickets.example.org"
organizer = "nordlicht"

[[providers]]
id = "crm"
type = "rest"

[[providers.mappings]]
id = 1
pretix_model = "Order"
external_object_type = "Order"
pretix_id_field = "event_order_code"
external_id_field = "number"
property_mappings = [{ pretix_field = "email", external_field = "email", overwrite = "overwrite" }]

[[providers.mappings]]
id = 2
pretix_model = "OrderPosition"
external_object_type = "Ticket"
pretix_id_field = "ticket_id"
external_id_field = "ticket_id"
property_mappings = [{ pretix_field = "attendee_name", external_field = "name", overwrite = "overwrite" }]

[providers.limits]
concurrency = 1000
max_waiting = )" + std::to_string(2 * node_concurrency) +
                           R"(
rate = 0.0

[providers.circuit_breaker]
enabled = false

[providers.rest]
base_url = "http://127.0.0.1:)" +
                           std::to_string(port) + R"("
request_timeout = "30s"
max_connections = )" + std::to_string(max_connections) +
                           R"(

[providers.rest.objects.Order]
lookup = { url = "/api/order?{id_field}={id_value}", results = "results" }
create = { url = "/api/order" }
update = { url = "/api/order/{external_id}" }
link = "{base_url}/api/order/{external_id}"

[providers.rest.objects.Ticket]
lookup = { url = "/api/ticket?{id_field}={id_value}", results = "results" }
create = { url = "/api/ticket" }
update = { url = "/api/ticket/{external_id}" }
link = "{base_url}/api/ticket/{external_id}"
)";
  auto loaded = config::parse_config(text, "http_bench.toml");
  if (!loaded.ok()) throw std::runtime_error(config::format_problems(loaded.problems));
  return loaded.config;
}

std::string order_code(std::size_t i) {
  return bench::order_code("H", i);
}

std::map<std::string, steady::time_point> enqueue_all(persistence::redis_connection& c,
                                                      const std::vector<std::string>& orders) {
  persistence::snapshot_store snapshots(c);
  (void)snapshots.put_event("ndd25", testing::read_test_data("event.json"));
  persistence::queue_store queue(c);
  std::map<std::string, steady::time_point> at;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  for (std::size_t first = 0; first < orders.size(); first += 1000) {
    std::vector<persistence::enqueue_request> chunk;
    for (std::size_t i = first; i < std::min(orders.size(), first + 1000); ++i) {
      chunk.push_back({{"crm", "ndd25", order_code(i)}, "order_placed", std::nullopt, orders[i]});
    }
    auto r = queue.enqueue_many(chunk, now);
    if (!r) throw std::runtime_error(r.error().to_string());
    for (const auto& req : chunk) at[req.ref.order] = steady::now();
  }
  return at;
}

double redis_cpu_s(persistence::redis_connection& c) {
  auto info = c.command({"INFO", "cpu"});
  if (!info) return 0;
  auto number = [&](const std::string& field) {
    const auto at = info->str.find(field + ":");
    return at == std::string::npos ? 0 : std::stod(info->str.substr(at + field.size() + 1));
  };
  return number("used_cpu_user") + number("used_cpu_sys");
}

using bench::percentile;

struct figures {
  double seconds = 0, orders_per_s = 0, requests_per_s = 0, p50_ms = 0, p99_ms = 0;
  double node_cpu_ms = 0, mock_cpu_ms = 0, redis_cpu_ms = 0;  ///< per order
  std::uint64_t synced = 0;
  bool counts_ok = false;
};

figures run_once(const bench_config& cfg, const testing::redis_server& redis) {
  mock_child mock(cfg.latency_ms, cfg.mock_threads);
  persistence::connection_options ro;
  ro.host = redis.host();
  ro.port = redis.port();
  persistence::redis_connection c(ro);
  (void)c.command({"FLUSHALL"});
  auto built =
      app::build_providers(bench_config_for(mock.port(), cfg.concurrency, cfg.max_connections));
  auto provider = std::make_shared<timed_provider>(built.guards.at(0).second);
  auto registry = std::make_shared<providers::provider_registry>();
  registry->add(provider);
  actors::node_options o;
  o.node_name = "http-bench";
  o.redis.host = redis.host();
  o.redis.port = redis.port();
  o.concurrency = cfg.concurrency;
  o.claim_batch = 1000;
  o.idle_poll = std::chrono::milliseconds(cfg.idle_poll_ms);
  o.lease = std::chrono::minutes(5);
  o.renew_interval = std::chrono::minutes(1);
  o.store_threads = cfg.store_threads;
  o.scheduler_threads = cfg.scheduler_threads;
  const auto enqueued = enqueue_all(c, bench::make_orders("H", cfg.orders));
  actors::sync_node node(o, registry);
  const double requests_before = mock.get("/_mock/stats")["requests"]["total"].get<double>();
  const double cpu_before = self_cpu_s(), mock_before = process_cpu_s(mock.pid()),
               redis_before = redis_cpu_s(c);
  const auto start = steady::now();
  node.start();
  while (node.stats().orders_synced < cfg.orders &&
         steady::now() - start < std::chrono::minutes(5)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  figures f;
  f.seconds = std::chrono::duration<double>(steady::now() - start).count();
  const double cpu = self_cpu_s() - cpu_before, mock_cpu = process_cpu_s(mock.pid()) - mock_before,
               redis_cpu = redis_cpu_s(c) - redis_before;
  const json stats = mock.get("/_mock/stats");
  const auto guard_stats = built.guards.at(0).second->stats();
  std::string outcomes;
  for (const auto& [label, count] : built.guards.at(0).second->http_request_counts()) {
    if (count > 0) outcomes += " " + label + "=" + std::to_string(count);
  }
  std::fprintf(
      stderr,
      "  mock requests by route: %s\n  node: guard admitted %llu, rejected by the rate "
      "limit %llu, by the circuit %llu; HTTP outcomes%s; orders rescheduled %llu, parked %llu\n",
      stats["requests"]["by_route"].dump().c_str(),
      static_cast<unsigned long long>(guard_stats.admitted),
      static_cast<unsigned long long>(guard_stats.rejected_local_rate_limit),
      static_cast<unsigned long long>(guard_stats.rejected_circuit_open), outcomes.c_str(),
      static_cast<unsigned long long>(node.stats().orders_rescheduled),
      static_cast<unsigned long long>(node.stats().orders_parked));
  node.stop(std::chrono::seconds(10));
  provider->close();
  f.synced = node.stats().orders_synced;
  const double synced = std::max<double>(1, static_cast<double>(f.synced));
  f.orders_per_s = f.synced / f.seconds;
  // The stats GETs before and after are not the node's.
  f.requests_per_s = (stats["requests"]["total"].get<double>() - requests_before - 1) / f.seconds;
  f.node_cpu_ms = cpu * 1000 / synced;
  f.mock_cpu_ms = mock_cpu * 1000 / synced;
  f.redis_cpu_ms = redis_cpu * 1000 / synced;
  f.counts_ok = stats["objects"].value("order", 0) == static_cast<int>(cfg.orders) &&
                stats["objects"].value("ticket", 0) == static_cast<int>(2 * cfg.orders);
  if (!f.counts_ok)
    std::fprintf(stderr, "mock object counts: %s\n", stats["objects"].dump().c_str());
  std::vector<double> latencies;
  for (const auto& [code, at] : provider->synced_at()) {
    auto e = enqueued.find(code);
    if (e != enqueued.end()) {
      latencies.push_back(std::chrono::duration<double, std::milli>(at - e->second).count());
    }
  }
  f.p50_ms = percentile(latencies, 0.5);
  f.p99_ms = percentile(latencies, 0.99);
  return f;
}

const char* const http_bench_usage =
    "usage: http_bench [--orders N] [--latency-ms L] [--concurrency C] [--runs K]\n"
    "                  [--mock-threads T] [--scheduler-threads S] [--store-threads R]\n"
    "                  [--idle-poll-ms P] [--max-connections M]\n";

bench_config parse(int argc, char** argv) {
  bench_config c;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string("0"); };
    if (a == "--orders")
      c.orders = std::stoul(next());
    else if (a == "--latency-ms")
      c.latency_ms = std::stoi(next());
    else if (a == "--concurrency")
      c.concurrency = std::stoul(next());
    else if (a == "--runs")
      c.runs = std::max<std::size_t>(1, std::stoul(next()));
    else if (a == "--mock-threads")
      c.mock_threads = std::max(1, std::stoi(next()));
    else if (a == "--scheduler-threads")
      c.scheduler_threads = std::stoul(next());
    else if (a == "--store-threads")
      c.store_threads = std::stoul(next());
    else if (a == "--max-connections")
      c.max_connections = std::max<std::size_t>(1, std::stoul(next()));
    else if (a == "--idle-poll-ms")
      c.idle_poll_ms = std::max(1, std::stoi(next()));
    else
      bench::help_or_unknown_option("http_bench", a, http_bench_usage);
  }
  return c;
}

using bench::median_of;

}  // namespace

int main(int argc, char** argv) {
  const bench_config cfg = parse(argc, argv);
  testing::redis_server_options ro;
  ro.extra_args = {"--appendfsync", "everysec"};
  testing::redis_server redis(ro);
  std::vector<figures> runs;
  bool ok = true;
  for (std::size_t r = 0; r < cfg.runs; ++r) {
    runs.push_back(run_once(cfg, redis));
    const auto& f = runs.back();
    ok = ok && f.counts_ok && f.synced == cfg.orders;
    std::fprintf(stderr,
                 "run %zu: %.0f orders/s, %.0f HTTP requests/s, p50 %.0f ms, p99 %.0f ms, CPU "
                 "ms/order node %.3f mock %.3f redis %.3f%s\n",
                 r + 1, f.orders_per_s, f.requests_per_s, f.p50_ms, f.p99_ms, f.node_cpu_ms,
                 f.mock_cpu_ms, f.redis_cpu_ms, f.counts_ok ? "" : " (WRONG OBJECT COUNTS)");
  }
  figures m;
  m.orders_per_s = median_of(runs, &figures::orders_per_s);
  m.requests_per_s = median_of(runs, &figures::requests_per_s);
  m.p50_ms = median_of(runs, &figures::p50_ms);
  m.p99_ms = median_of(runs, &figures::p99_ms);
  m.node_cpu_ms = median_of(runs, &figures::node_cpu_ms);
  m.mock_cpu_ms = median_of(runs, &figures::mock_cpu_ms);
  m.redis_cpu_ms = median_of(runs, &figures::redis_cpu_ms);
  std::printf(
      "{\"orders\":%zu,\"runs\":%zu,\"latency_ms\":%d,\"concurrency\":%zu,\"mock_threads\":%d,"
      "\"max_connections\":%zu,"
      "\"orders_per_s\":%.0f,\"http_requests_per_s\":%.0f,\"p50_ms\":%.1f,\"p99_ms\":%.1f,"
      "\"node_cpu_ms_per_order\":%.3f,\"mock_cpu_ms_per_order\":%.3f,"
      "\"redis_cpu_ms_per_order\":%.3f,\"counts_ok\":%s}\n",
      cfg.orders, cfg.runs, cfg.latency_ms, cfg.concurrency, cfg.mock_threads, cfg.max_connections,
      m.orders_per_s, m.requests_per_s, m.p50_ms, m.p99_ms, m.node_cpu_ms, m.mock_cpu_ms,
      m.redis_cpu_ms, ok ? "true" : "false");
  std::printf("%-34s %12s\n", "figure (median of runs)", "value");
  std::printf("%-34s %12.0f\n", "orders/s (2 positions each)", m.orders_per_s);
  std::printf("%-34s %12.0f\n", "HTTP requests/s at the mock", m.requests_per_s);
  std::printf("%-34s %12.1f\n", "enqueue-to-synced p50 (ms)", m.p50_ms);
  std::printf("%-34s %12.1f\n", "enqueue-to-synced p99 (ms)", m.p99_ms);
  std::printf("%-34s %12.3f\n", "node CPU ms per order", m.node_cpu_ms);
  std::printf("%-34s %12.3f\n", "mock CPU ms per order", m.mock_cpu_ms);
  std::printf("%-34s %12.3f\n", "redis CPU ms per order", m.redis_cpu_ms);
  return ok ? 0 : 1;
}
