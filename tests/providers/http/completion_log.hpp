// Test helpers that receive the HTTP client's completions: a log that counts every call per
// request (to prove "exactly once") and notes the thread, and send_and_wait for one request.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "providers/http/http_client.hpp"

namespace tixsync::testing {

class completion_log {
 public:
  /// A callback for request number `id`; every call is recorded.
  providers::http::http_transport::callback callback(std::size_t id);
  /// Waits until `count` calls arrived, for at most `bound`; true when they did.
  bool wait_for(std::size_t count, std::chrono::milliseconds bound = std::chrono::seconds(30));

  std::size_t calls() const;
  /// How often the callback of `id` was called.
  std::size_t calls_of(std::size_t id) const;
  /// The results in the order they arrived.
  std::vector<providers::http::http_result> results() const;
  std::vector<std::thread::id> threads() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::size_t, std::size_t> calls_per_id_;
  std::vector<providers::http::http_result> results_;
  std::vector<std::thread::id> threads_;
};

/// Sends `request` and waits up to 30 s for its completion; a missing completion fails the test
/// and comes back as an error result saying so.
providers::http::http_result send_and_wait(providers::http::http_transport& client,
                                           providers::http::http_request request);

/// A GET request for `url` with the given extra headers.
providers::http::http_request get(const std::string& url,
                                  providers::http::header_list headers = {});

}  // namespace tixsync::testing
