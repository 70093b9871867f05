// Starting a master, its replica and three sentinels, and failing the master over by command or
// by SIGKILL, with bounded waits on what the sentinels and servers report; a wait that runs out
// reports its step, what every sentinel and server answers and the tails of their logs.
#include "tests/support/redis_sentinel.hpp"

#include <algorithm>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
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

/// A reply on one line: arrays as [a, b], nil as "(no answer)".
std::string render(const persistence::redis_value& v) {
  using kind = persistence::redis_value::kind;
  if (v.type == kind::nil) return "(no answer)";
  if (v.type == kind::integer) return std::to_string(v.integer);
  if (v.type == kind::error) return "error: " + v.str;
  if (v.type != kind::array) return v.str;
  std::string out = "[";
  for (std::size_t i = 0; i < v.elements.size(); ++i) {
    out += (i ? ", " : "") + render(v.elements[i]);
  }
  return out + "]";
}

/// The fields of a flat key/value array reply (SENTINEL MASTER, one of SENTINEL REPLICAS).
std::map<std::string, std::string> fields(const persistence::redis_value& v) {
  std::map<std::string, std::string> out;
  for (std::size_t k = 0; k + 1 < v.elements.size(); k += 2) {
    out[v.elements[k].str] = v.elements[k + 1].str;
  }
  return out;
}

/// "key=value" for those of `keys` that `all` has.
std::string pick(const std::map<std::string, std::string>& all,
                 const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) {
    auto it = all.find(k);
    if (it != all.end()) out += (out.empty() ? "" : " ") + k + "=" + it->second;
  }
  return out.empty() ? "(no answer)" : out;
}

/// The value of `key` in an INFO reply ("key:value" lines).
std::string info_field(const std::string& info, const std::string& key) {
  const auto at = info.find(key + ":");
  if (at == std::string::npos) return "?";
  const auto begin = at + key.size() + 1;
  return info.substr(begin, info.find_first_of("\r\n", begin) - begin);
}

/// The last `count` lines of the file at `path`.
std::string tail(const std::string& path, std::size_t count) {
  std::ifstream in(path);
  std::deque<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
    if (lines.size() > count) lines.pop_front();
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out.empty() ? "(no log)\n" : out;
}

}  // namespace

// Bounded steps that share one deadline; each notes when it was reached, so that a failure
// names the step whose wait ran out and how far the others got.
class redis_sentinel_group::steps {
 public:
  using clock = std::chrono::steady_clock;

  explicit steps(std::chrono::milliseconds limit) : start_(clock::now()), limit_(limit) {}

  /// Polls `condition` until it holds or the shared deadline passes.
  bool wait(const std::string& what, const std::function<bool()>& condition) {
    const auto left = std::max(start_ + limit_ - clock::now(), clock::duration::zero());
    if (!eventually(condition, std::chrono::duration_cast<std::chrono::milliseconds>(left),
                    std::chrono::milliseconds(100))) {
      return fail(what);
    }
    reached_ += (reached_.empty() ? "" : ", ") + what + " at " + seconds();
    return true;
  }
  /// Ends with `what` not reached, without waiting.
  bool fail(const std::string& what) {
    failed_ = what;
    failed_at_ = seconds();
    return false;
  }
  const std::string& reached() const { return reached_; }
  std::string text() const {
    return "step '" + failed_ + "' not reached after " + failed_at_ + " (limit " +
           std::to_string(limit_.count() / 1000) +
           " s); reached before: " + (reached_.empty() ? "nothing" : reached_);
  }

 private:
  std::string seconds() const {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start_).count();
    return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
  }

  clock::time_point start_;
  std::chrono::milliseconds limit_;
  std::string reached_;
  std::string failed_;
  std::string failed_at_;
};

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
  for (int i = 0; i < 3; ++i) {
    sentinels_.push_back(std::make_unique<redis_server>(sentinel));
    auto set =
        ask(i, {"SENTINEL", "DEBUG", "tilt-period", std::to_string(options_.tilt_period.count())});
    if (set.str != "OK") {
      throw std::runtime_error("SENTINEL DEBUG tilt-period answered " + render(set));
    }
  }
  steps done(30s);
  if (!done.wait("every sentinel is ready to replace server 0 by server 1",
                 [&] { return ready_to_fail_over(0, 1); })) {
    throw std::runtime_error("the sentinels did not get ready: " + failed(done).failure);
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

bool redis_sentinel_group::link_up(int replica) {
  if (!servers_.at(replica)->running()) return false;
  auto role = run(servers_[replica]->port(), {"ROLE"});
  return role.elements.size() > 3 && role.elements[3].str == "connected";
}

bool redis_sentinel_group::replica_known(int replica) {
  const std::string port = std::to_string(servers_.at(replica)->port());
  // Known to the sentinels as a connected replica, and in sync (it answers ROLE as a replica
  // whose link is up).
  auto replicas = ask(0, {"SENTINEL", "REPLICAS", options_.master_name});
  for (const auto& r : replicas.elements) {
    auto f = fields(r);
    if (f["port"] == port && f["flags"] == "slave") return link_up(replica);
  }
  return false;
}

bool redis_sentinel_group::names(int sentinel, int server) {
  auto addr = ask(sentinel, {"SENTINEL", "get-master-addr-by-name", options_.master_name});
  return addr.elements.size() == 2 &&
         addr.elements[1].str == std::to_string(servers_.at(server)->port());
}

bool redis_sentinel_group::sentinel_ready(int s, int master, int replica) {
  const std::string& name = options_.master_name;
  if (!names(s, master)) return false;
  if (info_field(ask(s, {"INFO", "sentinel"}).str, "sentinel_tilt") != "0") return false;
  auto m = fields(ask(s, {"SENTINEL", "MASTER", name}));
  if (m["flags"] != "master" || m["num-other-sentinels"] != "2") return false;
  const std::string port = std::to_string(servers_.at(replica)->port());
  for (const auto& r : ask(s, {"SENTINEL", "REPLICAS", name}).elements) {
    auto f = fields(r);
    if (f["port"] == port) return f["flags"] == "slave" && f["master-link-status"] == "ok";
  }
  return false;
}

bool redis_sentinel_group::ready_to_fail_over(int master, int replica) {
  for (int s = 0; s < static_cast<int>(sentinels_.size()); ++s) {
    if (!sentinel_ready(s, master, replica)) return false;
  }
  return link_up(replica);
}

bool redis_sentinel_group::all_name(int server) {
  for (int s = 0; s < static_cast<int>(sentinels_.size()); ++s) {
    if (!names(s, server)) return false;
  }
  return true;
}

bool redis_sentinel_group::master_moved(int from) {
  const int now = named_master();
  return now >= 0 && now != from && is_master(now);
}

bool redis_sentinel_group::master_flagged(const std::string& flag) {
  for (int s = 0; s < static_cast<int>(sentinels_.size()); ++s) {
    auto master = fields(ask(s, {"SENTINEL", "MASTER", options_.master_name}));
    if (("," + master["flags"] + ",").find("," + flag + ",") != std::string::npos) return true;
  }
  return false;
}

sentinel_wait redis_sentinel_group::failed(const steps& done) {
  return {done.text() + "\n" + report(), done.reached()};
}

sentinel_wait redis_sentinel_group::wait_replica_known(int replica, std::chrono::seconds limit) {
  steps done(limit);
  if (!done.wait(
          "sentinel 0 knows server " + std::to_string(replica) + " as a replica whose link is up",
          [&] { return replica_known(replica); })) {
    return failed(done);
  }
  return {"", done.reached()};
}

int redis_sentinel_group::wait_ready(steps& done) {
  int from = -1;
  if (!done.wait("a sentinel names the master", [&] { return (from = named_master()) >= 0; })) {
    return -1;
  }
  // A sentinel that does not know the replica or the other sentinels yet, or acts on nothing
  // (TILT), cannot take part in replacing the master.
  const std::string to = std::to_string(1 - from);
  if (!done.wait("every sentinel names server " + std::to_string(from) +
                     ", knows the other sentinels and server " + to +
                     " as a replica whose link is up, and is not in TILT mode",
                 [&] { return ready_to_fail_over(from, 1 - from); })) {
    return -1;
  }
  return from;
}

sentinel_wait redis_sentinel_group::fail_over(std::chrono::seconds limit) {
  steps done(limit);
  const int from = wait_ready(done);
  if (from < 0) return failed(done);
  auto reply = ask(0, {"SENTINEL", "FAILOVER", options_.master_name});
  if (reply.str != "OK") {
    done.fail("sentinel 0 accepts SENTINEL FAILOVER (it answered " + render(reply) + ")");
    return failed(done);
  }
  if (!done.wait(
          "a sentinel names server " + std::to_string(1 - from) + ", which answers ROLE master",
          [&] { return master_moved(from); })) {
    return failed(done);
  }
  return {"", done.reached()};
}

sentinel_wait redis_sentinel_group::kill_master(std::chrono::seconds limit) {
  steps done(limit);
  const int from = wait_ready(done);
  if (from < 0) return failed(done);
  const int replica = 1 - from;
  const std::string f = "server " + std::to_string(from), r = "server " + std::to_string(replica);
  servers_[from]->kill();
  // Each step also counts as reached once the failover is over: it may pass between two polls.
  const auto seen = [&](const std::string& flag) {
    return [this, flag, from] { return master_flagged(flag) || master_moved(from); };
  };
  const bool moved = done.wait("a sentinel sees " + f + " down (s_down)", seen("s_down")) &&
                     done.wait("the sentinels agree that it is down (o_down)", seen("o_down")) &&
                     done.wait("a sentinel starts the failover", seen("failover_in_progress")) &&
                     done.wait("a sentinel names " + r + ", which answers ROLE master",
                               [&] { return master_moved(from); }) &&
                     // Restarted earlier, the old master would answer as a master to a sentinel
                     // that still takes it for one.
                     done.wait("every sentinel names " + r, [&] { return all_name(replica); });
  if (!moved) return failed(done);
  servers_[from]->start();
  if (!done.wait("sentinel 0 knows the restarted " + f + " as a replica whose link is up",
                 [&] { return replica_known(from); })) {
    return failed(done);
  }
  return {"", done.reached()};
}

std::string redis_sentinel_group::report() {
  const std::string& name = options_.master_name;
  std::ostringstream out;
  for (int s = 0; s < static_cast<int>(sentinels_.size()); ++s) {
    out << "sentinel " << s << " (port " << sentinels_[s]->port() << "): ";
    if (!sentinels_[s]->running()) {
      out << "not running\n";
      continue;
    }
    const auto info = ask(s, {"INFO", "sentinel"}).str;
    out << "tilt " << info_field(info, "sentinel_tilt") << ", names "
        << render(ask(s, {"SENTINEL", "get-master-addr-by-name", name})) << ", master "
        << pick(fields(ask(s, {"SENTINEL", "MASTER", name})),
                {"port", "flags", "num-slaves", "num-other-sentinels", "config-epoch",
                 "failover-state", "last-ok-ping-reply"})
        << "\n";
    for (const auto& r : ask(s, {"SENTINEL", "REPLICAS", name}).elements) {
      out << "  replica "
          << pick(fields(r),
                  {"port", "flags", "master-link-status", "master-link-down-time", "role-reported",
                   "slave-priority", "slave-repl-offset", "info-refresh"})
          << "\n";
    }
  }
  for (int i = 0; i < static_cast<int>(servers_.size()); ++i) {
    out << "server " << i << " (port " << servers_[i]->port() << "): "
        << (servers_[i]->running() ? "ROLE " + render(run(servers_[i]->port(), {"ROLE"}))
                                   : std::string("not running"))
        << "\n";
  }
  const auto logs = [&](const char* what, const auto& processes) {
    for (std::size_t i = 0; i < processes.size(); ++i) {
      out << "--- last 40 lines of " << what << " " << i << "'s log:\n"
          << tail(processes[i]->dir() + "/redis.log", 40);
    }
  };
  logs("sentinel", sentinels_);
  logs("server", servers_);
  return out.str();
}

}  // namespace tixsync::testing
