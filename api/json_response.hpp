// JSON responses for handlers: a body serialised with nlohmann::json and the right Content-Type.
// Kept apart from http_message.hpp so handlers that do not speak JSON do not pay for the header.
#pragma once

#include <nlohmann/json.hpp>

#include "api/http_message.hpp"

namespace tixsync::api {

/// `body` serialised compactly (invalid UTF-8 replaced) with Content-Type application/json.
http_response json_response(int status, const nlohmann::json& body);

/// The request body parsed as JSON; nullopt (and `problem` set to what is wrong and where) when
/// it is not valid JSON.
std::optional<nlohmann::json> parse_json_body(const http_request& request, std::string& problem);

}  // namespace tixsync::api
