// JSON serialisation and parsing helpers of json_response.hpp.
#include "api/json_response.hpp"

namespace tixsync::api {

http_response json_response(int status, const nlohmann::json& body) {
  return http_response::text(status,
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                             "application/json");
}

std::optional<nlohmann::json> parse_json_body(const http_request& request, std::string& problem) {
  try {
    return nlohmann::json::parse(request.body);
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number too large for a double ("1e999").
    // The library's message says where ("parse error at line 1, column 5: ..."); its
    // "[json.exception.parse_error.101] " prefix is noise for a client.
    const std::string what = e.what();
    const auto start = what.find("] ");
    problem = "the body is not valid JSON: " +
              (start == std::string::npos ? what : what.substr(start + 2));
    return std::nullopt;
  }
}

}  // namespace tixsync::api
