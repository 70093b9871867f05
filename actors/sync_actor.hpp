// The sync actor: one per mapping of an order. Calls the provider for all of the mapping's
// objects at once (skips and change detection through providers::sync_one_object), bounds the
// calls by the node's provider timeout, and reports one mapping_result to its order actor.
#pragma once

#include <caf/fwd.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "actors/protocol.hpp"
#include "actors/runtime.hpp"
#include "mapping/evaluate.hpp"
#include "providers/provider.hpp"

namespace tixsync::actors {

/// The objects of one mapping and what their requests need besides.
struct sync_job {
  std::size_t mapping_index = 0;
  const mapping::mapping_definition* mapping = nullptr;  ///< one of the provider's mappings
  std::shared_ptr<const mapping::order> order;
  std::shared_ptr<const mapping::event_bundle> event;
  std::vector<mapping::evaluated_object> objects;
  /// Results of the earlier mappings (the order actor's, shared); filtered per object here.
  std::shared_ptr<const providers::mapped_objects> mapped;
  std::vector<std::optional<providers::sync_result>> previous;  ///< one per object
  bool force = false;  ///< ignore change detection (a person asked for a full re-sync)
};

/// Spawns the sync actor linked to `parent` (the order actor, `order`), to which it sends one
/// mapping_result.
sync_actor spawn_sync_actor(caf::local_actor* parent, order_actor order, runtime_ptr rt,
                            std::shared_ptr<providers::provider> target, sync_job job);

}  // namespace tixsync::actors
