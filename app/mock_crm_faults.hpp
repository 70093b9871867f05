// Fault injection of the mock CRM: the settings (latency, 503s, 429s with Retry-After, 422s,
// closed connections, slow answers, an outage window) and the seeded dice that decide, request by
// request, which fault hits. Same seed and same request order give the same faults.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <random>
#include <string>

namespace tixsync::app {

/// What the mock CRM does wrong on purpose, for /api/* and /hooks/* requests.
struct mock_crm_faults {
  int latency_ms = 0;             ///< every request waits this long (a timer, no blocked thread)
  double fail_rate = 0;           ///< share answered 503
  double rate_limit_rate = 0;     ///< share answered 429 with Retry-After
  std::string retry_after = "1";  ///< the Retry-After value of the 429s (seconds or HTTP-date)
  double close_rate = 0;          ///< share whose connection is closed without an answer
  double reject_rate = 0;         ///< share answered 422 (the system refuses that one request)
  double slow_rate = 0;           ///< share that waits slow_ms on top of latency_ms
  int slow_ms = 0;

  /// "" when the settings are usable, else what is wrong: rates outside 0..1, close + rate
  /// limit + fail + reject above 1, negative times, slow_rate without slow_ms, an empty
  /// retry_after.
  std::string problem() const;
};

/// The fate of one request.
enum class fault_kind { none, close, rate_limit, fail, reject };

struct fault_decision {
  fault_kind kind = fault_kind::none;
  bool slow = false;
  std::chrono::milliseconds delay{0};  ///< latency plus, when slow, slow_ms
  std::string retry_after;             ///< for rate_limit
};

/// Thread-safe settings, dice and counters of injected faults.
class fault_injector {
 public:
  fault_injector(mock_crm_faults initial, std::uint64_t seed);

  /// True (and counted) while an outage lasts: the request is answered 503 at once.
  bool in_outage();
  /// Rolls the dice for one request (two draws, whatever the settings) and counts the result.
  fault_decision decide();

  mock_crm_faults settings() const;
  /// Replaces the settings; throws std::invalid_argument with problem() when they are wrong.
  void set(const mock_crm_faults& faults);
  /// Starts an outage of `length` from now (zero ends one).
  void start_outage(std::chrono::milliseconds length);
  /// Applies the keys of a POST /_mock/faults body (latency_ms, fail_rate, rate_limit_rate,
  /// retry_after, close_rate, reject_rate, slow_rate, slow_ms, outage_seconds). Returns "" or what
  /// is wrong (unknown key, wrong type, bad value); nothing changes then.
  std::string apply(const nlohmann::json& changes);

  /// The settings plus "outage_remaining_ms".
  nlohmann::json settings_json() const;
  /// Injected faults by kind: fail, rate_limit, close, reject, slow, outage, delayed.
  nlohmann::json injected_json() const;

  /// Back to the initial settings and seed, counters zero, no outage.
  void reset();

 private:
  double draw();  // in [0, 1), from the seeded generator; mutex held

  const mock_crm_faults initial_;
  const std::uint64_t seed_;
  mutable std::mutex mutex_;
  mock_crm_faults current_;
  std::mt19937_64 dice_;
  std::chrono::steady_clock::time_point outage_until_{};
  std::map<std::string, std::uint64_t> injected_;
};

}  // namespace tixsync::app
