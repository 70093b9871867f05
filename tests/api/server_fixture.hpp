// Shared by the http_server tests: a started server on an ephemeral loopback port that records
// what it logs, JSON parsing of answers, and a bounded wait for a condition.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "api/http_server.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::api::testing {

using tixsync::testing::eventually;

/// A server started on 127.0.0.1:0 that keeps its log lines; stopped by its destructor.
class test_server {
 public:
  explicit test_server(router routes, server_options options = {})
      : server_(with_log(std::move(options)), std::move(routes)) {
    server_.start();
  }
  int port() const { return server_.port(); }
  http_server& server() { return server_; }
  std::vector<std::string> log() const {
    std::lock_guard<std::mutex> lock(*mutex_);
    return *lines_;
  }

 private:
  server_options with_log(server_options options) {
    options.log = [mutex = mutex_, lines = lines_](const std::string& line) {
      std::lock_guard<std::mutex> lock(*mutex);
      lines->push_back(line);
    };
    return options;
  }
  std::shared_ptr<std::mutex> mutex_ = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
  http_server server_;
};

/// The JSON of a body, or a JSON string saying why it is not JSON (so assertions show it).
inline nlohmann::json json_of(const std::string& body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const std::exception& e) {
    return std::string("not JSON: ") + body;
  }
}

}  // namespace tixsync::api::testing
