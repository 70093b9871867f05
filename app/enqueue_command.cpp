// `tixsync enqueue`: puts one order (or every order of a JSON-lines file) into a provider's queue,
// storing the order snapshots in the same pipeline, or enqueues an order code whose snapshot is
// already stored. The file is read line by line twice: every order is checked before the first
// is enqueued, then they are enqueued in chunks. Refuses when the event has no snapshot (a node
// could not sync the orders) unless the bundle comes with --event-file. Prints per order whether
// an item was created, updated or made a follow-up.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "app/input_files.hpp"
#include "app/queue_access.hpp"
#include "config/duration.hpp"
#include "mapping/datetime.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::app {
namespace {

/// Orders and bytes of snapshots sent to Redis per enqueue_many.
constexpr std::size_t chunk_orders = 500;
constexpr std::size_t chunk_bytes = 2 * 1024 * 1024;

struct enqueue_options {
  redis_options redis;
  std::string provider, event, order_path, code, not_before, event_file;
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

/// Reads one order of the file and checks it belongs to --event; "" or the problem.
std::string read_checked(mapping::order_reader& reader, const enqueue_options& o,
                         const order_text& text, mapping::order& order) {
  if (!text.problem.empty()) return text.problem;
  mapping::read_error error;
  if (!reader.read_order(text.json, order, error)) return error.to_string();
  const std::string slug = o.event.substr(o.event.rfind('/') + 1);
  if (order.event != slug) {
    return "order " + order.code + " belongs to event '" + order.event + "', not to " + o.event;
  }
  if (auto valid = persistence::validate_identifier("order", order.code); !valid.ok()) {
    return "code: " + valid.message();
  }
  return "";
}

/// Checks every order of the file; all problems at once, and nothing is enqueued then.
void check_orders(order_file& file, const enqueue_options& o) {
  mapping::order_reader reader;
  problem_list problems;
  file.for_each([&](order_text& text) {
    mapping::order order;
    if (auto problem = read_checked(reader, o, text, order); !problem.empty()) {
      problems.add(text.origin + ": " + problem);
    }
  });
  if (!problems.empty()) problems.fail("bad orders:");
}

/// The event bundle of --event-file, checked against --event.
std::string read_event_file(const enqueue_options& o) {
  std::string text = read_file(o.event_file);
  const auto bundle = load_event_bundle(o.event_file);
  if (bundle.organizer + "/" + bundle.slug != o.event) {
    throw command_error(exit_bad_input, o.event_file + ": the bundle is event '" +
                                            bundle.organizer + "/" + bundle.slug + "', not " +
                                            o.event);
  }
  return text;
}

/// Stores the --event-file bundle, or makes sure the event (and the order of --code) has a
/// snapshot: without one, every order would park as `internal` on the node.
void ensure_snapshots(const enqueue_options& o, const std::optional<std::string>& event_json,
                      queue_access& access) {
  persistence::snapshot_store snapshots(*access.connection, access.keys);
  if (event_json) {
    auto stored = snapshots.put_event(o.event, *event_json);
    if (!stored.ok()) fail(stored, "storing the event snapshot");
    return;
  }
  if (!must(snapshots.get_event(o.event), "reading the event snapshot")) {
    throw command_error(
        exit_bad_input,
        "Redis (prefix \"" + access.keys.prefix() + "\") holds no snapshot of event " + o.event +
            ": a node could not sync its orders. Give the event bundle with --event-file "
            "EVENT.json (or store it first: POST /api/v1/events/" +
            o.event + " or run --feed-event); nothing was enqueued");
  }
  if (!o.code.empty() && !must(snapshots.get_order(o.event, o.code), "reading the snapshot")) {
    throw command_error(exit_bad_input, "Redis holds no snapshot of order " + o.code + " of " +
                                            o.event + ": enqueue it with --order ORDER.json");
  }
}

const char* outcome(const persistence::enqueue_result& r) {
  return r.follow_up ? "follow-up" : r.created ? "created" : "updated";
}

/// Prints each order's outcome as it comes (a table line) or, with --json, all at the end.
class outcome_printer {
 public:
  explicit outcome_printer(const enqueue_options& o) : o_(o) {}

  void add(const std::string& code, const persistence::enqueue_result& result) {
    ++totals_[outcome(result)];
    ++count_;
    if (o_.redis.json) {
      items_.push_back({{"order", code}, {"result", outcome(result)}});
    } else {
      std::cout << fmt::format("{:<12} {}\n", code, outcome(result));
    }
  }

  void finish() {
    if (o_.redis.json) {
      nlohmann::json out = {{"provider", o_.provider}, {"event", o_.event}, {"items", items_}};
      for (const auto& [name, count] : totals_) out[name] = count;
      std::cout << out.dump(2) << "\n";
    } else if (count_ > 1) {
      std::cout << fmt::format("{} created, {} updated, {} follow-up\n", totals_["created"],
                               totals_["updated"], totals_["follow-up"]);
    }
  }

 private:
  const enqueue_options& o_;
  std::map<std::string, int> totals_{{"created", 0}, {"updated", 0}, {"follow-up", 0}};
  nlohmann::json items_ = nlohmann::json::array();
  std::size_t count_ = 0;
};

void send(persistence::queue_store& queue, std::vector<persistence::enqueue_request>& requests,
          std::int64_t now, outcome_printer& printer) {
  if (requests.empty()) return;
  std::vector<persistence::enqueue_result> results;
  if (requests.size() == 1) {
    results.push_back(must(queue.enqueue(requests.front(), now), "enqueue"));
  } else {
    results = must(queue.enqueue_many(requests, now), "enqueue");
  }
  for (std::size_t i = 0; i < results.size(); ++i) printer.add(requests[i].ref.order, results[i]);
  requests.clear();
}

/// Enqueues the (checked) orders of the file in chunks.
void enqueue_file(order_file& file, const enqueue_options& o,
                  std::optional<std::int64_t> not_before, persistence::queue_store& queue,
                  std::int64_t now, outcome_printer& printer) {
  mapping::order_reader reader;
  std::vector<persistence::enqueue_request> chunk;
  std::size_t bytes = 0;
  file.for_each([&](order_text& text) {
    mapping::order order;
    if (auto problem = read_checked(reader, o, text, order); !problem.empty()) {
      throw command_error(exit_bad_input, text.origin + ": " + problem +
                                              " (the file changed after it was checked; the "
                                              "orders before this one are enqueued)");
    }
    bytes += text.json.size();
    chunk.push_back(
        {{o.provider, o.event, order.code}, o.trigger, not_before, std::move(text.json)});
    if (chunk.size() >= chunk_orders || bytes >= chunk_bytes) {
      send(queue, chunk, now, printer);
      bytes = 0;
    }
  });
  send(queue, chunk, now, printer);
}

void run_enqueue(const enqueue_options& o) {
  const std::int64_t now = now_ms();
  const auto not_before = parse_not_before(o.not_before, now);
  // Everything is checked before Redis is touched: bad input changes nothing.
  std::optional<order_file> file;
  if (!o.order_path.empty()) {
    file.emplace(o.order_path);
    check_orders(*file, o);
  }
  std::optional<std::string> event_json;
  if (!o.event_file.empty()) event_json = read_event_file(o);
  auto access = open_queue(o.redis);
  if (access.config && !access.config->find_provider(o.provider)) {
    throw command_error(exit_bad_input, "provider '" + o.provider + "' is not configured in " +
                                            o.redis.config_path);
  }
  ensure_snapshots(o, event_json, access);
  persistence::queue_options options;
  options.keys = access.keys;
  persistence::queue_store queue(*access.connection, options);
  outcome_printer printer(o);
  if (file) {
    enqueue_file(*file, o, not_before, queue, now, printer);
  } else {
    std::vector<persistence::enqueue_request> one{
        {{o.provider, o.event, o.code}, o.trigger, not_before, std::nullopt}};
    send(queue, one, now, printer);
  }
  printer.finish();
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
  cmd->add_option("--event-file", o->event_file,
                  "Event bundle JSON, stored as the event's snapshot (needed when Redis holds "
                  "none)");
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
