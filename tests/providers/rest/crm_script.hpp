// A script for scripted_transport that behaves like a small CRM REST API (the shape of tixsync's
// mock CRM): GET /api/<type>?<field>=<value> -> {"results": [...]}, GET /api/<type>/<id>,
// POST /api/<type> -> 201 with a new string id, PATCH /api/<type>/<id> merges. Objects live in
// memory; queued faults answer the next requests instead. Thread-safe.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/providers/rest/scripted_transport.hpp"

namespace tixsync::providers::rest::testing {

using json = nlohmann::json;

/// Percent-decoding of a URL component ("a%40b" -> "a@b").
std::string percent_decode(const std::string& text);

class crm_script {
 public:
  /// The answer to `request` (use as scripted_transport's script).
  http::http_result operator()(const http::http_request& request);

  /// Answers the next request with `result` instead of the CRM (in queue order).
  void fail_next(http::http_result result);
  /// Answers the next request with `answer(request)` instead of the CRM (same queue).
  void answer_next(std::function<http::http_result(const http::http_request&)> answer);

  /// Stores an object of `type` (its "id" must be a string); returns it.
  json put(const std::string& type, json object);
  /// The objects of `type`, in creation order.
  std::vector<json> objects(const std::string& type) const;
  /// The object of `type` with `id`, or null.
  json find(const std::string& type, const std::string& id) const;

 private:
  http::http_result handle(const http::http_request& request);

  mutable std::mutex mutex_;
  std::deque<std::function<http::http_result(const http::http_request&)>> faults_;
  std::map<std::string, std::vector<json>> objects_;
  int next_id_ = 1;
};

}  // namespace tixsync::providers::rest::testing
