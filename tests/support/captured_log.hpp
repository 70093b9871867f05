// Log lines that threads under test write through a `std::function<void(const std::string&)>`
// sink, kept for the test to read (thread-safe).
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace tixsync::testing {

class captured_log {
 public:
  /// A sink writing into this log; the log must outlive whoever holds the sink.
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex_);
      lines_.push_back(line);
    };
  }
  /// The lines so far, in the order written.
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace tixsync::testing
