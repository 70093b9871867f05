// Pattern parsing and most-specific matching of router.hpp. Matching splits the path once and
// compares each route segment by segment without allocating; only the winner's parameters are
// decoded into strings.
#include "api/router.hpp"

#include <algorithm>
#include <stdexcept>

#include "api/url_encoding.hpp"

namespace tixsync::api {
namespace {

using segment_kind = router::route::segment_kind;

std::string upper(std::string text) {
  for (auto& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return text;
}

/// The segments of a path or pattern after the leading '/': "/a/b" -> {"a", "b"}, "/" -> {""}.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t start = path.empty() || path[0] != '/' ? 0 : 1;
  for (;;) {
    const auto slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      parts.push_back(path.substr(start));
      return parts;
    }
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

std::vector<router::route::segment> parse_pattern(const std::string& pattern) {
  auto bad = [&](const std::string& why) {
    return std::invalid_argument("route pattern '" + pattern + "': " + why);
  };
  if (pattern.empty() || pattern[0] != '/') throw bad("must start with '/'");
  std::vector<router::route::segment> segments;
  const auto parts = split_path(pattern);
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const std::string_view part = parts[i];
    if (part.empty() || part.front() != '{') {
      if (part.find_first_of("{}") != std::string_view::npos) {
        throw bad("'{' and '}' must enclose a whole segment");
      }
      segments.push_back({segment_kind::literal, std::string(part)});
      continue;
    }
    if (part.back() != '}') throw bad("unterminated '{' in segment '" + std::string(part) + "'");
    std::string_view name = part.substr(1, part.size() - 2);
    segment_kind kind = segment_kind::param;
    if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
      kind = segment_kind::rest;
      name.remove_suffix(3);
      if (i + 1 != parts.size()) throw bad("'{" + std::string(name) + "...}' must be last");
    }
    if (name.empty() || name.find_first_of("{}/.") != std::string_view::npos) {
      throw bad("bad parameter name in segment '" + std::string(part) + "'");
    }
    for (const auto& s : segments) {
      if (s.kind != segment_kind::literal && s.text == name) {
        throw bad("parameter '" + std::string(name) + "' appears twice");
      }
    }
    segments.push_back({kind, std::string(name)});
  }
  return segments;
}

/// Whether `route` matches `parts`; fills `values` with the raw parameter values and `rank`
/// with the kind of each segment (lower is more specific). `path` is the whole path, for the
/// rest parameter, which keeps its slashes.
bool match_route(const router::route& route, std::string_view path,
                 const std::vector<std::string_view>& parts, std::vector<std::string_view>& values,
                 std::vector<int>& rank) {
  values.clear();
  rank.clear();
  const auto& segments = route.segments;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const auto& segment = segments[i];
    rank.push_back(static_cast<int>(segment.kind));
    if (segment.kind == segment_kind::rest) {
      if (i >= parts.size()) {
        values.emplace_back();
      } else {
        // The rest starts where part i starts inside `path`.
        values.push_back(path.substr(static_cast<std::size_t>(parts[i].data() - path.data())));
      }
      return true;
    }
    if (i >= parts.size()) return false;
    if (segment.kind == segment_kind::literal) {
      if (parts[i] != segment.text) return false;
    } else {
      if (parts[i].empty()) return false;
      values.push_back(parts[i]);
    }
  }
  return segments.size() == parts.size();
}

}  // namespace

router& router::add(std::string method, std::string pattern, async_handler handler) {
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + ": no handler");
  method = upper(std::move(method));
  if (method.empty()) throw std::invalid_argument("route pattern '" + pattern + "': no method");
  auto segments = parse_pattern(pattern);
  for (const auto& r : routes_) {
    if (r.method == method && r.pattern == pattern) {
      throw std::invalid_argument("route " + method + " " + pattern + " is registered twice");
    }
  }
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(handler), std::move(segments)});
  return *this;
}

router& router::add_sync(std::string method, std::string pattern, sync_handler handler) {
  if (!handler) throw std::invalid_argument("route " + method + " " + pattern + ": no handler");
  return add(std::move(method), std::move(pattern),
             [handler = std::move(handler)](http_request request, responder reply) {
               reply.send(handler(request));
             });
}

void router::wrap(const std::function<async_handler(const route&)>& wrapper) {
  for (auto& r : routes_) {
    if (auto handler = wrapper(r)) r.handler = std::move(handler);
  }
}

router::match_result router::match(std::string_view method, std::string_view path) const {
  match_result result;
  const auto parts = split_path(path);
  std::vector<std::string_view> values, best_values;
  std::vector<int> rank, best_rank;
  std::vector<std::string> allowed;
  const bool head = method == "HEAD";
  const route* best = nullptr;
  int best_fallback = 0;  // 1 when best is GET standing in for HEAD: an explicit HEAD route wins

  for (const auto& r : routes_) {
    const bool exact = r.method == method;
    if (!exact && !(head && r.method == "GET")) continue;
    if (!match_route(r, path, parts, values, rank)) continue;
    const int fallback = exact ? 0 : 1;
    if (!best || fallback < best_fallback || (fallback == best_fallback && rank < best_rank)) {
      best = &r;
      best_fallback = fallback;
      best_values = values;
      best_rank = rank;
    }
  }
  if (best) {
    result.result = match_result::outcome::found;
    result.matched = best;
    std::size_t v = 0;
    for (const auto& segment : best->segments) {
      if (segment.kind == segment_kind::literal) continue;
      auto decoded = percent_decode(best_values[v++], false);
      if (!decoded) {
        result.problem = "malformed percent-encoding in path segment for '" + segment.text + "'";
        decoded.emplace();
      }
      result.params.emplace_back(segment.text, std::move(*decoded));
    }
    return result;
  }
  // No route for this method: which methods does the path have?
  for (const auto& r : routes_) {
    if (!match_route(r, path, parts, values, rank)) continue;
    if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end()) {
      allowed.push_back(r.method);
    }
  }
  if (allowed.empty()) return result;
  result.result = match_result::outcome::method_not_allowed;
  if (std::find(allowed.begin(), allowed.end(), "GET") != allowed.end() &&
      std::find(allowed.begin(), allowed.end(), "HEAD") == allowed.end()) {
    allowed.push_back("HEAD");
  }
  std::sort(allowed.begin(), allowed.end());
  for (const auto& m : allowed) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += m;
  }
  return result;
}

}  // namespace tixsync::api
