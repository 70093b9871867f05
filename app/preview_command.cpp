// `tixsync preview`: prints, as JSON, every object a sync would send for one order or a JSON-lines
// file of orders, given the event and the mappings; or for the event bundle and order snapshots a
// node stored in Redis (--event-id). Read-only; all problems are listed at once.
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/input_files.hpp"
#include "app/stored_snapshots.hpp"
#include "mapping/evaluate.hpp"

namespace tixsync::app {
namespace {

struct preview_options {
  std::string event_path;
  std::string order_path;
  std::string mappings_path;
  std::string shop_url;
  std::string language = "en";
  std::string joiner = ",";
  bool native_lists = false;
  // The stored snapshots instead of --event and --order.
  std::string event_id;
  std::vector<std::string> codes;
  redis_options redis;
};

/// The preview of one order, or a problem line when the evaluation fails.
mapping::json preview_order(const loaded_order& loaded, const mapping::event_bundle& event,
                            const std::vector<mapping::mapping_definition>& mappings,
                            const mapping::field_catalogue& catalogue,
                            const mapping::evaluation_context& context,
                            const mapping::evaluation_options& evaluation,
                            std::vector<std::string>& problems) {
  const auto& order = loaded.order;
  const std::string where = loaded.origin + " (order " + order.code + ")";
  if (order.event != event.slug) {
    problems.push_back(where + ": the order belongs to event '" + order.event +
                       "', the event file describes '" + event.slug + "'");
    return nullptr;
  }
  try {
    mapping::json objects = mapping::json::array();
    for (const auto& object :
         mapping::evaluate_order(mappings, order, event, catalogue, context, evaluation)) {
      objects.push_back(mapping::to_json(object));
    }
    return {{"order", order.code}, {"event", order.event}, {"objects", std::move(objects)}};
  } catch (const mapping::sync_config_error& e) {
    problems.push_back(where + ": configuration error: " + e.what());
  } catch (const mapping::field_internal_error& e) {
    problems.push_back(where + ": internal error: " + e.what());
  }
  return nullptr;
}

/// The event and orders of the files, or of the snapshots in Redis.
stored_snapshots load_inputs(const preview_options& options) {
  if (!options.event_id.empty()) {
    return load_stored_snapshots(options.redis, options.event_id, options.codes);
  }
  if (options.event_path.empty() || options.order_path.empty()) {
    throw command_error(exit_usage,
                        "give --event and --order, or --event-id (with --config or --redis)");
  }
  return {load_event_bundle(options.event_path), load_orders(options.order_path)};
}

void run_preview(const preview_options& options) {
  auto [event, orders] = load_inputs(options);
  mapping::field_catalogue catalogue(event);
  auto mappings = load_mappings(options.mappings_path, catalogue);

  mapping::evaluation_context context;
  context.shop_base_url = options.shop_url;
  context.language = options.language;
  mapping::evaluation_options evaluation;
  if (options.native_lists) {
    evaluation.list_joiner.reset();
  } else {
    evaluation.list_joiner = options.joiner;
  }

  std::vector<std::string> problems;
  std::vector<mapping::json> previews;
  for (const auto& loaded : orders) {
    auto preview = preview_order(loaded, event, mappings, catalogue, context, evaluation, problems);
    if (!preview.is_null()) previews.push_back(std::move(preview));
  }
  if (!problems.empty()) {
    std::string message;
    for (const auto& p : problems) message += (message.empty() ? "" : "\n  ") + p;
    throw command_error(exit_bad_input, message);
  }
  // One order: a pretty JSON object. Several: JSON lines, one compact object per order.
  if (previews.size() == 1) {
    std::cout << previews.front().dump(2) << "\n";
  } else {
    for (const auto& preview : previews) std::cout << preview.dump() << "\n";
  }
}

}  // namespace

void register_preview_command(CLI::App& app, command_action& run) {
  auto options = std::make_shared<preview_options>();
  auto* cmd = app.add_subcommand(
      "preview", "Print, as JSON, every object a sync would send for an order (or a JSON-lines file of orders)");
  auto* event = cmd->add_option("--event", options->event_path, "Event bundle JSON");
  auto* order =
      cmd->add_option("--order", options->order_path, "Order JSON, or JSON lines of many orders");
  auto* event_id =
      cmd->add_option("--event-id", options->event_id,
                      "Instead of --event and --order: the event (organizer/event) whose bundle "
                      "and order snapshots a node stored in Redis");
  event_id->excludes(event)->excludes(order);
  cmd->add_option("--code", options->codes,
                  "With --event-id: an order code (repeatable; default every stored order)")
      ->needs(event_id);
  cmd->add_option("--config", options->redis.config_path,
                  "With --event-id: tixsync config file naming the Redis")
      ->needs(event_id);
  cmd->add_option("--redis", options->redis.redis_url,
                  "With --event-id: Redis URL, redis://[:password@]host:port/db or unix:///path "
                  "(overrides --config)")
      ->needs(event_id);
  cmd->add_option("--prefix", options->redis.prefix, "With --event-id: Redis key prefix")
      ->needs(event_id);
  cmd->add_option("--mappings", options->mappings_path, "Mappings JSON in pretix's shape")->required();
  cmd->add_option("--shop-url", options->shop_url, "Shop base URL for order and ticket links");
  cmd->add_option("--language", options->language, "Language of localised fields")->capture_default_str();
  auto* joiner = cmd->add_option("--joiner", options->joiner, "Joins list values")->capture_default_str();
  cmd->add_flag("--native-lists", options->native_lists, "Keep list values as JSON lists")->excludes(joiner);
  cmd->callback([options, &run] { run = [options] { run_preview(*options); }; });
}

}  // namespace tixsync::app
