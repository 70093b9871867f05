// Parse-once cache of event bundles and field catalogues, keyed by event, checked by text hash.
#include "actors/event_cache.hpp"

#include <functional>

namespace tixsync::actors {

std::shared_ptr<const event_context> event_cache::get(const std::string& event,
                                                      const std::string& json,
                                                      mapping::order_reader& reader,
                                                      std::string& error) {
  const std::size_t hash = std::hash<std::string>{}(json);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(event);
    if (it != entries_.end() && it->second.hash == hash && it->second.size == json.size()) {
      return it->second.context;
    }
  }
  // Parse outside the lock; two threads may parse the same new snapshot once each.
  auto bundle = std::make_shared<mapping::event_bundle>();
  mapping::read_error problem;
  if (!reader.read_event_bundle(json, *bundle, problem)) {
    error = "event snapshot of " + event + ": " + problem.to_string();
    return nullptr;
  }
  auto context = std::make_shared<event_context>();
  try {
    context->catalogue = std::make_shared<const mapping::field_catalogue>(*bundle);
  } catch (const std::exception& e) {  // e.g. mapping::field_internal_error: never escape a store thread
    error = "event snapshot of " + event + ": " + e.what();
    return nullptr;
  }
  context->bundle = std::move(bundle);
  std::lock_guard<std::mutex> lock(mutex_);
  entries_[event] = {hash, json.size(), context};
  return context;
}

}  // namespace tixsync::actors
