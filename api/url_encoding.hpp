// Percent-decoding of paths and query strings (RFC 3986, with HTML forms' '+' for space in
// queries). Pure functions, tested on their own; the server and router decode with them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tixsync::api {

/// `text` with every %XX replaced by its byte; with `plus_is_space` also '+' by ' '.
/// nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

/// The name=value pairs of a query string ("a=1&b=x%20y&flag"), decoded, in order. A name without
/// '=' gets the value "", empty pieces ("a=1&&b=2") are skipped. nullopt when an escape is
/// malformed; then `problem` names the piece.
std::optional<std::vector<std::pair<std::string, std::string>>> decode_query(std::string_view query,
                                                                             std::string& problem);

/// `text` percent-encoded for a path segment or query value (unreserved characters kept).
std::string percent_encode(std::string_view text);

}  // namespace tixsync::api
