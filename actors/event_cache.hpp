// The parsed event data per event, shared by the store threads: the event bundle and its field
// catalogue are built once and rebuilt only when the event snapshot's text changes.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mapping/order.hpp"
#include "mapping/order_reader.hpp"
#include "mapping/source_fields.hpp"

namespace tixsync::actors {

/// An event ready for evaluation. Immutable; shared by every order of the event.
struct event_context {
  std::shared_ptr<const mapping::event_bundle> bundle;
  std::shared_ptr<const mapping::field_catalogue> catalogue;  ///< built from *bundle
};

class event_cache {
 public:
  /// The context for `event` whose snapshot text is `json`: cached when the text is unchanged,
  /// else parsed with `reader` (the caller's, one per thread). nullptr and `error` set when the
  /// snapshot does not parse.
  std::shared_ptr<const event_context> get(const std::string& event, const std::string& json,
                                           mapping::order_reader& reader, std::string& error);

 private:
  struct entry {
    std::size_t hash = 0;
    std::size_t size = 0;
    std::shared_ptr<const event_context> context;
  };
  std::mutex mutex_;
  std::map<std::string, entry> entries_;
};

}  // namespace tixsync::actors
