// Header lookups, accessors and the JSON error shape of http_message.hpp.
#include "api/http_message.hpp"

#include <nlohmann/json.hpp>

namespace tixsync::api {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const std::string* find_header(const header_list& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) return &value;
  }
  return nullptr;
}

const std::string& http_request::param(std::string_view name) const {
  static const std::string none;
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return none;
}

std::optional<std::string> http_request::query_param(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::optional<std::string> http_request::header(std::string_view name) const {
  if (const auto* value = find_header(headers, name)) return *value;
  return std::nullopt;
}

http_response& http_response::set_header(std::string name, std::string value) {
  bool replaced = false;
  for (auto it = headers.begin(); it != headers.end();) {
    if (!equals_ignoring_case(it->first, name)) {
      ++it;
    } else if (!replaced) {
      it->second = std::move(value);
      replaced = true;
      ++it;
    } else {
      it = headers.erase(it);
    }
  }
  if (!replaced) headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

std::optional<std::string> http_response::header(std::string_view name) const {
  if (const auto* value = find_header(headers, name)) return *value;
  return std::nullopt;
}

http_response http_response::text(int status, std::string body, std::string content_type) {
  http_response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

http_response http_response::empty(int status) {
  http_response response;
  response.status = status;
  return response;
}

http_response error_response(int status, std::string_view message) {
  nlohmann::json body{{"error", {{"status", status}, {"message", message}}}};
  // Replacing invalid UTF-8 keeps a message built from client input from throwing here.
  return http_response::text(status,
                             body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                             "application/json");
}

}  // namespace tixsync::api
