// The fault-test fleet: child processes (mock CRM, nodes) started by fork/exec and stopped by
// PID, the node configs and mappings it writes, the synthetic orders, and bounded polling of
// the queue through `tixsync jobs --json`.
#include "tests/fault/fleet.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "persistence/audit_log.hpp"
#include "persistence/redis_connection.hpp"
#include "tests/support/command.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

std::vector<char*> raw_argv(std::vector<std::string>& argv) {
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  return raw;
}

/// SIGTERM, a bounded wait, then SIGKILL; always reaped.
void stop_child(pid_t pid) {
  if (pid <= 0) return;
  kill(pid, SIGTERM);
  for (int i = 0; i < 1500; ++i) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

// Contact per e-mail (locale through a value map that knows only the event's locales), ticket
// per position linked to its contact.
const char* const mappings_json = R"([
  {"id": 1, "pretix_model": "Order", "external_object_type": "Contact",
   "pretix_id_field": "email", "external_id_field": "email",
   "property_mappings": [
     {"pretix_field": "invoice_address_name", "external_field": "name", "value_map": "", "overwrite": "overwrite"},
     {"pretix_field": "order_locale", "external_field": "language", "value_map": {"en": "English", "de": "German"}, "overwrite": "overwrite"},
     {"pretix_field": "order_code", "external_field": "orders", "value_map": "", "overwrite": "append"}]},
  {"id": 2, "pretix_model": "OrderPosition", "external_object_type": "Ticket",
   "pretix_id_field": "ticket_id", "external_id_field": "ticket_id",
   "property_mappings": [
     {"pretix_field": "attendee_name", "external_field": "attendee", "value_map": "", "overwrite": "overwrite"},
     {"pretix_field": "ticket_price", "external_field": "price", "value_map": "", "overwrite": "overwrite"}]}
])";

}  // namespace

std::string synthetic_code(int index) {
  char code[16];
  std::snprintf(code, sizeof code, "Q%05d", index);
  return code;
}

std::string synthetic_orders(int count, int first, const std::set<int>& poison) {
  std::ifstream in(examples + "/sample-orders.jsonl");
  std::string line;
  std::getline(in, line);
  const json templ = json::parse(line);
  std::string out;
  for (int i = first; i < first + count; ++i) {
    json order = templ;
    const std::string code = synthetic_code(i);
    order["code"] = code;
    order["email"] = "buyer" + std::to_string(i) + "@example.org";
    order["locale"] = poison.count(i) ? "fr" : (i % 2 ? "de" : "en");
    json position = templ["positions"][0];
    json positions = json::array();
    for (int p = 1; p <= 2; ++p) {
      position["id"] = 1000000 + i * 2 + p;
      position["positionid"] = p;
      position["order"] = code;
      position["attendee_name"] = "Attendee " + std::to_string(i) + "-" + std::to_string(p);
      positions.push_back(position);
    }
    order["positions"] = positions;
    out += order.dump() + "\n";
  }
  return out;
}

mock_crm_process::mock_crm_process(const std::vector<std::string>& extra_args) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> argv{TIXSYNC_BINARY, "mock-crm", "--port", "0", "--threads", "2"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  auto raw = raw_argv(argv);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], 1);
    close(out[0]);
    close(out[1]);
    execv(raw[0], raw.data());
    _exit(127);
  }
  close(out[1]);
  out_ = out[0];
  std::string first;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  char c = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    if (read(out_, &c, 1) != 1 || c == '\n') break;
    first.push_back(c);
  }
  const std::string prefix = "mock-crm listening on http://127.0.0.1:";
  if (first.rfind(prefix, 0) == 0) port_ = std::stoi(first.substr(prefix.size()));
}

mock_crm_process::~mock_crm_process() {
  stop_child(pid_);
  if (out_ >= 0) close(out_);
}

json mock_crm_process::stats() const {
  return json::parse(fetch("GET", port_, "/_mock/stats").body, nullptr, false);
}

json mock_crm_process::dump() const {
  return json::parse(fetch("GET", port_, "/_mock/dump", "", {}, std::chrono::seconds(30)).body,
                     nullptr, false);
}

int mock_crm_process::set_faults(const json& body) const {
  return fetch("POST", port_, "/_mock/faults", body.dump(), {{"Content-Type", "application/json"}})
      .status;
}

node_process::node_process(const std::vector<std::string>& argv, const std::string& log_path,
                           const std::vector<std::pair<std::string, std::string>>& env)
    : log_path_(log_path) {
  std::vector<std::string> args = argv;
  auto raw = raw_argv(args);
  pid_ = fork();
  if (pid_ == 0) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    const int err = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int out = open((log_path + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(err, 2);
    dup2(out, 1);
    execv(raw[0], raw.data());
    _exit(127);
  }
}

node_process::~node_process() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void node_process::signal(int signo) const {
  if (pid_ > 0) kill(pid_, signo);
}

bool node_process::running() {
  int status = 0;
  if (pid_ > 0 && waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  return pid_ > 0;
}

int node_process::wait_exit(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return running() ? -2 : exit_code_;
}

std::string node_process::log() const {
  return read_text(log_path_);
}

int node_process::http_port(std::chrono::seconds limit) const {
  const std::regex line("dashboard: http://127\\.0\\.0\\.1:([0-9]+)/");
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch m;
    const std::string text = log();
    if (std::regex_search(text, m, line)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

long queue_snapshot::unfinished() const {
  long n = 0;
  for (const char* s : {"due", "scheduled", "follow_up", "in_flight"}) {
    auto it = states.find(s);
    if (it != states.end()) n += it->second;
  }
  return n;
}

long queue_snapshot::parked() const {
  long n = 0;
  for (const char* s : {"exceeded", "permanent", "config", "internal", "timeout"}) {
    auto it = states.find(s);
    if (it != states.end()) n += it->second;
  }
  return n;
}

fleet::fleet(fleet_options options) : options_(std::move(options)) {
  char name[] = "/tmp/tixsync-fault-XXXXXX";
  if (!mkdtemp(name)) throw std::runtime_error("mkdtemp failed");
  dir_ = name;
  std::ofstream(dir_ + "/mappings.json") << mappings_json;
  if (options_.sentinels) {
    group_ = std::make_unique<redis_sentinel_group>();
  } else {
    redis_ = std::make_unique<redis_server>();
  }
  crm_ = std::make_unique<mock_crm_process>(options_.mock_args);
  if (group_) config_for("cli");  // what cli() names with --config
}

fleet::~fleet() {
  for (auto& [name, node] : nodes_) {
    if (node->running()) node->signal(SIGKILL);
  }
  nodes_.clear();
  crm_.reset();
  redis_.reset();
  group_.reset();
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string fleet::redis_url() const {
  return "redis://127.0.0.1:" + std::to_string(redis_->port()) + "/0";
}

std::vector<std::string> fleet::cli(const std::string& verb, std::vector<std::string> args) const {
  std::vector<std::string> argv{TIXSYNC_BINARY, verb};
  if (group_) {
    argv.insert(argv.end(), {"--config", dir_ + "/cli.toml"});
  } else {
    argv.insert(argv.end(), {"--redis", redis_url()});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string fleet::write_orders(const std::string& name, const std::string& orders) const {
  const std::string path = dir_ + "/" + name;
  std::ofstream(path) << orders;
  return path;
}

std::string fleet::redis_keys() const {
  if (!group_) return "url = \"" + redis_url() + "\"\n";
  return "sentinels = " + group_->sentinels_toml() + "\nmaster_name = \"" + group_->master_name() +
         "\"\n";
}

std::string fleet::config_for(const std::string& name) {
  const std::string path = dir_ + "/" + name + ".toml";
  if (fs::exists(path)) return path;
  const fleet_options& o = options_;
  std::ostringstream t;
  t << "[redis]\n"
    << redis_keys() << "connect_timeout = \"300ms\"\n"
    << "command_timeout = \"2s\"\n\n"
    << "[node]\nname = \"" << name << "\"\nconcurrency = " << o.node_concurrency << "\nlease = \""
    << o.lease << "\"\ngrace = \"" << o.grace << "\"\nclaim_batch = 16\n\n"
    << (o.http ? "[http]\nport = 0\napi_token_env = \"TIXSYNC_FAULT_API_TOKEN\"\n" +
                     std::string(o.webhook_token
                                     ? "webhook_token_env = \"TIXSYNC_FAULT_WEBHOOK_TOKEN\"\n"
                                     : "") +
                     (o.max_body.empty() ? "" : "max_body = " + o.max_body + "\n") + "\n"
               : std::string("[http]\nenabled = false\n\n"))
    // With HTTP the shop is a closed loopback port: a webhook never reaches past loopback.
    << "[shop]\nurl = \"" << (o.http ? "http://127.0.0.1:1" : "https://tickets.nordlicht.example")
    << "\"\norganizer = \"nordlicht\"\n\n"
    << "[log]\nlevel = \"info\"\n\n"
    << "[[providers]]\nid = \"crm\"\ntype = \"rest\"\nlist_joiner = \",\"\nmappings = \"" << dir_
    << "/mappings.json\"\n\n"
    << "[providers.retry]\nmode = \"exponential\"\nbase = \"" << o.retry_base
    << "\"\ncap = \"1s\"\njitter = 0.2\nmax_attempts = " << o.max_attempts
    << "\nmax_rate_limit_deferrals = " << o.max_rate_limit_deferrals << "\n\n"
    << "[providers.limits]\nconcurrency = 16\n\n"
    << "[providers.circuit_breaker]\nfailure_threshold = " << o.failure_threshold
    << "\ncooldown = \"" << o.cooldown << "\"\nmax_cooldown = \"" << o.max_cooldown << "\"\n\n"
    << "[providers.rest]\nbase_url = \"" << crm_->url()
    << "\"\nconnect_timeout = \"2s\"\nrequest_timeout = \"5s\"\n\n"
    << "[providers.rest.objects.Contact]\n"
    << "lookup = { url = \"/api/contact?{id_field}={id_value}\", results = \"results\" }\n"
    << "get = { url = \"/api/contact/{external_id}\" }\n"
    << "create = { method = \"POST\", url = \"/api/contact\", id = \"id\" }\n"
    << "update = { method = \"PATCH\", url = \"/api/contact/{external_id}\" }\n\n"
    << "[providers.rest.objects.Ticket]\n"
    << "lookup = { url = \"/api/ticket?{id_field}={id_value}\", results = \"results\" }\n"
    << "get = { url = \"/api/ticket/{external_id}\" }\n"
    << "create = { url = \"/api/ticket\" }\n"
    << "update = { url = \"/api/ticket/{external_id}\" }\n\n"
    << "[providers.rest.objects.Ticket.associations]\n"
    << "contact = { mapping = 1, value = \"external_id\" }\n";
  std::ofstream(path) << t.str();
  return path;
}

node_process& fleet::start_node(const std::string& name, const std::string& feed) {
  std::vector<std::string> argv{TIXSYNC_BINARY, "run", "--config", config_for(name)};
  if (!feed.empty()) {
    argv.insert(argv.end(), {"--feed", feed, "--feed-event", examples + "/sample-event.json"});
  }
  auto node =
      std::make_unique<node_process>(argv, dir_ + "/" + name + ".log",
                                     std::vector<std::pair<std::string, std::string>>{
                                         {"TIXSYNC_FAULT_API_TOKEN", fleet_api_token},
                                         {"TIXSYNC_FAULT_WEBHOOK_TOKEN", fleet_webhook_token}});
  auto& ref = *node;
  nodes_[name] = std::move(node);
  return ref;
}

bool fleet::enqueue(const std::string& orders_path) {
  const auto r = run_command(
      cli("enqueue", {"--provider", "crm", "--event", "nordlicht/ndd25", "--order", orders_path}),
      "", std::chrono::seconds(60));
  return r.exit_code == 0;
}

queue_snapshot fleet::queue() const {
  queue_snapshot q;
  const auto r =
      run_command(cli("jobs", {"--provider", "crm", "--json"}), "", std::chrono::seconds(20));
  const json doc = json::parse(r.out, nullptr, false);
  if (r.exit_code != 0 || !doc.is_object() || !doc["states"].is_object()) return q;
  for (const auto& [state, n] : doc["states"].items()) q.states[state] = n.get<long>();
  q.total = doc.value("total", 0L);
  q.ok = true;
  return q;
}

std::map<std::pair<std::string, std::string>, long> fleet::causes() const {
  std::map<std::pair<std::string, std::string>, long> out;
  const auto r = run_command(cli("jobs", {"--provider", "crm", "--causes", "--json"}), "",
                             std::chrono::seconds(20));
  const json doc = json::parse(r.out, nullptr, false);
  if (!doc.is_object() || !doc["causes"].is_array()) return out;
  for (const auto& g : doc["causes"]) {
    out[{g.value("state", ""), g.value("cause", "")}] += g.value("count", 0L);
  }
  return out;
}

std::vector<std::string> fleet::in_flight_on(const std::string& name) const {
  std::vector<std::string> codes;
  const auto r = run_command(
      cli("jobs", {"--provider", "crm", "--state", "in_flight", "--limit", "1000", "--json"}), "",
      std::chrono::seconds(20));
  const json doc = json::parse(r.out, nullptr, false);
  if (!doc.is_object() || !doc["items"].is_array()) return codes;
  for (const auto& item : doc["items"]) {
    if (item.value("node", "") == name) codes.push_back(item.value("order", ""));
  }
  return codes;
}

json fleet::jobs(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = cli("jobs", {"--provider", "crm", "--json"});
  argv.insert(argv.end(), args.begin(), args.end());
  const auto r = run_command(argv, "", std::chrono::seconds(20));
  if (r.exit_code != 0) return nullptr;
  return json::parse(r.out, nullptr, false);
}

std::vector<std::string> fleet::codes_in(const std::string& state) const {
  std::vector<std::string> codes;
  const json doc = jobs({"--state", state, "--limit", "1000"});
  if (!doc.is_object() || !doc["items"].is_array()) return codes;
  for (const auto& item : doc["items"]) codes.push_back(item.value("order", ""));
  return codes;
}

std::vector<json> fleet::audit(const std::string& code) const {
  return audits({code})[code];
}

std::map<std::string, std::vector<json>> fleet::audits(
    const std::vector<std::string>& codes) const {
  persistence::connection_options c;
  if (group_) {
    c = group_->connection();
  } else {
    c.port = redis_->port();
  }
  c.command_timeout = std::chrono::milliseconds(5000);
  persistence::redis_connection connection(c);
  persistence::audit_log log(connection);
  std::map<std::string, std::vector<json>> out;
  for (const auto& code : codes) {
    auto entries = log.read(persistence::item_ref{"crm", "nordlicht/ndd25", code}, 1000);
    if (!entries.ok()) throw std::runtime_error("audit log of " + code + " unreadable");
    auto& list = out[code];
    for (auto it = entries->rbegin(); it != entries->rend(); ++it) {
      json entry = it->data;
      entry["at"] = it->at_ms;
      entry["what"] = it->what;
      list.push_back(std::move(entry));
    }
  }
  return out;
}

bool fleet::wait_until_finished(std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int quiet = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto q = queue();
    quiet = q.ok && q.unfinished() == 0 ? quiet + 1 : 0;
    if (quiet >= 2) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  return false;
}

bool fleet::wait_until_created(std::uint64_t n, std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const json s = crm_->stats();
    if (s.is_object() && s.value("created", std::uint64_t{0}) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void fleet::stop_nodes() {
  for (auto& [name, node] : nodes_) {
    if (node->running()) node->signal(SIGTERM);
  }
  for (auto& [name, node] : nodes_) {
    if (node->running() && node->wait_exit(std::chrono::seconds(30)) == -2) {
      node->signal(SIGKILL);
      node->wait_exit(std::chrono::seconds(10));
    }
  }
}

object_count count_objects(const json& dump, const std::string& type, const std::string& field) {
  object_count c;
  if (!dump.is_object() || !dump.contains(type)) return c;
  std::set<std::string> values;
  for (const auto& object : dump[type]) {
    ++c.objects;
    values.insert(object.value(field, std::string()));
  }
  c.distinct = values.size();
  return c;
}

}  // namespace tixsync::testing
