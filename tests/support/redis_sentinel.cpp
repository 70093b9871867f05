// Starting a master, its replica and three sentinels, and failing the master over by command or
// by SIGKILL, with bounded waits on what the sentinels and servers report.
#include "tests/support/redis_sentinel.hpp"

#include <stdexcept>
#include <thread>

#include "tests/support/eventually.hpp"

namespace tixsync::testing {
namespace {

using namespace std::chrono_literals;

persistence::redis_value run(int port, const std::vector<std::string>& argv) {
  persistence::connection_options o;
  o.port = port;
  o.connect_attempts = 1;
  o.connect_timeout = 300ms;
  o.command_timeout = 1000ms;
  persistence::redis_connection c(o);
  auto reply = c.command(argv);
  return reply ? *reply : persistence::redis_value{};
}

}  // namespace

redis_sentinel_group::redis_sentinel_group(sentinel_group_options options)
    : options_(std::move(options)) {
  // No delay before the replica's first sync, so that it is in sync before any test write.
  redis_server_options data;
  data.extra_args = {"--repl-diskless-sync-delay", "0"};
  servers_.push_back(std::make_unique<redis_server>(data));
  data.extra_args.insert(data.extra_args.end(),
                         {"--replicaof", "127.0.0.1", std::to_string(servers_[0]->port())});
  servers_.push_back(std::make_unique<redis_server>(data));
  const std::string& name = options_.master_name;
  redis_server_options sentinel;
  sentinel.sentinel = true;
  sentinel.config_text =
      "sentinel monitor " + name + " 127.0.0.1 " + std::to_string(servers_[0]->port()) + " 2\n" +
      "sentinel down-after-milliseconds " + name + " " +
      std::to_string(options_.down_after.count()) + "\n" + "sentinel failover-timeout " + name +
      " " + std::to_string(options_.failover_timeout.count()) + "\n" + "sentinel parallel-syncs " +
      name + " 1\n";
  for (int i = 0; i < 3; ++i) sentinels_.push_back(std::make_unique<redis_server>(sentinel));
  const bool peers = eventually(
      [&] {
        auto quorum = ask(0, {"SENTINEL", "CKQUORUM", name});
        return quorum.str.find("3 usable") != std::string::npos;
      },
      30s, 100ms);
  if (!peers || !wait_replica_known(1, 30s)) {
    throw std::runtime_error("the sentinels did not learn of each other and the replica");
  }
}

redis_sentinel_group::~redis_sentinel_group() = default;

std::string redis_sentinel_group::sentinels_toml() const {
  std::string out = "[";
  for (std::size_t i = 0; i < sentinels_.size(); ++i) {
    out += (i ? ", \"127.0.0.1:" : "\"127.0.0.1:") + std::to_string(sentinels_[i]->port()) + "\"";
  }
  return out + "]";
}

persistence::connection_options redis_sentinel_group::connection() const {
  persistence::connection_options o;
  for (const auto& s : sentinels_) o.failover.sentinels.push_back({"127.0.0.1", s->port()});
  o.failover.master_name = options_.master_name;
  o.failover.min_replicas_acked = 1;
  o.connect_timeout = 300ms;
  return o;
}

persistence::redis_value redis_sentinel_group::ask(int sentinel,
                                                   const std::vector<std::string>& argv) {
  if (!sentinels_.at(sentinel)->running()) return {};
  return run(sentinels_[sentinel]->port(), argv);
}

int redis_sentinel_group::named_master() {
  for (int s = 0; s < static_cast<int>(sentinels_.size()); ++s) {
    auto reply = ask(s, {"SENTINEL", "get-master-addr-by-name", options_.master_name});
    if (!reply.is_array() || reply.elements.size() != 2) continue;
    for (int i = 0; i < static_cast<int>(servers_.size()); ++i) {
      if (reply.elements[1].str == std::to_string(servers_[i]->port())) return i;
    }
  }
  return -1;
}

bool redis_sentinel_group::is_master(int i) {
  if (!servers_.at(i)->running()) return false;
  auto role = run(servers_[i]->port(), {"ROLE"});
  return role.is_array() && !role.elements.empty() && role.elements[0].str == "master";
}

bool redis_sentinel_group::wait_replica_known(int replica, std::chrono::seconds limit) {
  const std::string port = std::to_string(servers_.at(replica)->port());
  // Known to the sentinels as a connected replica, and in sync (it answers ROLE as a replica
  // whose link is up).
  return eventually(
      [&] {
        auto replicas = ask(0, {"SENTINEL", "REPLICAS", options_.master_name});
        for (const auto& r : replicas.elements) {
          std::string at, flags;
          for (std::size_t k = 0; k + 1 < r.elements.size(); k += 2) {
            if (r.elements[k].str == "port") at = r.elements[k + 1].str;
            if (r.elements[k].str == "flags") flags = r.elements[k + 1].str;
          }
          if (at != port || flags != "slave") continue;
          auto role = run(servers_[replica]->port(), {"ROLE"});
          return role.elements.size() > 3 && role.elements[3].str == "connected";
        }
        return false;
      },
      limit, 100ms);
}

bool redis_sentinel_group::wait_master_moved(int from, std::chrono::seconds limit) {
  return eventually(
      [&] {
        const int now = named_master();
        return now >= 0 && now != from && is_master(now);
      },
      limit, 100ms);
}

bool redis_sentinel_group::fail_over(std::chrono::seconds limit) {
  const int from = named_master();
  if (from < 0) return false;
  auto reply = ask(0, {"SENTINEL", "FAILOVER", options_.master_name});
  if (reply.str != "OK") return false;
  return wait_master_moved(from, limit);
}

bool redis_sentinel_group::kill_master(std::chrono::seconds limit) {
  const int from = named_master();
  if (from < 0) return false;
  servers_[from]->kill();
  if (!wait_master_moved(from, limit)) return false;
  servers_[from]->start();
  return wait_replica_known(from, limit);
}

}  // namespace tixsync::testing
