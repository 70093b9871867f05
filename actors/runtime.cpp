// The node counters' snapshot, the sync observer's object events and the log seam's default
// sink.
#include "actors/runtime.hpp"

#include <iostream>
#include <mutex>

namespace tixsync::actors {

node_stats node_counters::snapshot() const {
  node_stats s;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  s.orders_claimed = get(orders_claimed);
  s.orders_synced = get(orders_synced);
  s.orders_skipped = get(orders_skipped);
  s.orders_dropped = get(orders_dropped);
  s.orders_rescheduled = get(orders_rescheduled);
  s.orders_parked = get(orders_parked);
  s.orders_zombie = get(orders_zombie);
  s.objects_synced = get(objects_synced);
  s.objects_unchanged = get(objects_unchanged);
  s.objects_empty = get(objects_empty);
  s.in_flight = get(in_flight);
  s.store_errors = get(store_errors);
  return s;
}

runtime::runtime(node_options opts, std::shared_ptr<providers::provider_registry> reg)
    : options(std::move(opts)), registry(std::move(reg)), log(options.log, options.node_name) {
  for (const auto& id : registry->identifiers()) {
    if (auto p = registry->find(id)) provider_ids.emplace_back(p.get(), id);
  }
}

void runtime::observe_object(const providers::provider& target,
                             const providers::object_sync_outcome& outcome) const {
  if (!options.observer || outcome.error) return;
  const auto action = action_of(outcome.provider_called, outcome.result ? &*outcome.result : nullptr);
  for (const auto& [p, id] : provider_ids) {
    if (p == &target) return options.observer->object_handled(id, action);
  }
  options.observer->object_handled(target.identifier(), action);  // registered after the start
}

logger::logger(log_sink sink, std::string node_name)
    : sink_(std::move(sink)), prefix_("[" + std::move(node_name) + "] ") {
  if (!sink_) {
    sink_ = [](log_level level, const std::string& line) {
      if (level < log_level::warning) return;
      static std::mutex mutex;
      std::lock_guard<std::mutex> lock(mutex);
      std::cerr << "tixsync " << to_string(level) << ": " << line << '\n';
    };
  }
}

void logger::operator()(log_level level, const std::string& line) const {
  try {
    sink_(level, prefix_ + line);
  } catch (...) {
    // A failing sink must not take an actor down.
  }
}

}  // namespace tixsync::actors
