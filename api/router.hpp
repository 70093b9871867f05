// Routes of an HTTP server: method + path pattern -> handler. Patterns are literal segments and
// `{name}` segments (one non-empty segment each), with an optional last `{name...}` that takes
// the rest of the path: "/api/{type}/{id}", "/static/{file...}". The most specific route wins
// (literal before {name} before {name...}, segment by segment); a path that only other methods
// have gives 405 with their Allow list. Built before the server starts, read-only afterwards.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http_message.hpp"
#include "api/responder.hpp"

namespace tixsync::api {

/// A handler that answers later, through `reply` (exactly once, from any thread). It runs on an
/// I/O thread: it must not block; wait with http_server::after() or another service instead.
using async_handler = std::function<void(http_request request, responder reply)>;
/// A handler that answers at once. Runs on an I/O thread: must not block.
using sync_handler = std::function<http_response(const http_request& request)>;

class router {
 public:
  /// One registered route.
  struct route {
    std::string method;   ///< upper case, e.g. "GET"
    std::string pattern;  ///< as registered, e.g. "/api/{type}/{id}"
    async_handler handler;
    enum class segment_kind { literal, param, rest };
    struct segment {
      segment_kind kind;
      std::string text;  ///< the literal, or the parameter's name
    };
    std::vector<segment> segments;
  };

  /// The outcome of match().
  struct match_result {
    enum class outcome { found, not_found, method_not_allowed };
    outcome result = outcome::not_found;
    const route* matched = nullptr;  ///< set when found
    /// Parameter values, percent-decoded, when found.
    std::vector<std::pair<std::string, std::string>> params;
    /// For method_not_allowed: the methods the path has, e.g. "GET, HEAD, POST".
    std::string allow;
    /// For a found route whose parameter has a malformed %-escape: what is wrong (a 400).
    std::string problem;
  };

  /// Adds a route. `method` is case-insensitive ("get" == "GET"). Throws std::invalid_argument
  /// naming the pattern for: no leading '/', an empty or unterminated `{}`, a parameter name used
  /// twice, `{name...}` not last, an empty handler, or the same method + pattern twice.
  router& add(std::string method, std::string pattern, async_handler handler);
  /// Adds a route whose handler answers at once.
  router& add_sync(std::string method, std::string pattern, sync_handler handler);

  /// The route for `method` and the (still percent-encoded) `path`. HEAD falls back to GET.
  match_result match(std::string_view method, std::string_view path) const;

  const std::vector<route>& routes() const { return routes_; }

  /// Puts a handler in front of routes (an authorization check): for each route `wrapper`
  /// returns its new handler, or an empty one to leave the route as it is.
  void wrap(const std::function<async_handler(const route&)>& wrapper);

 private:
  std::vector<route> routes_;
};

}  // namespace tixsync::api
