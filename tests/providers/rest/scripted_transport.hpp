// A scripted http_transport for the HTTP provider tests: records every request and answers it
// from a script (a function of the request), always from its own worker thread so the tests
// prove that the providers never need an answer on the calling thread. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::rest::testing {

/// A response with a status, a JSON (or any) body and headers.
http::http_result respond(int status, std::string body = {}, http::header_list headers = {});
/// A transport failure of `kind`.
http::http_result transport_failure(http::transport_error_kind kind, std::string message = {});

class scripted_transport final : public http::http_transport {
 public:
  using script = std::function<http::http_result(const http::http_request&)>;

  /// `answer` is called on the worker thread for each request, in the order sent.
  explicit scripted_transport(script answer);
  /// Stops the worker after answering every queued request. Must not run on the worker: tests
  /// call wait_idle() before they drop their reference.
  ~scripted_transport() override;

  void send(http::http_request request, callback done) override;

  /// Copies of the requests received so far, in order.
  std::vector<http::http_request> requests() const;
  /// "METHOD URL" of each request so far.
  std::vector<std::string> calls() const;
  /// Waits (bounded by 10 s) until every request sent so far was answered and its completion
  /// destroyed, so nothing the completions hold outlives the test; false on timeout.
  bool wait_idle();
  /// The thread every completion runs on.
  std::thread::id worker_id() const { return worker_.get_id(); }

 private:
  void run();

  script answer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<http::http_request, callback>> queue_;
  std::vector<http::http_request> requests_;
  bool stopping_ = false;
  bool busy_ = false;
  std::thread worker_;
};

}  // namespace tixsync::providers::rest::testing
