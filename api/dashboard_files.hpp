// The dashboard's static files (api/dashboard/: index.html, dashboard.js, dashboard.css),
// embedded into the binary at build time by api/dashboard/embed_dashboard.cmake, so a node serves
// its dashboard without reading files at run time or loading anything from outside.
#pragma once

#include <string_view>

namespace tixsync::api {

/// One embedded file: its bytes and the Content-Type to answer with.
struct static_file {
  std::string_view body;
  std::string_view content_type;  ///< e.g. "text/html; charset=utf-8"
};

/// The dashboard file served at request path `path` ("/" and "/index.html" give the page,
/// "/dashboard.js" and "/dashboard.css" its script and style), or nullptr for any other path.
/// The path must be the decoded path without a query string. The returned file lives as long as
/// the program.
const static_file* find_dashboard_file(std::string_view path);

}  // namespace tixsync::api
