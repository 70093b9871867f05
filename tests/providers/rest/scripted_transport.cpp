// The scripted transport: a queue served by one worker thread.
#include "tests/providers/rest/scripted_transport.hpp"

namespace tixsync::providers::rest::testing {

http::http_result respond(int status, std::string body, http::header_list headers) {
  http::http_result result;
  http::http_response response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  result.response = std::move(response);
  return result;
}

http::http_result transport_failure(http::transport_error_kind kind, std::string message) {
  http::http_result result;
  result.error = http::transport_error{kind, std::move(message)};
  return result;
}

scripted_transport::scripted_transport(script answer)
    : answer_(std::move(answer)), worker_([this] { run(); }) {}

scripted_transport::~scripted_transport() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
}

bool scripted_transport::wait_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  return wake_.wait_for(lock, std::chrono::seconds(10),
                        [this] { return queue_.empty() && !busy_; });
}

void scripted_transport::send(http::http_request request, callback done) {
  // As they go on the wire: the sender's common headers first, then the request's own.
  if (request.common_headers) {
    http::header_list all = *request.common_headers;
    all.insert(all.end(), request.headers.begin(), request.headers.end());
    request.headers = std::move(all);
    request.common_headers.reset();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    queue_.emplace_back(std::move(request), std::move(done));
  }
  wake_.notify_all();
}

void scripted_transport::run() {
  while (true) {
    std::pair<http::http_request, callback> next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      next = std::move(queue_.front());
      queue_.pop_front();
      busy_ = true;
    }
    next.second(answer_(next.first));
    next = {};  // the completion and what it holds go before the transport looks idle
    {
      std::lock_guard<std::mutex> lock(mutex_);
      busy_ = false;
    }
    wake_.notify_all();
  }
}

std::vector<http::http_request> scripted_transport::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::vector<std::string> scripted_transport::calls() const {
  std::vector<std::string> out;
  for (const auto& request : requests()) out.push_back(request.method + " " + request.url);
  return out;
}

}  // namespace tixsync::providers::rest::testing
