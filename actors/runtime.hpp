// What every actor of a node shares: the options, the providers, the store jobs' executor, the
// call timeouts, the counters behind node_stats and the log seam. Owned by the node (or a unit
// test); actors hold a shared_ptr to it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "actors/node_options.hpp"
#include "actors/node_stats.hpp"
#include "providers/object_sync.hpp"
#include "providers/registry.hpp"

namespace tixsync::actors {

class store_executor;
class call_timeouts;

/// The live counters of node_stats (relaxed atomics: read for statistics only).
struct node_counters {
  std::atomic<std::uint64_t> orders_claimed{0}, orders_synced{0}, orders_skipped{0},
      orders_dropped{0}, orders_rescheduled{0}, orders_parked{0}, orders_zombie{0},
      objects_synced{0}, objects_unchanged{0}, objects_empty{0}, in_flight{0}, store_errors{0};

  node_stats snapshot() const;
};

/// Formats and forwards log lines to the node's sink.
class logger {
 public:
  explicit logger(log_sink sink, std::string node_name);
  void operator()(log_level level, const std::string& line) const;

 private:
  log_sink sink_;
  std::string prefix_;
};

struct runtime {
  node_options options;
  std::shared_ptr<providers::provider_registry> registry;
  std::shared_ptr<store_executor> store;     ///< runs the store jobs (the queue port's calls)
  std::shared_ptr<call_timeouts> deadlines;  ///< provider-call timeouts of the actors
  node_counters counters;
  logger log;
  /// The registered providers and their identifiers at construction, so an object's provider
  /// is named without calling identifier() (a string copy) per object.
  std::vector<std::pair<const providers::provider*, std::string>> provider_ids;

  runtime(node_options opts, std::shared_ptr<providers::provider_registry> reg);

  /// Tells the observer (if any) about one object handled without error by `target`.
  void observe_object(const providers::provider& target,
                      const providers::object_sync_outcome& outcome) const;
};

using runtime_ptr = std::shared_ptr<runtime>;

/// "<provider>|<event>:<order>": the key of an item in the runtime's maps.
inline std::string item_key(const std::string& provider, const std::string& id) {
  return provider + "|" + id;
}

}  // namespace tixsync::actors
