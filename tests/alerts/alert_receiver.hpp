// A loopback receiver for the alert webhook ([alerts] url): an http_server on a free port that
// keeps every POSTed JSON body and answers a fixed status. Used by the alert sender's tests and
// the node API's alert metrics test.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api/http_server.hpp"
#include "api/json_response.hpp"

namespace tixsync::alerts::testing {

/// A loopback webhook receiver: keeps every POSTed JSON body, answers `status`.
class alert_receiver {
 public:
  explicit alert_receiver(int status) {
    api::router routes;
    routes.add_sync("POST", "/hook/{secret}", [this, status](const api::http_request& r) {
      std::lock_guard<std::mutex> lock(mutex_);
      bodies_.push_back(nlohmann::json::parse(r.body, nullptr, false));
      return api::json_response(status, {{"ok", status < 300}});
    });
    server_ = std::make_unique<api::http_server>(api::server_options{}, std::move(routes));
    server_->start();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook/t0k3n";
  }
  std::vector<nlohmann::json> bodies() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return bodies_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> bodies_;
  std::unique_ptr<api::http_server> server_;
};

}  // namespace tixsync::alerts::testing
