// The in-memory CRM behind the scripted transport.
#include "tests/providers/rest/crm_script.hpp"

namespace tixsync::providers::rest::testing {
namespace {

struct target {
  std::string type;
  std::string id;  ///< "" for the collection
  std::string query_field;
  std::string query_value;
};

/// Splits "http://host/api/<type>[/<id>][?f=v]"; type "" when the path is not /api/...
target parse_target(const std::string& url) {
  target out;
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start == std::string::npos) return out;
  std::string path = url.substr(path_start);
  const auto query_at = path.find('?');
  if (query_at != std::string::npos) {
    const std::string query = path.substr(query_at + 1);
    path.resize(query_at);
    const auto eq = query.find('=');
    out.query_field = percent_decode(query.substr(0, eq));
    if (eq != std::string::npos) out.query_value = percent_decode(query.substr(eq + 1));
  }
  if (path.rfind("/api/", 0) != 0) return out;
  path = path.substr(5);
  const auto slash = path.find('/');
  out.type = percent_decode(path.substr(0, slash));
  if (slash != std::string::npos) out.id = percent_decode(path.substr(slash + 1));
  return out;
}

std::string text_of(const json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

}  // namespace

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

http::http_result crm_script::operator()(const http::http_request& request) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!faults_.empty()) {
    auto answer = std::move(faults_.front());
    faults_.pop_front();
    return answer(request);
  }
  return handle(request);
}

void crm_script::fail_next(http::http_result result) {
  answer_next([result = std::move(result)](const http::http_request&) { return result; });
}

void crm_script::answer_next(std::function<http::http_result(const http::http_request&)> answer) {
  std::lock_guard<std::mutex> lock(mutex_);
  faults_.push_back(std::move(answer));
}

json crm_script::put(const std::string& type, json object) {
  std::lock_guard<std::mutex> lock(mutex_);
  objects_[type].push_back(object);
  return object;
}

std::vector<json> crm_script::objects(const std::string& type) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = objects_.find(type);
  return it == objects_.end() ? std::vector<json>{} : it->second;
}

json crm_script::find(const std::string& type, const std::string& id) const {
  for (const auto& object : objects(type)) {
    if (object.value("id", "") == id) return object;
  }
  return nullptr;
}

http::http_result crm_script::handle(const http::http_request& request) {
  const target t = parse_target(request.url);
  if (t.type.empty()) return respond(404, R"({"error":"no such route"})");
  auto& list = objects_[t.type];
  auto by_id = [&]() -> json* {
    for (auto& object : list) {
      if (object.value("id", "") == t.id) return &object;
    }
    return nullptr;
  };
  if (request.method == "GET" && t.id.empty()) {
    json results = json::array();
    for (const auto& object : list) {
      auto it = object.find(t.query_field);
      if (it != object.end() && text_of(*it) == t.query_value) results.push_back(object);
    }
    return respond(200, json{{"results", results}}.dump());
  }
  if (request.method == "GET") {
    json* object = by_id();
    return object ? respond(200, object->dump()) : respond(404, R"({"error":"not found"})");
  }
  json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) return respond(400, R"({"error":"body is not a JSON object"})");
  if (request.method == "POST" && t.id.empty()) {
    body["id"] = std::to_string(next_id_++);
    list.push_back(body);
    return respond(201, body.dump());
  }
  if (request.method == "PATCH" && !t.id.empty()) {
    json* object = by_id();
    if (!object) return respond(404, R"({"error":"not found"})");
    object->update(body);
    return respond(200, object->dump());
  }
  return respond(405, R"({"error":"method not allowed"})");
}

}  // namespace tixsync::providers::rest::testing
