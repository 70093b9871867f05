// The benchmark fleet (scale_fleet.hpp): Redis, the mock CRM and the node processes, the node
// config, enqueueing through the persistence library, queue polling and audit-log reading.
#include "bench/scale/scale_fleet.hpp"

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "bench/bench_support.hpp"
#include "persistence/keys.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::bench::scale {
namespace {

namespace fs = std::filesystem;
const std::string provider_id = "crm";

}  // namespace

scale_fleet::scale_fleet(fleet_settings settings, const run_deadline& deadline)
    : settings_(std::move(settings)), deadline_(deadline) {
  char name[] = "/tmp/tixsync-scale-XXXXXX";
  if (!mkdtemp(name)) throw std::runtime_error("mkdtemp failed in /tmp");
  dir_ = name;
  testing::redis_server_options ro;
  // As a deployment would run it: AOF on, fsync once a second. Automatic AOF rewrites are off
  // so that the AOF's growth is the bytes written (a rewrite would shrink it mid-run).
  ro.extra_args = {"--appendfsync", "everysec", "--auto-aof-rewrite-percentage", "0"};
  redis_ = std::make_unique<testing::redis_server>(ro);
  persistence::connection_options co;
  co.host = redis_->host();
  co.port = redis_->port();
  co.command_timeout = std::chrono::seconds(60);
  connection_ = std::make_unique<persistence::redis_connection>(co);
  crm_ = std::make_unique<mock_crm_child>(settings_.binary, settings_.latency_ms,
                                          settings_.mock_threads, dir_, deadline_);
}

scale_fleet::~scale_fleet() {
  for (auto& node : nodes_) node->stop(std::chrono::seconds(10));
  nodes_.clear();
  crm_.reset();
  connection_.reset();
  redis_.reset();
  if (!settings_.keep_dir) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
}

void scale_fleet::put_event(const std::string& slug) {
  persistence::snapshot_store snapshots(*connection_);
  if (auto s = snapshots.put_event(slug, make_event(slug)); !s) {
    throw std::runtime_error("storing event " + slug + ": " + s.to_string());
  }
}

std::vector<std::int64_t> scale_fleet::enqueue(const std::vector<bench_order>& orders,
                                               std::size_t first, std::size_t last,
                                               const std::string& trigger) {
  persistence::queue_store queue(*connection_);
  std::vector<std::int64_t> acked(last - first, 0);
  for (std::size_t begin = first; begin < last; begin += 1000) {
    const std::size_t end = std::min(last, begin + 1000);
    std::vector<persistence::enqueue_request> batch;
    batch.reserve(end - begin);
    for (std::size_t i = begin; i < end; ++i) {
      batch.push_back(
          {{provider_id, orders[i].event, orders[i].code}, trigger, std::nullopt, orders[i].json});
    }
    auto r = queue.enqueue_many(batch, unix_ms());
    if (!r) throw std::runtime_error("enqueue_many: " + r.error().to_string());
    const auto now = unix_ms();
    for (std::size_t i = begin; i < end; ++i) acked[i - first] = now;
  }
  return acked;
}

std::string scale_fleet::node_config(const std::string& name) const {
  std::ostringstream t;
  t << "# scale_bench node " << name << " (generated)\n"
    << "[redis]\nurl = \"redis://127.0.0.1:" << redis_->port() << "/0\"\n"
    << "connect_timeout = \"2s\"\ncommand_timeout = \"30s\"\n\n"
    << "[node]\nname = \"" << name << "\"\nconcurrency = " << settings_.node_concurrency
    << "\nclaim_batch = " << settings_.claim_batch
    << "\nscheduler_threads = " << settings_.scheduler_threads
    << "\nstore_threads = " << settings_.store_threads << "\nlease = \"60s\"\ngrace = \"30s\"\n\n"
    << "[http]\nenabled = false\n\n"
    << "[shop]\nurl = \"https://tickets.example.org\"\norganizer = \"nordlicht\"\n\n"
    << "[log]\nlevel = \"warn\"\n\n"
    << "[[providers]]\nid = \"" << provider_id
    << "\"\ntype = \"rest\"\nchange_detection = " << (settings_.change_detection ? "true" : "false")
    << "\n\n"
    << "[[providers.mappings]]\nid = 1\npretix_model = \"Order\"\n"
    << "external_object_type = \"Order\"\npretix_id_field = \"event_order_code\"\n"
    << "external_id_field = \"number\"\nproperty_mappings = [{ pretix_field = \"email\", "
    << "external_field = \"email\", overwrite = \"overwrite\" }]\n\n"
    << "[[providers.mappings]]\nid = 2\npretix_model = \"OrderPosition\"\n"
    << "external_object_type = \"Ticket\"\npretix_id_field = \"ticket_id\"\n"
    << "external_id_field = \"ticket_id\"\nproperty_mappings = [{ pretix_field = "
    << "\"attendee_name\", external_field = \"name\", overwrite = \"overwrite\" }]\n\n"
    << "[providers.limits]\nconcurrency = " << settings_.call_concurrency
    << "\nrate = 0.0\nmax_wait = \"10m\"\nmax_waiting = 1000000\n\n"
    << "[providers.circuit_breaker]\nenabled = false\n\n"
    << "[providers.rest]\nbase_url = \"" << crm_->url()
    << "\"\nrequest_timeout = \"30s\"\nmax_connections = " << settings_.max_connections << "\n\n"
    << "[providers.rest.objects.Order]\n"
    << "lookup = { url = \"/api/order?{id_field}={id_value}\", results = \"results\" }\n"
    << "create = { url = \"/api/order\" }\nupdate = { url = \"/api/order/{external_id}\" }\n"
    << "link = \"{base_url}/api/order/{external_id}\"\n\n"
    << "[providers.rest.objects.Ticket]\n"
    << "lookup = { url = \"/api/ticket?{id_field}={id_value}\", results = \"results\" }\n"
    << "create = { url = \"/api/ticket\" }\nupdate = { url = \"/api/ticket/{external_id}\" }\n"
    << "link = \"{base_url}/api/ticket/{external_id}\"\n";
  return t.str();
}

void scale_fleet::start_nodes(int count) {
  for (int i = 0; i < count; ++i) {
    const std::string name = "scale-" + std::to_string(nodes_.size() + 1);
    const std::string config = dir_ + "/" + name + ".toml";
    std::ofstream(config) << node_config(name);
    nodes_.push_back(std::make_unique<child_process>(
        std::vector<std::string>{settings_.binary, "run", "--config", config},
        dir_ + "/" + name + ".out", dir_ + "/" + name + ".log"));
  }
  // Each node says "node NAME running" on stderr once its workers claim.
  for (std::size_t i = nodes_.size() - count; i < nodes_.size(); ++i) {
    const std::string expected = "node scale-" + std::to_string(i + 1) + " running";
    while (nodes_[i]->err_text().find(expected) == std::string::npos) {
      if (!nodes_[i]->running()) {
        throw std::runtime_error("node scale-" + std::to_string(i + 1) +
                                 " exited at start: " + nodes_[i]->err_text());
      }
      deadline_.check("waiting for node scale-" + std::to_string(i + 1) + " to start");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

std::vector<pid_t> scale_fleet::node_pids() const {
  std::vector<pid_t> pids;
  for (const auto& node : nodes_) pids.push_back(node->pid());
  return pids;
}

std::vector<node_reading> scale_fleet::read_nodes() const {
  std::vector<node_reading> out;
  for (const auto& node : nodes_) {
    out.push_back(
        {process_cpu_seconds(node->pid()), static_cast<double>(process_peak_rss(node->pid()))});
  }
  return out;
}

std::vector<std::string> scale_fleet::stop_nodes() {
  std::vector<std::string> problems;
  for (auto& node : nodes_) kill(node->pid(), SIGTERM);
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const int code = nodes_[i]->stop(std::chrono::seconds(40));
    if (code != 0 && code != -3) {
      problems.push_back("node scale-" + std::to_string(i + 1) + " exited with " +
                         std::to_string(code) +
                         "; its log: " + nodes_[i]->err_text().substr(0, 2000));
    }
  }
  return problems;
}

queue_state scale_fleet::queue() {
  const auto keys = persistence::key_space().queue(provider_id);
  auto replies =
      connection_->pipeline({{"HLEN", keys.items}, {"ZCARD", keys.parked}, {"HLEN", keys.running}});
  if (!replies || replies->size() != 3) {
    throw std::runtime_error("polling the queue failed");
  }
  count_driver_call("hlen", 2);
  count_driver_call("zcard", 1);
  queue_state q;
  q.waiting = static_cast<long>((*replies)[0].integer);
  q.parked = static_cast<long>((*replies)[1].integer);
  q.running = static_cast<long>((*replies)[2].integer);
  return q;
}

void scale_fleet::wait_drained(const run_deadline& deadline) {
  int quiet = 0;
  while (quiet < 2) {
    deadline.check("waiting for the queue to drain");
    quiet = queue().unfinished() <= 0 ? quiet + 1 : 0;
    for (std::size_t i = 0; i < nodes_.size(); ++i) {
      if (!nodes_[i]->running()) {
        throw std::runtime_error("node scale-" + std::to_string(i + 1) +
                                 " died: " + nodes_[i]->err_text().substr(0, 2000));
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(quiet ? 50 : 100));
  }
}

synced_times scale_fleet::read_synced(const std::vector<bench_order>& orders,
                                      std::int64_t since_ms) {
  persistence::key_space keys;
  synced_times out;
  out.at_ms.assign(orders.size(), 0);
  for (std::size_t begin = 0; begin < orders.size(); begin += 1000) {
    const std::size_t end = std::min(orders.size(), begin + 1000);
    std::vector<std::vector<std::string>> commands;
    for (std::size_t i = begin; i < end; ++i) {
      commands.push_back(
          {"LRANGE", keys.audit_log({provider_id, orders[i].event, orders[i].code}), "0", "49"});
    }
    auto replies = connection_->pipeline(commands);
    if (!replies) throw std::runtime_error("reading audit logs failed");
    for (std::size_t i = begin; i < end; ++i) {
      // Newest first: the first "synced" at or after since_ms is this pass's.
      for (const auto& element : (*replies)[i - begin].elements) {
        const auto entry = nlohmann::json::parse(element.str, nullptr, false);
        if (!entry.is_object()) continue;
        const std::int64_t at = entry.value("at", std::int64_t{0});
        if (at < since_ms) break;
        const std::string what = entry.value("what", std::string());
        ++out.entries[what];
        if (what == "synced" && out.at_ms[i] == 0) out.at_ms[i] = at;
      }
    }
  }
  return out;
}

}  // namespace tixsync::bench::scale
