// Settings validation, dice and counters of the mock CRM's fault injection.
#include "app/mock_crm_faults.hpp"

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>

namespace tixsync::app {
namespace {

bool is_rate(double r) {
  return r >= 0 && r <= 1;
}

const char* const fault_names[] = {"fail", "rate_limit", "close",  "reject",
                                   "slow", "outage",     "delayed"};

}  // namespace

std::string mock_crm_faults::problem() const {
  if (latency_ms < 0) return "latency_ms must not be negative";
  if (slow_ms < 0) return "slow_ms must not be negative";
  if (!is_rate(fail_rate)) return "fail_rate must be between 0 and 1";
  if (!is_rate(rate_limit_rate)) return "rate_limit_rate must be between 0 and 1";
  if (!is_rate(close_rate)) return "close_rate must be between 0 and 1";
  if (!is_rate(reject_rate)) return "reject_rate must be between 0 and 1";
  if (!is_rate(slow_rate)) return "slow_rate must be between 0 and 1";
  if (fail_rate + rate_limit_rate + close_rate + reject_rate > 1 + 1e-9) {
    return "fail_rate + rate_limit_rate + close_rate + reject_rate must not exceed 1";
  }
  if (slow_rate > 0 && slow_ms == 0) return "slow_rate needs slow_ms above 0";
  if (retry_after.empty() || retry_after.find_first_of("\r\n") != std::string::npos) {
    return "retry_after must be a non-empty single-line value";
  }
  return "";
}

fault_injector::fault_injector(mock_crm_faults initial, std::uint64_t seed)
    : initial_(std::move(initial)), seed_(seed), current_(initial_), dice_(seed) {
  if (auto problem = initial_.problem(); !problem.empty()) throw std::invalid_argument(problem);
  for (const char* name : fault_names) injected_[name] = 0;
}

double fault_injector::draw() {
  // 53 random bits as a double: the same sequence on every platform for one seed.
  return static_cast<double>(dice_() >> 11) * 0x1.0p-53;
}

bool fault_injector::in_outage() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::chrono::steady_clock::now() >= outage_until_) return false;
  ++injected_["outage"];
  return true;
}

fault_decision fault_injector::decide() {
  std::lock_guard<std::mutex> lock(mutex_);
  fault_decision decision;
  const double fate = draw();
  const double slowness = draw();
  if (fate < current_.close_rate) {
    decision.kind = fault_kind::close;
    ++injected_["close"];
  } else if (fate < current_.close_rate + current_.rate_limit_rate) {
    decision.kind = fault_kind::rate_limit;
    decision.retry_after = current_.retry_after;
    ++injected_["rate_limit"];
  } else if (fate < current_.close_rate + current_.rate_limit_rate + current_.fail_rate) {
    decision.kind = fault_kind::fail;
    ++injected_["fail"];
  } else if (fate < current_.close_rate + current_.rate_limit_rate + current_.fail_rate +
                        current_.reject_rate) {
    decision.kind = fault_kind::reject;
    ++injected_["reject"];
  }
  decision.slow = slowness < current_.slow_rate;
  if (decision.slow) ++injected_["slow"];
  decision.delay =
      std::chrono::milliseconds(current_.latency_ms + (decision.slow ? current_.slow_ms : 0));
  if (decision.delay.count() > 0) ++injected_["delayed"];
  return decision;
}

mock_crm_faults fault_injector::settings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return current_;
}

void fault_injector::set(const mock_crm_faults& faults) {
  if (auto problem = faults.problem(); !problem.empty()) throw std::invalid_argument(problem);
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = faults;
}

void fault_injector::start_outage(std::chrono::milliseconds length) {
  std::lock_guard<std::mutex> lock(mutex_);
  outage_until_ = std::chrono::steady_clock::now() + length;
}

std::string fault_injector::apply(const nlohmann::json& changes) {
  if (!changes.is_object()) return "the body must be a JSON object of fault settings";
  mock_crm_faults next = settings();
  std::optional<double> outage_seconds;
  for (const auto& [key, value] : changes.items()) {
    auto rate = [&](double& field) -> std::string {
      if (!value.is_number()) return key + ": expected a number, found " + value.type_name();
      field = value.get<double>();
      return "";
    };
    auto milliseconds = [&](int& field) -> std::string {
      constexpr std::int64_t day_ms = 24 * 3600 * 1000;
      if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
          value.get<std::int64_t>() > day_ms) {
        return key + ": expected a whole number of milliseconds from 0 to " +
               std::to_string(day_ms);
      }
      field = static_cast<int>(value.get<std::int64_t>());
      return "";
    };
    std::string problem;
    if (key == "latency_ms") {
      problem = milliseconds(next.latency_ms);
    } else if (key == "fail_rate") {
      problem = rate(next.fail_rate);
    } else if (key == "rate_limit_rate") {
      problem = rate(next.rate_limit_rate);
    } else if (key == "close_rate") {
      problem = rate(next.close_rate);
    } else if (key == "reject_rate") {
      problem = rate(next.reject_rate);
    } else if (key == "slow_rate") {
      problem = rate(next.slow_rate);
    } else if (key == "slow_ms") {
      problem = milliseconds(next.slow_ms);
    } else if (key == "outage_seconds") {
      double seconds = 0;
      problem = rate(seconds);
      if (problem.empty() && (seconds < 0 || seconds > 86400)) {
        problem = "outage_seconds: expected 0 to 86400";
      }
      outage_seconds = seconds;
    } else if (key == "retry_after") {
      if (value.is_string()) {
        next.retry_after = value.get<std::string>();
      } else if (value.is_number_unsigned()) {
        next.retry_after = std::to_string(value.get<std::uint64_t>());
      } else {
        problem = "retry_after: expected a string or a whole number of seconds";
      }
    } else {
      problem = "unknown fault setting '" + key +
                "' (known: latency_ms, fail_rate, rate_limit_rate, retry_after, close_rate, "
                "reject_rate, slow_rate, slow_ms, outage_seconds)";
    }
    if (!problem.empty()) return problem;
  }
  if (auto problem = next.problem(); !problem.empty()) return problem;
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = next;
  if (outage_seconds) {
    outage_until_ = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<std::int64_t>(*outage_seconds * 1000));
  }
  return "";
}

nlohmann::json fault_injector::settings_json() const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      outage_until_ - std::chrono::steady_clock::now());
  return {{"latency_ms", current_.latency_ms},
          {"fail_rate", current_.fail_rate},
          {"rate_limit_rate", current_.rate_limit_rate},
          {"retry_after", current_.retry_after},
          {"close_rate", current_.close_rate},
          {"reject_rate", current_.reject_rate},
          {"slow_rate", current_.slow_rate},
          {"slow_ms", current_.slow_ms},
          {"outage_remaining_ms", left.count() > 0 ? left.count() : 0}};
}

nlohmann::json fault_injector::injected_json() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return injected_;
}

void fault_injector::reset() {
  std::lock_guard<std::mutex> lock(mutex_);
  current_ = initial_;
  dice_.seed(seed_);
  outage_until_ = {};
  for (auto& entry : injected_) entry.second = 0;
}

}  // namespace tixsync::app
