// Reading the queue's stored JSON back into queue_item values, the names of states, and the
// normalised error signature that groups parked items by cause.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mapping/json_text.hpp"
#include "persistence/queue_types.hpp"

namespace tixsync::persistence {

/// How a stored item was found, to decide its item_state.
struct item_context {
  bool in_flight = false;         ///< read from the running hash
  bool has_running_twin = false;  ///< a waiting item whose order is in flight (a follow-up)
  std::int64_t now_ms = 0;
};

/// Parses one stored item; protocol_error when it is not the JSON the scripts write.
status_or<queue_item> decode_item(const item_ref& ref, std::string_view json,
                                  const item_context& context);

/// A short signature of an error for grouping parked items: the first message, lowercased,
/// numbers other than 3-digit codes (HTTP status) replaced by '#', quoted text by "...", cut to
/// 80 characters; '|' and control characters are replaced. "" when there are no messages.
std::string error_signature(const std::vector<std::string>& errors);

/// `text` with every byte that is not part of a valid UTF-8 sequence replaced by '?'.
std::string valid_utf8(std::string_view text);
/// True when `text` is valid UTF-8 (json_text.hpp).
using mapping::is_valid_utf8;

/// Makes a caller-given cause safe for the index ("state:cause|id"): at most 80 printable chars,
/// no '|', valid UTF-8.
std::string sanitize_cause(std::string_view cause);

}  // namespace tixsync::persistence
