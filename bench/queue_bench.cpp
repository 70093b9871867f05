// Throughput and memory of the Redis queue (persistence/): pipelined enqueue/s, claim+complete
// items/s over 1-4 connections (one thread each), Redis commands per synced item, and memory per
// pending item. Starts its own redis-server (tests/support/redis_server) on a free port.
// Usage: queue_bench [--runs N] [--fsync always|everysec] [--unix]   (prints the median of runs)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "persistence/queue_store.hpp"
#include "tests/support/redis_server.hpp"

namespace {

using namespace tixsync::persistence;
using steady = std::chrono::steady_clock;

struct bench_config {
  int runs = 3;
  std::string fsync = "always";
  bool unix_socket = false;
};

struct context {
  bench_config config;
  tixsync::testing::redis_server* server;
  connection_options options() const {
    connection_options o;
    if (config.unix_socket)
      o.unix_socket = server->unix_socket();
    else
      o.host = server->host(), o.port = server->port();
    return o;
  }
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void must(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

std::int64_t info_field(redis_connection& c, const char* section, const char* field) {
  auto info = c.command({"INFO", section});
  must(info.ok(), "INFO");
  auto at = info->str.find(std::string(field) + ":");
  return std::stoll(info->str.substr(at + std::strlen(field) + 1));
}

std::vector<enqueue_request> orders(int n, int events, const std::string* snapshot) {
  std::vector<enqueue_request> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "B%07d", i);
    out.push_back({{"crm", "org/ev" + std::to_string(i % events), code},
                   "order_placed",
                   std::nullopt,
                   snapshot ? std::optional<std::string>(*snapshot) : std::nullopt});
  }
  return out;
}

void flush(redis_connection& c) {
  must(c.command({"FLUSHALL"}).ok(), "FLUSHALL");
}

// Enqueues n orders in batches of 1000 over one connection; returns orders/s.
double enqueue_rate(context& ctx, int n, const std::string* snapshot) {
  redis_connection c(ctx.options());
  flush(c);
  queue_store q(c);
  auto all = orders(n, 50, snapshot);
  const auto start = steady::now();
  for (int i = 0; i < n; i += 1000) {
    std::vector<enqueue_request> batch(all.begin() + i, all.begin() + std::min(n, i + 1000));
    auto r = q.enqueue_many(batch, now_ms());
    must(r.ok(), r.error().to_string());
  }
  return n / std::chrono::duration<double>(steady::now() - start).count();
}

struct drain_result {
  double items_per_s;
  double client_commands_per_item;  ///< commands the workers sent (EVALSHA, ZRANGEBYSCORE, ...)
  double redis_commands_per_item;   ///< incl. the calls inside the scripts
};

// Fills n items, then `threads` workers (one connection each) claim 100 and complete them until
// the queue is empty: two calls per batch, or `combined` one complete_and_claim per batch.
drain_result claim_complete_rate(context& ctx, int n, int threads, bool combined) {
  redis_connection c(ctx.options());
  flush(c);
  queue_store q(c);
  auto all = orders(n, 50, nullptr);
  for (int i = 0; i < n; i += 1000) {
    std::vector<enqueue_request> batch(all.begin() + i, all.begin() + std::min(n, i + 1000));
    must(q.enqueue_many(batch, now_ms()).ok(), "fill");
  }
  const auto commands_before = info_field(c, "stats", "total_commands_processed");
  const auto start = steady::now();
  std::vector<std::thread> workers;
  std::vector<std::size_t> done(threads);
  std::vector<std::uint64_t> sent(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      redis_connection conn(ctx.options());
      queue_store worker(conn);
      const std::string node = "node" + std::to_string(t);
      std::vector<completion> batch;
      for (int round = 0; round < n; ++round) {
        if (combined) {  // the worker loop: finish the last batch and take the next together
          auto step = worker.complete_and_claim(batch, "crm", node, 100, 60'000, now_ms());
          if (!step) return;
          done[t] += batch.size();
          batch.clear();
          for (const auto& item : step->second) batch.push_back({item.lease_info(), {}, nullptr});
        } else {
          auto claimed = worker.claim("crm", node, 100, 60'000, now_ms());
          if (!claimed) return;
          batch.clear();
          for (const auto& item : *claimed) batch.push_back({item.lease_info(), {}, nullptr});
          if (!batch.empty() && !worker.complete_many(batch, now_ms())) return;
          done[t] += batch.size();
        }
        sent[t] = conn.commands_sent();
        if (batch.empty()) return;
      }
    });
  }
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(steady::now() - start).count();
  std::size_t total = 0;
  std::uint64_t client = 0;
  for (auto d : done) total += d;
  for (auto s : sent) client += s;
  must(total == static_cast<std::size_t>(n), "drained " + std::to_string(total));
  const auto commands = info_field(c, "stats", "total_commands_processed") - commands_before;
  return {total / seconds, static_cast<double>(client) / total,
          static_cast<double>(commands) / total};
}

// used_memory delta over 10,000 pending items (no snapshots), per item.
double memory_per_item(context& ctx) {
  redis_connection c(ctx.options());
  flush(c);
  queue_store q(c);
  const auto before = info_field(c, "memory", "used_memory");
  must(q.enqueue_many(orders(10'000, 50, nullptr), now_ms()).ok(), "memory fill");
  return static_cast<double>(info_field(c, "memory", "used_memory") - before) / 10'000;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// "median (min-max)" of the runs.
std::string spread(const std::vector<double>& v) {
  char text[64];
  std::snprintf(text, sizeof text, "%7.0f (%.0f-%.0f)", median(v),
                *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()));
  return text;
}

bench_config parse(int argc, char** argv) {
  bench_config config;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc)
      config.runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--fsync" && i + 1 < argc)
      config.fsync = argv[++i];
    else if (a == "--unix")
      config.unix_socket = true;
    else
      throw std::runtime_error("usage: queue_bench [--runs N] [--fsync always|everysec] [--unix]");
  }
  return config;
}

}  // namespace

int main(int argc, char** argv) try {
  context ctx{parse(argc, argv), nullptr};
  tixsync::testing::redis_server server({{"--appendfsync", ctx.config.fsync}});
  ctx.server = &server;
  std::printf("redis-server pid %d, appendfsync %s, %s, median of %d runs\n", server.pid(),
              ctx.config.fsync.c_str(), ctx.config.unix_socket ? "unix socket" : "tcp loopback",
              ctx.config.runs);
  const std::string snapshot(2048, 'x');
  std::vector<double> enq, enq_snap, cc1, cc2, cc4, both2, both4, client_cmds, redis_cmds, mem;
  for (int run = 0; run < ctx.config.runs; ++run) {
    enq.push_back(enqueue_rate(ctx, 100'000, nullptr));
    enq_snap.push_back(enqueue_rate(ctx, 50'000, &snapshot));
    cc1.push_back(claim_complete_rate(ctx, 50'000, 1, false).items_per_s);
    cc2.push_back(claim_complete_rate(ctx, 50'000, 2, false).items_per_s);
    cc4.push_back(claim_complete_rate(ctx, 50'000, 4, false).items_per_s);
    both2.push_back(claim_complete_rate(ctx, 50'000, 2, true).items_per_s);
    auto four = claim_complete_rate(ctx, 50'000, 4, true);
    both4.push_back(four.items_per_s);
    client_cmds.push_back(four.client_commands_per_item);
    redis_cmds.push_back(four.redis_commands_per_item);
    mem.push_back(memory_per_item(ctx));
  }
  std::printf("enqueue (pipelined, batches of 1000)        %s orders/s (target >= 20000)\n",
              spread(enq).c_str());
  std::printf("enqueue with a 2 KB order snapshot each     %s orders/s\n",
              spread(enq_snap).c_str());
  std::printf("claim 100 + complete_many, 1 connection     %s items/s\n", spread(cc1).c_str());
  std::printf("claim 100 + complete_many, 2 connections    %s items/s (target >= 10000)\n",
              spread(cc2).c_str());
  std::printf("claim 100 + complete_many, 4 connections    %s items/s (target >= 10000)\n",
              spread(cc4).c_str());
  std::printf("complete_and_claim 100, 2 connections      %s items/s (target >= 10000)\n",
              spread(both2).c_str());
  std::printf("complete_and_claim 100, 4 connections      %s items/s (target >= 10000)\n",
              spread(both4).c_str());
  std::printf("client commands per claimed+completed item  %9.3f\n", median(client_cmds));
  std::printf("Redis commands per item (incl. in scripts)  %9.1f\n", median(redis_cmds));
  std::printf("memory per pending item (used_memory delta) %9.0f bytes     (target <= 1024)\n",
              median(mem));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "queue_bench: %s\n", e.what());
  return 1;
}
