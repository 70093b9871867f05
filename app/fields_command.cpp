// `tixsync fields`: lists the source fields an event offers to mappings, grouped by category in
// pretix's catalogue order, as a table or as JSON.
#include <iostream>
#include <map>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "app/commands.hpp"
#include "app/input_files.hpp"
#include "mapping/source_fields.hpp"

namespace tixsync::app {
namespace {

struct fields_options {
  std::string event_path;
  std::string model;
  bool json = false;
};

/// Whether a mapping of `model` can use the field ("" means every model).
bool offered_to(const mapping::source_field& field, const std::string& model) {
  if (model != "Order") return true;
  return field.input == mapping::field_input::order || field.input == mapping::field_input::event;
}

/// Fields grouped by category, categories in order of first appearance.
std::vector<std::pair<std::string, std::vector<const mapping::source_field*>>> group_fields(
    const mapping::field_catalogue& catalogue, const std::string& model) {
  std::vector<std::pair<std::string, std::vector<const mapping::source_field*>>> groups;
  std::map<std::string, std::size_t> index;
  for (const auto& field : catalogue.fields()) {
    if (!offered_to(field, model)) continue;
    auto [it, inserted] = index.emplace(field.category, groups.size());
    if (inserted) groups.push_back({field.category, {}});
    groups[it->second].second.push_back(&field);
  }
  return groups;
}

void print_json(const fields_options& options, const mapping::field_catalogue& catalogue) {
  mapping::json categories = mapping::json::array();
  for (const auto& [category, fields] : group_fields(catalogue, options.model)) {
    mapping::json list = mapping::json::array();
    for (const auto* field : fields) {
      mapping::json field_options = mapping::json::array();
      for (const auto& [identifier, label] : field->options) {
        field_options.push_back({{"identifier", identifier}, {"label", label}});
      }
      list.push_back({{"key", field->key},
                      {"label", field->label},
                      {"input", mapping::to_string(field->input)},
                      {"type", field->type},
                      {"options", field_options}});
    }
    categories.push_back({{"category", category}, {"fields", list}});
  }
  mapping::json out = {{"model", options.model.empty() ? "any" : options.model},
                       {"categories", categories}};
  std::cout << out.dump(2) << "\n";
}

void print_table(const fields_options& options, const mapping::field_catalogue& catalogue) {
  for (const auto& [category, fields] : group_fields(catalogue, options.model)) {
    std::cout << category << "\n";
    for (const auto* field : fields) {
      std::string choices;
      for (const auto& option : field->options) {
        choices += (choices.empty() ? "  [" : ", ") + option.first;
      }
      if (!choices.empty()) choices += "]";
      std::cout << fmt::format("  {:<36} {:<4} {:<18} {}{}\n", field->key, field->type,
                               mapping::to_string(field->input), field->label, choices);
    }
    std::cout << "\n";
  }
}

}  // namespace

void register_fields_command(CLI::App& app, command_action& run) {
  auto options = std::make_shared<fields_options>();
  auto* cmd = app.add_subcommand("fields", "List the pretix source fields an event offers to mappings");
  cmd->add_option("--event", options->event_path, "Event bundle JSON (event, settings, items, questions, ...)")
      ->required();
  cmd->add_option("--model", options->model, "Only fields usable by this pretix model")
      ->check(CLI::IsMember({"Order", "OrderPosition"}));
  cmd->add_flag("--json", options->json, "Print JSON instead of a table");
  cmd->callback([options, &run] {
    run = [options] {
      auto event = load_event_bundle(options->event_path);
      mapping::field_catalogue catalogue(event);
      if (options->json) {
        print_json(*options, catalogue);
      } else {
        print_table(*options, catalogue);
      }
    };
  });
}

}  // namespace tixsync::app
