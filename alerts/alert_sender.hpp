// The one place per node that sends alerts: callers (the sync node's store threads, through its
// observer) only record events under a short lock; a thread of its own watches the providers'
// circuits, asks alert_groups what is due every second and POSTs it as JSON to [alerts] url with
// the asynchronous HTTP client. A message that cannot be delivered is logged and counted, never
// resent: the next message of its group says what came after it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_groups.hpp"
#include "alerts/alert_stats.hpp"

namespace tixsync::providers::http {
class http_client;
}

namespace tixsync::alerts {

/// The circuit of one provider as its guard reports it.
struct circuit_reading {
  std::string provider;
  bool closed = true;              ///< false while open or half-open
  std::uint64_t times_opened = 0;  ///< openings so far (catches one that closed between readings)
};

struct sender_options {
  std::string url;  ///< http:// or https:// (a secret: never logged, only its host)
  std::string node;
  std::chrono::milliseconds min_interval{300000};
  std::chrono::milliseconds timeout{10000};  ///< per POST
  std::chrono::milliseconds tick{1000};      ///< how often groups and circuits are looked at
  /// The circuits to watch (read on the sender's thread); may be empty.
  std::function<std::vector<circuit_reading>()> circuits;
  /// One line per failed delivery (no secrets); may be empty.
  std::function<void(const std::string&)> log;
};

class alert_sender {
 public:
  /// Starts the thread. Throws std::runtime_error when the client cannot be made.
  explicit alert_sender(sender_options options);
  /// stop().
  ~alert_sender();
  alert_sender(const alert_sender&) = delete;
  alert_sender& operator=(const alert_sender&) = delete;

  /// Records a parked job (cheap, never blocks on the network). Thread-safe.
  void parked(const std::string& provider, const std::string& state, const std::string& cause,
              const std::string& event, const std::string& order);
  /// Sends what is due once more, then joins the thread. Idempotent.
  void stop();
  sender_stats stats() const;

 private:
  void run();
  void watch_circuits(std::int64_t now_ms);
  void deliver(const alert_message& message);

  sender_options options_;
  std::string host_;  ///< for log lines
  std::unique_ptr<providers::http::http_client> client_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  alert_groups groups_;
  std::map<std::string, circuit_reading> last_circuits_;  ///< sender thread only
  std::atomic<std::uint64_t> sent_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace tixsync::alerts
