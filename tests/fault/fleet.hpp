// A fleet for process-level fault tests: one real redis-server (AOF, appendfsync always), one
// `tixsync mock-crm` child, and `tixsync run` node children with generated configs that sync N
// synthetic orders (deterministic, 2 positions each) into the mock through a REST provider.
// Nodes may serve their HTTP API on a free port. Everything it starts it stops by PID; every
// wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/redis_server.hpp"

namespace tixsync::testing {

class redis_sentinel_group;

/// The API token of nodes started with fleet_options::http (given through the environment).
inline const std::string fleet_api_token = "fault-fleet-api-token-4f1c9e";
/// The webhook token of nodes started with fleet_options::webhook_token.
inline const std::string fleet_webhook_token = "fault-fleet-webhook-token-7d2a05";

/// How the fleet's nodes and its mock CRM are set up.
struct fleet_options {
  std::vector<std::string> mock_args;  ///< extra `tixsync mock-crm` options (faults, latency)
  std::string lease = "2s";            ///< [node] lease
  std::string grace = "10s";           ///< [node] grace
  int node_concurrency = 32;           ///< [node] concurrency
  int max_attempts = 20;               ///< [providers.retry] max_attempts
  int max_rate_limit_deferrals = 1000;
  std::string retry_base = "200ms";  ///< exponential backoff base (cap 1s)
  int failure_threshold = 10;        ///< [providers.circuit_breaker]
  std::string cooldown = "1s";
  std::string max_cooldown = "2s";
  bool http = false;           ///< [http] on a free loopback port, token fleet_api_token
  bool webhook_token = false;  ///< with http: [http] webhook_token_env, token fleet_webhook_token
  std::string max_body = "";   ///< [http] max_body when set (bytes)
  /// Redis behind three sentinels (a master and its replica; redis_sentinel.hpp) instead of
  /// one server: the nodes and the fleet's commands find the master through the sentinels.
  bool sentinels = false;
};

/// The synthetic orders: codes Q00000.. with one e-mail each and two positions; the codes in
/// `poison` get locale "fr", which the Contact mapping's value map does not assign (config error).
std::string synthetic_orders(int count, int first = 0, const std::set<int>& poison = {});
/// The order code of synthetic order `index`.
std::string synthetic_code(int index);

/// A `tixsync mock-crm --port 0` child; its port read from its first line of output.
class mock_crm_process {
 public:
  explicit mock_crm_process(const std::vector<std::string>& extra_args);
  ~mock_crm_process();
  mock_crm_process(const mock_crm_process&) = delete;
  mock_crm_process& operator=(const mock_crm_process&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// GET /_mock/stats (null JSON when it did not answer).
  nlohmann::json stats() const;
  /// GET /_mock/dump.
  nlohmann::json dump() const;
  /// POST /_mock/faults with `body`; the HTTP status.
  int set_faults(const nlohmann::json& body) const;

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  int port_ = 0;
};

/// One `tixsync run` child with stdout and stderr in files of the fleet's folder.
class node_process {
 public:
  /// Starts argv[0]; `env` is added to the child's environment.
  node_process(const std::vector<std::string>& argv, const std::string& log_path,
               const std::vector<std::pair<std::string, std::string>>& env = {});
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  pid_t pid() const { return pid_; }
  /// Whether the process is still alive (reaps it when it has exited).
  bool running();
  void signal(int signo) const;
  /// Waits (bounded) for the exit; the exit code, -1 for a signal, -2 when still running.
  int wait_exit(std::chrono::seconds limit);
  /// What the node wrote to stderr so far.
  std::string log() const;
  /// The port of its "dashboard: http://127.0.0.1:PORT/" line, waiting (bounded) for it; -1
  /// when it did not appear.
  int http_port(std::chrono::seconds limit = std::chrono::seconds(20)) const;

 private:
  pid_t pid_ = -1;
  int exit_code_ = -2;  ///< once reaped: the exit code, -1 for a signal
  std::string log_path_;
};

/// Counts of a provider's queue by state, from `tixsync jobs --provider P --json`.
struct queue_snapshot {
  bool ok = false;  ///< false when the command failed (e.g. Redis down)
  std::map<std::string, long> states;
  long total = 0;
  /// Items that still need work (due, scheduled, follow-up, in flight).
  long unfinished() const;
  /// Items parked in any state (exceeded, permanent, config, internal, timeout).
  long parked() const;
};

/// Redis, the mock CRM and the nodes of one test.
class fleet {
 public:
  explicit fleet(fleet_options options);
  ~fleet();

  const std::string& dir() const { return dir_; }
  redis_server& redis() { return *redis_; }
  /// The sentinels and their servers (fleet_options::sentinels only).
  redis_sentinel_group& sentinels() { return *group_; }
  mock_crm_process& crm() { return *crm_; }
  std::string redis_url() const;
  /// argv of `tixsync VERB` with the options that name the fleet's Redis, then `args`.
  std::vector<std::string> cli(const std::string& verb, std::vector<std::string> args) const;
  /// Writes `orders` as a JSON-lines file in the fleet folder; its path.
  std::string write_orders(const std::string& name, const std::string& orders) const;
  /// The config file of node `name` (written on first use).
  std::string config_for(const std::string& name);
  /// Starts a node; with `feed` it stores the event and enqueues the orders file first.
  node_process& start_node(const std::string& name, const std::string& feed = "");
  node_process& node(const std::string& name) { return *nodes_.at(name); }
  /// `tixsync enqueue` of a JSON-lines file through node `name`'s config; true on exit 0.
  bool enqueue(const std::string& orders_path);
  /// The queue of provider "crm" now.
  queue_snapshot queue() const;
  /// `jobs --causes --json`: (state, cause) -> count.
  std::map<std::pair<std::string, std::string>, long> causes() const;
  /// Order codes in flight on node `name` (`jobs --state in_flight --json`, first 1000).
  std::vector<std::string> in_flight_on(const std::string& name) const;
  /// `tixsync jobs --provider crm --json` with `args` added, parsed (null when it failed).
  nlohmann::json jobs(const std::vector<std::string>& args) const;
  /// Order codes of the items in `state` (first 1000).
  std::vector<std::string> codes_in(const std::string& state) const;
  /// The audit log of an order of event nordlicht/ndd25 in provider "crm", read from Redis:
  /// entries oldest first, each an object with "at" (unix ms), "what" and the rest.
  std::vector<nlohmann::json> audit(const std::string& code) const;
  /// The audit logs of many orders over one Redis connection (code -> entries, oldest first).
  std::map<std::string, std::vector<nlohmann::json>> audits(
      const std::vector<std::string>& codes) const;
  /// Polls until nothing of "crm" is unfinished for two polls in a row; false on timeout.
  bool wait_until_finished(std::chrono::seconds limit) const;
  /// Polls until the mock has `n` created objects or more; false on timeout.
  bool wait_until_created(std::uint64_t n, std::chrono::seconds limit) const;
  /// SIGTERM to every running node, then SIGKILL after a bound.
  void stop_nodes();

 private:
  /// The [redis] keys naming the fleet's Redis (url, or sentinels and master_name).
  std::string redis_keys() const;

  fleet_options options_;
  std::string dir_;
  std::unique_ptr<redis_server> redis_;
  std::unique_ptr<redis_sentinel_group> group_;
  std::unique_ptr<mock_crm_process> crm_;
  std::map<std::string, std::unique_ptr<node_process>> nodes_;
};

/// Objects of `type` in a mock dump: how many, and how many distinct values of `field`.
struct object_count {
  std::size_t objects = 0;
  std::size_t distinct = 0;
};
object_count count_objects(const nlohmann::json& dump, const std::string& type,
                           const std::string& field);

}  // namespace tixsync::testing
