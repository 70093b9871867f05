// The request a route handler receives and the response it gives back: plain structs with no
// Beast in sight, so handlers (the mock CRM, the node's HTTP API) compile without Asio. Header
// lookups are case-insensitive; errors have one JSON shape: {"error": {"status", "message"}}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tixsync::api {

/// Header fields in arrival order; names as sent (lookups ignore case).
using header_list = std::vector<std::pair<std::string, std::string>>;

/// True when `a` and `b` are equal ignoring ASCII case (header names, methods).
bool equals_ignoring_case(std::string_view a, std::string_view b);

/// The first value of header `name` (case-insensitive) in `headers`, or nullptr.
const std::string* find_header(const header_list& headers, std::string_view name);

/// One parsed HTTP request, owned by the handler (it may keep it while it works asynchronously).
struct http_request {
  std::string method;          ///< as sent, e.g. "GET"
  std::string target;          ///< as sent: path and query, e.g. "/api/contact?email=a%40b.c"
  std::string path;            ///< the path part of the target, still percent-encoded
  std::string query_string;    ///< the part after '?', still encoded ("" when none)
  std::string route;           ///< the pattern of the matched route, e.g. "/api/{type}/{id}"
  std::string remote_address;  ///< the client's IP address
  unsigned version = 11;       ///< 10 for HTTP/1.0, 11 for HTTP/1.1
  /// Values of the route's {name} segments, percent-decoded, in pattern order.
  std::vector<std::pair<std::string, std::string>> params;
  /// Query parameters, percent-decoded ('+' is a space), in order; a name may repeat.
  std::vector<std::pair<std::string, std::string>> query;
  header_list headers;
  std::string body;

  /// The value of route parameter `name`, "" when the route has none of that name.
  const std::string& param(std::string_view name) const;
  /// The first value of query parameter `name`, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
  /// The first value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;
};

/// What a handler answers. Content-Length, Server and Connection are set by the server; every
/// other header comes from `headers`.
struct http_response {
  int status = 200;
  header_list headers;
  std::string body;
  /// Close the connection after this response (the server also closes when the client asked).
  bool close = false;

  /// Sets header `name` to `value`, replacing earlier values of that name.
  http_response& set_header(std::string name, std::string value);
  /// The first value of header `name` (case-insensitive), or nullopt.
  std::optional<std::string> header(std::string_view name) const;

  /// A response with a body of the given content type.
  static http_response text(int status, std::string body,
                            std::string content_type = "text/plain; charset=utf-8");
  /// A response without a body (e.g. 204).
  static http_response empty(int status);
};

/// The JSON error every failure uses: `{"error": {"status": 404, "message": "..."}}` with
/// Content-Type application/json.
http_response error_response(int status, std::string_view message);

}  // namespace tixsync::api
