// The completion log and send_and_wait of the HTTP client tests (see completion_log.hpp).
#include "tests/providers/http/completion_log.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace tixsync::testing {
using providers::http::http_result;

providers::http::http_transport::callback completion_log::callback(std::size_t id) {
  return [this, id](http_result result) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++calls_per_id_[id];
    results_.push_back(std::move(result));
    threads_.push_back(std::this_thread::get_id());
    changed_.notify_all();
  };
}

bool completion_log::wait_for(std::size_t count, std::chrono::milliseconds bound) {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, bound, [&] { return results_.size() >= count; });
}

std::size_t completion_log::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return results_.size();
}

std::size_t completion_log::calls_of(std::size_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = calls_per_id_.find(id);
  return found == calls_per_id_.end() ? 0 : found->second;
}

std::vector<http_result> completion_log::results() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return results_;
}

std::vector<std::thread::id> completion_log::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_;
}

http_result send_and_wait(providers::http::http_transport& client,
                          providers::http::http_request request) {
  // Shared with the callback, which may (wrongly) run after this function gave up.
  auto log = std::make_shared<completion_log>();
  client.send(std::move(request),
              [log](http_result result) { log->callback(0)(std::move(result)); });
  if (!log->wait_for(1)) {
    ADD_FAILURE() << "no completion within 30 s";
    http_result missing;
    missing.error = providers::http::transport_error{providers::http::transport_error_kind::closed,
                                                     "test: no completion within 30 s"};
    return missing;
  }
  return log->results().front();
}

providers::http::http_request get(const std::string& url, providers::http::header_list headers) {
  providers::http::http_request request;
  request.url = url;
  request.headers = std::move(headers);
  return request;
}

}  // namespace tixsync::testing
