// `tixsync enqueue`: puts one order (or every order of a JSON-lines file) into a provider's queue,
// storing the order snapshots in the same pipeline, or enqueues an order code whose snapshot is
// already stored. A file is checked whole, then enqueued in chunks (order_feed.hpp), so its size
// does not matter. Refuses when the event has no snapshot (a node could not sync the orders)
// unless the bundle comes with --event-file. Prints per order whether an item was created,
// updated or made a follow-up, and for a file of more than one chunk its progress on stderr.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "app/input_files.hpp"
#include "app/order_feed.hpp"
#include "app/queue_access.hpp"
#include "config/duration.hpp"
#include "mapping/datetime.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::app {
namespace {

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

/// Enqueues the (checked) orders of the file; `total` orders, for the progress line.
void enqueue_file(order_file& file, std::size_t total, const enqueue_options& o,
                  std::optional<std::int64_t> not_before, persistence::queue_store& queue,
                  std::int64_t now, outcome_printer& printer) {
  feed_callbacks callbacks;
  callbacks.item = [&](const persistence::enqueue_request& request,
                       const persistence::enqueue_result& result) {
    printer.add(request.ref.order, result);
  };
  if (total > feed_chunk_orders) {
    callbacks.progress = [total](std::size_t done) {
      std::cerr << fmt::format("enqueued {} of {} orders\n", done, total);
    };
  }
  enqueue_order_file(file, {{o.provider}, o.event, o.trigger, not_before}, queue, now, callbacks);
}

void run_enqueue(const enqueue_options& o) {
  const std::int64_t now = now_ms();
  const auto not_before = parse_not_before(o.not_before, now);
  // Everything is checked before Redis is touched: bad input changes nothing.
  std::optional<order_file> file;
  std::size_t orders = 0;
  if (!o.order_path.empty()) {
    file.emplace(o.order_path);
    orders = check_order_file(*file, o.event);
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
    enqueue_file(*file, orders, o, not_before, queue, now, printer);
  } else {
    const persistence::enqueue_request one{
        {o.provider, o.event, o.code}, o.trigger, not_before, std::nullopt};
    printer.add(o.code, must(queue.enqueue(one, now), "enqueue"));
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
