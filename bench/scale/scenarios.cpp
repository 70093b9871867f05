// The scenarios of scale_bench (scenarios.hpp): how each one feeds the fleet, where its
// measurement window starts and ends, and the figures of a window (pass_meter).
#include "bench/scale/scenarios.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <thread>

#include "bench/bench_support.hpp"
#include "bench/scale/redis_figures.hpp"
#include "bench/scale/scale_fleet.hpp"

namespace tixsync::bench::scale {
namespace {

using json = nlohmann::json;
constexpr double mb = 1024.0 * 1024.0;

std::vector<bench_order> orders_of(const std::string& event, const std::string& prefix,
                                   std::size_t n, std::size_t positions, std::size_t first = 0) {
  std::vector<bench_order> out;
  out.reserve(n);
  auto texts = make_orders(prefix, n, positions, event, first);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back({event, order_code(prefix, first + i), std::move(texts[i])});
  }
  return out;
}

/// The same orders with another e-mail and attendee names: a re-sync that must write.
std::vector<bench_order> changed(const std::vector<bench_order>& orders) {
  std::vector<bench_order> out = orders;
  for (auto& o : out) {
    json order = json::parse(o.json);
    order["email"] = "changed-" + order.value("email", std::string("x@example.org"));
    for (auto& p : order["positions"]) {
      p["attendee_name"] = p.value("attendee_name", std::string()) + " (changed)";
    }
    o.json = order.dump();
  }
  return out;
}

double round_to(double value, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(value * f) / f;
}

/// One reading of everything that a window's figures are differences of.
struct meter_reading {
  std::int64_t t_ms = 0;
  redis_reading redis;
  json mock;
  std::vector<node_reading> nodes;
  double mock_cpu = 0, redis_cpu = 0;
  machine_cpu machine;
  std::map<std::string, double> driver;
};

meter_reading read_meters(scale_fleet& fleet) {
  meter_reading r;
  r.t_ms = unix_ms();
  r.redis = read_redis(fleet.redis());
  fleet.count_driver_call("info", 3);
  r.mock = fleet.crm().stats();
  r.nodes = fleet.read_nodes();
  r.mock_cpu = process_cpu_seconds(fleet.crm().pid());
  r.redis_cpu = process_cpu_seconds(fleet.redis_pid());
  r.machine = read_machine_cpu();
  r.driver = fleet.driver_calls();
  return r;
}

/// Nearest-rank percentiles of latencies in ms.
json latency_json(const std::vector<double>& ms) {
  if (ms.empty()) return json{{"count", 0}};
  return {{"count", ms.size()},
          {"p50_ms", round_to(percentile(ms, 0.5), 1)},
          {"p90_ms", round_to(percentile(ms, 0.9), 1)},
          {"p99_ms", round_to(percentile(ms, 0.99), 1)},
          {"max_ms", round_to(*std::max_element(ms.begin(), ms.end()), 1)}};
}

/// The figures of one measurement window: from `start` (nodes started, or first enqueue) until
/// the last order of `orders` was synced (its audit log's "synced" entry).
json window_figures(scale_fleet& fleet, const meter_reading& start,
                    const std::vector<bench_order>& orders,
                    const std::vector<std::int64_t>& enqueued_ms, std::size_t objects_per_order,
                    synced_times* synced_out = nullptr) {
  const meter_reading end = read_meters(fleet);
  synced_times synced = fleet.read_synced(orders, start.t_ms);
  std::vector<double> latencies;
  std::int64_t last = start.t_ms;
  std::size_t missing = 0;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    if (synced.at_ms[i] == 0) {
      ++missing;
      continue;
    }
    last = std::max(last, synced.at_ms[i]);
    latencies.push_back(static_cast<double>(synced.at_ms[i] - enqueued_ms[i]));
  }
  const double n = static_cast<double>(orders.size() - missing);
  const double per = std::max(1.0, n);
  const double seconds = std::max(0.001, (last - start.t_ms) / 1000.0);
  json f;
  f["orders"] = orders.size();
  f["synced"] = orders.size() - missing;
  f["not_synced"] = missing;
  f["seconds"] = round_to(seconds, 3);
  f["orders_per_s"] = round_to(n / seconds, 0);
  f["objects_per_s"] = round_to(n * objects_per_order / seconds, 0);
  const double requests = api_requests(end.mock) - api_requests(start.mock);
  f["http_requests_per_s"] = round_to(requests / seconds, 0);
  f["http_requests_per_order"] = round_to(requests / per, 2);
  json by_method = json::object();
  for (const char* m : {"GET", "POST", "PATCH", "PUT"}) {
    const double k = api_requests(end.mock, m) - api_requests(start.mock, m);
    if (k > 0) by_method[m] = round_to(k / per, 2);
  }
  f["http_per_order_by_method"] = by_method;
  f["mock_created"] = end.mock.value("created", 0.0) - start.mock.value("created", 0.0);
  f["mock_updated"] = end.mock.value("updated", 0.0) - start.mock.value("updated", 0.0);
  f["latency"] = latency_json(latencies);
  json cpu = json::array(), rss = json::array();
  double node_cpu = 0;
  for (std::size_t i = 0; i < end.nodes.size(); ++i) {
    const double before = i < start.nodes.size() ? start.nodes[i].cpu_s : 0;
    node_cpu += end.nodes[i].cpu_s - before;
    cpu.push_back(round_to(end.nodes[i].cpu_s - before, 2));
    rss.push_back(round_to(end.nodes[i].peak_rss_bytes / mb, 1));
  }
  f["node_cpu_s"] = cpu;
  f["node_peak_rss_mb"] = rss;
  f["node_cpu_ms_per_order"] = round_to(node_cpu * 1000 / per, 4);
  f["mock_cpu_ms_per_order"] = round_to((end.mock_cpu - start.mock_cpu) * 1000 / per, 4);
  f["redis_cpu_ms_per_order"] = round_to((end.redis_cpu - start.redis_cpu) * 1000 / per, 4);
  // How much of the machine the fleet had: the cores its processes used, and how busy all
  // cores were (other jobs on a shared machine take the rest).
  const double fleet_cpu =
      node_cpu + (end.mock_cpu - start.mock_cpu) + (end.redis_cpu - start.redis_cpu);
  const double window_s = std::max(0.001, (end.t_ms - start.t_ms) / 1000.0);
  f["fleet_cores_used"] = round_to(fleet_cpu / window_s, 2);
  const double machine_total = end.machine.total_s - start.machine.total_s;
  f["machine_busy_fraction"] =
      machine_total > 0 ? round_to((end.machine.busy_s - start.machine.busy_s) / machine_total, 2)
                        : 0.0;
  // Commands: everything redis-server counted minus what this driver sent for measuring.
  auto calls = calls_between(start.redis, end.redis);
  for (const auto& [name, k] : end.driver) {
    auto before = start.driver.find(name);
    calls[name] -= k - (before == start.driver.end() ? 0 : before->second);
  }
  double total = 0;
  std::vector<std::pair<double, std::string>> ranked;
  for (const auto& [name, k] : calls) {
    total += k;
    if (k > 0) ranked.push_back({k, name});
  }
  std::sort(ranked.rbegin(), ranked.rend());
  json by_name = json::object();
  for (std::size_t i = 0; i < ranked.size() && i < 12; ++i) {
    by_name[ranked[i].second] = round_to(ranked[i].first / per, 2);
  }
  f["redis_commands_per_order"] = round_to(total / per, 2);
  f["redis_commands_by_name_per_order"] = by_name;
  f["aof_bytes_per_order"] = round_to((end.redis.aof_size - start.redis.aof_size) / per, 0);
  f["redis_used_memory_mb"] = round_to(end.redis.used_memory / mb, 1);
  f["redis_peak_mb"] = round_to(end.redis.used_memory_peak / mb, 1);
  f["audit_entries"] = synced.entries;
  if (synced_out) *synced_out = std::move(synced);
  return f;
}

/// Figures of enqueueing a backlog before any node runs: Redis memory, commands and AOF bytes
/// per queued order.
json enqueue_figures(const meter_reading& before, const meter_reading& after, std::size_t n,
                     const std::vector<bench_order>& orders) {
  auto calls = calls_between(before.redis, after.redis);
  calls["info"] -= 3;  // the reading's own INFO calls
  double total = 0;
  for (const auto& [name, k] : calls) total += k;
  double snapshot_bytes = 0;
  for (const auto& o : orders) snapshot_bytes += static_cast<double>(o.json.size());
  const double per = std::max<double>(1, static_cast<double>(n));
  const double seconds = std::max(0.001, (after.t_ms - before.t_ms) / 1000.0);
  return {
      {"orders", n},
      {"orders_per_s", round_to(n / seconds, 0)},
      {"snapshot_bytes", round_to(snapshot_bytes / std::max<double>(1, orders.size()), 0)},
      {"redis_bytes_per_queued_order",
       round_to((after.redis.used_memory - before.redis.used_memory) / per, 0)},
      {"redis_commands_per_order", round_to(total / per, 2)},
      {"aof_bytes_per_order", round_to((after.redis.aof_size - before.redis.aof_size) / per, 0)}};
}

/// After the last window: the mock holds each external object exactly once and nothing is
/// left in the queue. Problems as text.
std::vector<std::string> verify(scale_fleet& fleet, std::size_t orders, std::size_t tickets) {
  std::vector<std::string> problems;
  const json dump = fleet.crm().dump();
  auto check = [&](const std::string& type, const std::string& field, std::size_t expected) {
    std::set<std::string> distinct;
    std::size_t n = 0;
    if (dump.contains(type)) {
      for (const auto& object : dump[type]) {
        ++n;
        distinct.insert(object.value(field, std::string()));
      }
    }
    if (n != expected || distinct.size() != expected) {
      problems.push_back("mock holds " + std::to_string(n) + " " + type + " objects (" +
                         std::to_string(distinct.size()) + " distinct " + field + "), expected " +
                         std::to_string(expected));
    }
  };
  check("order", "number", orders);
  check("ticket", "ticket_id", tickets);
  const json stats = fleet.crm().stats();
  const double created = stats.value("created", 0.0);
  if (created != static_cast<double>(orders + tickets)) {
    problems.push_back("mock created " + std::to_string(created) + " objects, expected " +
                       std::to_string(orders + tickets));
  }
  const queue_state q = fleet.queue();
  if (q.unfinished() > 0 || q.parked > 0) {
    problems.push_back("queue not empty: " + std::to_string(q.unfinished()) + " unfinished, " +
                       std::to_string(q.parked) + " parked");
  }
  return problems;
}

json settings_json(const scale_options& o) {
  return {{"scenario", o.scenario},
          {"orders", o.orders},
          {"positions", o.positions},
          // The order's shape (bench_support.hpp): the fixture's paid order with an invoice
          // address, each position with name parts and three answers.
          {"order_shape", "K3ZPA: invoice address, 3 answers per position"},
          {"order_bytes", make_orders("X", 1, o.positions, "ndd25").front().size()},
          {"latency_ms", o.latency_ms},
          {"nodes", o.nodes},
          {"change_detection", o.change_detection},
          {"node_concurrency", o.node_concurrency},
          {"claim_batch", o.claim_batch},
          {"max_connections", o.max_connections},
          {"scheduler_threads", o.scheduler_threads},
          {"store_threads", o.store_threads},
          {"mock_threads", o.mock_threads}};
}

fleet_settings fleet_for(const scale_options& o) {
  fleet_settings s;
  s.binary = o.binary;
  s.latency_ms = o.latency_ms;
  s.mock_threads = o.mock_threads;
  s.change_detection = o.change_detection;
  s.node_concurrency = o.node_concurrency;
  s.claim_batch = o.claim_batch;
  s.max_connections = o.max_connections;
  s.scheduler_threads = o.scheduler_threads;
  s.store_threads = o.store_threads;
  s.keep_dir = o.keep_dir;
  return s;
}

void finish(json& out, scale_fleet& fleet, std::vector<std::string> problems, std::size_t orders,
            std::size_t tickets) {
  auto more = verify(fleet, orders, tickets);
  problems.insert(problems.end(), more.begin(), more.end());
  auto stopped = fleet.stop_nodes();
  problems.insert(problems.end(), stopped.begin(), stopped.end());
  out["problems"] = problems;
  out["ok"] = problems.empty();
}

void check_synced(const json& window, const std::string& what, std::vector<std::string>& problems) {
  if (window.value("not_synced", 0) != 0) {
    problems.push_back(what + ": " + std::to_string(window.value("not_synced", 0)) +
                       " orders have no 'synced' audit entry");
  }
}

void print_pids(scale_fleet& fleet) {
  std::string pids;
  for (const pid_t p : fleet.node_pids()) pids += " " + std::to_string(p);
  std::fprintf(stderr, "pids: redis %d mock %d nodes%s (folder %s)\n",
               static_cast<int>(fleet.redis_pid()), static_cast<int>(fleet.crm().pid()),
               pids.c_str(), fleet.dir().c_str());
}

// --- the scenarios ---------------------------------------------------------------------------

/// N orders enqueued before the nodes start; the window runs from starting the nodes until the
/// last order is synced. With `resync`, the same orders are enqueued again while the nodes run.
json backlog(const scale_options& o, const run_deadline& deadline, bool resync) {
  scale_fleet fleet(fleet_for(o), deadline);
  fleet.put_event("ndd25");
  const auto orders = orders_of("ndd25", "B", o.orders, o.positions);
  const auto before = read_meters(fleet);
  const auto enqueued = fleet.enqueue(orders, 0, orders.size(), "order_placed");
  const auto queued = read_meters(fleet);
  json out = settings_json(o);
  out["enqueue"] = enqueue_figures(before, queued, orders.size(), orders);
  const auto start = read_meters(fleet);
  fleet.start_nodes(o.nodes);
  print_pids(fleet);
  fleet.wait_drained(deadline);
  std::vector<std::string> problems;
  json first = window_figures(fleet, start, orders, enqueued, 1 + o.positions);
  check_synced(first, "first sync", problems);
  out.update(first);
  if (resync) {
    out["resync_changed"] = o.resync_changed;
    const auto again = o.resync_changed ? changed(orders) : orders;
    const auto begin = read_meters(fleet);
    const auto acked = fleet.enqueue(again, 0, again.size(), "resync");
    fleet.wait_drained(deadline);
    json second = window_figures(fleet, begin, again, acked, 1 + o.positions);
    second["note"] = "enqueue included in redis_commands_per_order and aof_bytes_per_order";
    check_synced(second, "re-sync", problems);
    out["resync"] = second;
  }
  finish(out, fleet, problems, orders.size(), orders.size() * o.positions);
  return out;
}

/// A backlog of one big event, then a trickle of orders for `trickle_events` small events
/// while it drains; the small events' latency is reported apart.
json fairness(const scale_options& o, const run_deadline& deadline) {
  scale_fleet fleet(fleet_for(o), deadline);
  fleet.put_event("ndd25");
  std::vector<std::string> small;
  for (int e = 1; e <= o.trickle_events; ++e) {
    char slug[16];
    std::snprintf(slug, sizeof slug, "small%02d", e);
    small.push_back(slug);
    fleet.put_event(slug);
  }
  auto orders = orders_of("ndd25", "B", o.orders, o.positions);
  const std::size_t big = orders.size();
  // Enough small orders for the whole time limit; only those sent are measured.
  const std::size_t per_event = 400;
  std::vector<std::vector<bench_order>> by_event;
  for (std::size_t e = 0; e < small.size(); ++e) {
    by_event.push_back(orders_of(small[e], "S" + std::to_string(e + 10), per_event, o.positions));
  }
  std::vector<bench_order> trickle;
  for (std::size_t i = 0; i < per_event; ++i) {
    for (auto& list : by_event) trickle.push_back(std::move(list[i]));
  }
  const auto before = read_meters(fleet);
  auto enqueued = fleet.enqueue(orders, 0, big, "order_placed");
  const auto queued = read_meters(fleet);
  json out = settings_json(o);
  out["trickle_events"] = o.trickle_events;
  out["trickle_rate"] = o.trickle_rate;
  out["enqueue"] = enqueue_figures(before, queued, big, orders);
  const auto start = read_meters(fleet);
  fleet.start_nodes(o.nodes);
  print_pids(fleet);
  // One small order at a time, round robin over the small events, until the backlog is nearly
  // gone (fewer unfinished items than a second of trickle) or the small orders run out.
  const auto t0 = std::chrono::steady_clock::now();
  std::size_t sent = 0;
  std::vector<std::int64_t> small_enqueued;
  auto next_poll = t0;
  while (sent < trickle.size()) {
    deadline.check("trickling small-event orders");
    const auto due =
        t0 + std::chrono::microseconds(static_cast<std::int64_t>(sent * 1e6 / o.trickle_rate));
    std::this_thread::sleep_until(due);
    small_enqueued.push_back(fleet.enqueue(trickle, sent, sent + 1, "order_placed").at(0));
    ++sent;
    if (std::chrono::steady_clock::now() >= next_poll) {
      next_poll = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
      if (fleet.queue().unfinished() < static_cast<long>(o.trickle_rate) + 1) break;
    }
  }
  trickle.resize(sent);
  fleet.wait_drained(deadline);
  orders.insert(orders.end(), trickle.begin(), trickle.end());
  enqueued.insert(enqueued.end(), small_enqueued.begin(), small_enqueued.end());
  synced_times synced;
  std::vector<std::string> problems;
  json all = window_figures(fleet, start, orders, enqueued, 1 + o.positions, &synced);
  check_synced(all, "fairness", problems);
  out.update(all);
  // The big event's last order, and the small orders that arrived before it was synced.
  std::int64_t big_last = 0;
  std::vector<double> big_latency, small_latency, small_during;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    if (synced.at_ms[i] == 0) continue;
    const double ms = static_cast<double>(synced.at_ms[i] - enqueued[i]);
    if (i < big) {
      big_last = std::max(big_last, synced.at_ms[i]);
      big_latency.push_back(ms);
    } else {
      small_latency.push_back(ms);
    }
  }
  for (std::size_t i = big; i < orders.size(); ++i) {
    if (synced.at_ms[i] != 0 && enqueued[i] < big_last) {
      small_during.push_back(static_cast<double>(synced.at_ms[i] - enqueued[i]));
    }
  }
  out["big_event"] = latency_json(big_latency);
  out["big_event"]["drained_s"] = round_to((big_last - start.t_ms) / 1000.0, 2);
  out["small_events"] = latency_json(small_latency);
  out["small_events_during_backlog"] = latency_json(small_during);
  finish(out, fleet, problems, orders.size(), orders.size() * o.positions);
  out["orders"] = orders.size();
  return out;
}

/// Orders offered at a steady rate to running nodes; every latency is a real one.
json steady_rate(const scale_options& o, const run_deadline& deadline) {
  scale_fleet fleet(fleet_for(o), deadline);
  fleet.put_event("ndd25");
  const std::size_t n = static_cast<std::size_t>(o.rate * o.seconds);
  const auto orders = orders_of("ndd25", "R", n, o.positions);
  fleet.start_nodes(o.nodes);
  print_pids(fleet);
  json out = settings_json(o);
  out["orders"] = n;
  out["rate"] = o.rate;
  out["offered_seconds"] = o.seconds;
  const auto start = read_meters(fleet);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int64_t> enqueued;
  enqueued.reserve(n);
  std::size_t sent = 0;
  // Every 5 ms, everything that is due by then, in one enqueue_many.
  for (int tick = 1; sent < n; ++tick) {
    deadline.check("offering orders at a steady rate");
    std::this_thread::sleep_until(t0 + std::chrono::milliseconds(5 * tick));
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const std::size_t due = std::min(n, static_cast<std::size_t>(o.rate * elapsed));
    if (due <= sent) continue;
    const auto acked = fleet.enqueue(orders, sent, due, "order_placed");
    enqueued.insert(enqueued.end(), acked.begin(), acked.end());
    sent = due;
  }
  const double offered_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fleet.wait_drained(deadline);
  std::vector<std::string> problems;
  json w = window_figures(fleet, start, orders, enqueued, 1 + o.positions);
  w["note"] = "enqueue included in redis_commands_per_order, aof_bytes_per_order, redis CPU";
  w["offered_orders_per_s"] = round_to(n / offered_s, 0);
  check_synced(w, "steady rate", problems);
  out.update(w);
  finish(out, fleet, problems, n, n * o.positions);
  return out;
}

}  // namespace

json run_scenario(const scale_options& o, const run_deadline& deadline) {
  json out;
  if (o.scenario == "backlog") {
    out = backlog(o, deadline, false);
  } else if (o.scenario == "resync") {
    out = backlog(o, deadline, true);
  } else if (o.scenario == "fairness") {
    out = fairness(o, deadline);
  } else if (o.scenario == "rate") {
    out = steady_rate(o, deadline);
  } else {
    throw std::invalid_argument("unknown scenario '" + o.scenario +
                                "' (backlog, resync, fairness, rate)");
  }
  if (!o.label.empty()) out["label"] = o.label;
  return out;
}

}  // namespace tixsync::bench::scale
