// `tixsync enqueue`: puts one order (or every order of a JSON-lines file) into a provider's queue,
// storing the order snapshots in the same pipeline, or enqueues an order code whose snapshot is
// already stored. Prints per order whether an item was created, updated or made a follow-up.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "app/input_files.hpp"
#include "app/queue_access.hpp"
#include "config/duration.hpp"
#include "mapping/datetime.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::app {
namespace {

struct enqueue_options {
  redis_options redis;
  std::string provider, event, order_path, code, not_before;
  std::string trigger = "manual";
};

std::optional<std::int64_t> parse_not_before(const std::string& text, std::int64_t now) {
  if (text.empty()) return std::nullopt;
  if (text[0] == '+') {
    if (auto d = config::parse_duration(text.substr(1))) return now + d->count();
  } else if (auto t = mapping::parse_datetime(text)) {
    return t->seconds * 1000 + t->microsecond / 1000;
  }
  throw command_error(
      exit_usage, "--not-before " + text + ": expected an ISO datetime with offset or +DURATION");
}

/// The order texts of the file: one per non-empty line when every line holds an object.
std::vector<std::pair<std::string, std::string>> split_orders(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<std::pair<std::string, std::string>> lines;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos) continue;
    if (line[start] != '{') return {{path, text}};
    lines.push_back({path + ":" + std::to_string(number), line});
  }
  if (lines.size() <= 1) return {{path, text}};
  return lines;
}

/// Requests for every order of the file; all problems at once (nothing is enqueued then).
std::vector<persistence::enqueue_request> read_requests(const enqueue_options& o,
                                                        std::optional<std::int64_t> not_before) {
  const std::string slug = o.event.substr(o.event.rfind('/') + 1);
  mapping::order_reader reader;
  std::vector<persistence::enqueue_request> requests;
  std::string problems;
  for (auto& [origin, text] : split_orders(o.order_path)) {
    mapping::order order;
    mapping::read_error error;
    if (!reader.read_order(text, order, error)) {
      problems += "\n  " + origin + ": " + error.to_string();
    } else if (order.event != slug) {
      problems += "\n  " + origin + ": order " + order.code + " belongs to event '" + order.event +
                  "', not to " + o.event;
    } else {
      requests.push_back({{o.provider, o.event, order.code}, o.trigger, not_before, text});
    }
  }
  if (!problems.empty()) throw command_error(exit_bad_input, "bad orders:" + problems);
  return requests;
}

const char* outcome(const persistence::enqueue_result& r) {
  return r.follow_up ? "follow-up" : r.created ? "created" : "updated";
}

void print(const enqueue_options& o, const std::vector<persistence::enqueue_request>& requests,
           const std::vector<persistence::enqueue_result>& results) {
  std::map<std::string, int> totals{{"created", 0}, {"updated", 0}, {"follow-up", 0}};
  nlohmann::json items = nlohmann::json::array();
  for (std::size_t i = 0; i < results.size(); ++i) {
    ++totals[outcome(results[i])];
    items.push_back({{"order", requests[i].ref.order}, {"result", outcome(results[i])}});
    if (!o.redis.json) {
      std::cout << fmt::format("{:<12} {}\n", requests[i].ref.order, outcome(results[i]));
    }
  }
  if (o.redis.json) {
    nlohmann::json out = {{"provider", o.provider}, {"event", o.event}, {"items", items}};
    for (const auto& [name, count] : totals) out[name] = count;
    std::cout << out.dump(2) << "\n";
  } else if (results.size() > 1) {
    std::cout << fmt::format("{} created, {} updated, {} follow-up\n", totals["created"],
                             totals["updated"], totals["follow-up"]);
  }
}

void run_enqueue(const enqueue_options& o) {
  const std::int64_t now = now_ms();
  const auto not_before = parse_not_before(o.not_before, now);
  std::vector<persistence::enqueue_request> requests;
  if (!o.order_path.empty()) {
    requests = read_requests(o, not_before);
  } else {
    requests.push_back({{o.provider, o.event, o.code}, o.trigger, not_before, std::nullopt});
  }
  auto access = open_queue(o.redis);
  if (access.config && !access.config->find_provider(o.provider)) {
    throw command_error(exit_bad_input, "provider '" + o.provider + "' is not configured in " +
                                            o.redis.config_path);
  }
  persistence::queue_options options;
  options.keys = access.keys;
  persistence::queue_store queue(*access.connection, options);
  std::vector<persistence::enqueue_result> results;
  if (requests.size() == 1) {
    results.push_back(must(queue.enqueue(requests.front(), now), "enqueue"));
  } else {
    results = must(queue.enqueue_many(requests, now), "enqueue");
  }
  print(o, requests, results);
}

}  // namespace

void register_enqueue_command(CLI::App& app, command_action& run) {
  auto o = std::make_shared<enqueue_options>();
  auto* cmd = app.add_subcommand("enqueue", "Put orders into a provider's queue");
  cmd->add_option("--provider", o->provider, "Provider id")->required();
  cmd->add_option("--event", o->event, "Event, organizer/event")->required();
  auto* order = cmd->add_option("--order", o->order_path, "Order JSON, or JSON lines of orders");
  auto* code = cmd->add_option("--code", o->code, "Order code whose snapshot is stored already");
  order->excludes(code);
  cmd->add_option("--trigger", o->trigger, "Trigger name (default: manual)");
  cmd->add_option("--not-before", o->not_before, "Not before: ISO datetime or +DURATION (+30s)");
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] {
    if (o->order_path.empty() && o->code.empty()) {
      throw CLI::RequiredError("--order or --code");
    }
    run = [o] { run_enqueue(*o); };
  });
}

}  // namespace tixsync::app
