// Change detection: a stable fingerprint of what a sync would send for one object, and the
// carried-forward result that stands for a skipped, unchanged object.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mapping/evaluate.hpp"
#include "providers/sync_result.hpp"

namespace tixsync::providers {

/// 64-bit FNV-1a, as 16 lowercase hex digits, of the canonical serialisation: the parts
/// "tixsync-fp-1", external object type, external id field, id value, the number of properties,
/// then each property's external field, value and mode, each part written as
/// "<byte length>:<bytes>", with JSON values in compact form with sorted keys. Stable across
/// processes and builds; the length prefixes keep different objects from serialising alike. The
/// mapping id and position are not part of it (results are stored per mapping and position).
std::string fingerprint(const mapping::evaluated_object& object);

/// The FNV-1a 64-bit hash of `bytes` (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
std::uint64_t fnv1a_64(const std::string& bytes);

/// For a provider with change detection: when `previous` carries the same fingerprint, the
/// result to store instead of calling the provider: `previous` with sync_info "action" set to
/// "nothing_to_do" (links and extra data kept, so later mappings still see them) and the
/// transmitted time left as it was, since nothing was sent. nullopt when the object changed,
/// has no previous result, or either fingerprint is empty.
std::optional<sync_result> unchanged_result(const std::optional<sync_result>& previous,
                                            const std::string& current_fingerprint);

}  // namespace tixsync::providers
