// The guard tests' doubles: polling, log lines, the scripted inner provider, the result log.
#include "tests/providers/guard/guard_test_support.hpp"

#include <optional>
#include <stdexcept>

namespace tixsync::providers::guard::testing {

int log_lines::count(const std::string& text) const {
  int n = 0;
  for (const auto& line : lines()) n += line.find(text) != std::string::npos ? 1 : 0;
  return n;
}

scripted_provider::scripted_provider(mode m, std::chrono::microseconds delay)
    : mode_(m), delay_(delay) {
  answer = [](int) { return object_result::synced(object_outcome{}); };
  worker_ = std::thread([this] { run_later(); });
}

scripted_provider::~scripted_provider() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  worker_.join();
  // Calls still held are completed, so no completion is left dropped by the test double.
  while (complete_held()) {
  }
}

void scripted_provider::sync_object(object_request request, object_completion done) {
  const int number = calls++;
  const int now_in_flight = ++in_flight;
  int seen = max_in_flight.load();
  while (now_in_flight > seen && !max_in_flight.compare_exchange_weak(seen, now_in_flight)) {
  }
  mode m;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    times_.push_back(guard_clock::now());
    m = mode_;
  }
  if (throw_for && throw_for(number)) {
    --in_flight;
    throw std::runtime_error("scripted failure of call " + std::to_string(number));
  }
  pending p{number, std::move(done), guard_clock::now() + delay_};
  if (m == mode::at_once) return deliver(std::move(p));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    held_.push_back(std::move(p));
  }
  if (m == mode::later) wake_.notify_all();
}

void scripted_provider::finalize_sync_order(finalize_request request, finalize_completion done) {
  ++finalizes;
  done(finalize_result::succeeded());
}

void scripted_provider::deliver(pending p) {
  --in_flight;
  p.done(answer(p.number));
}

bool scripted_provider::complete_held() {
  std::optional<pending> p;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (held_.empty()) return false;
    p.emplace(std::move(held_.front()));
    held_.pop_front();
  }
  deliver(std::move(*p));
  return true;
}

std::size_t scripted_provider::held() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.size();
}

void scripted_provider::set_mode(mode m) {
  std::lock_guard<std::mutex> lock(mutex_);
  mode_ = m;
}

std::vector<guard_time> scripted_provider::call_times() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return times_;
}

void scripted_provider::run_later() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (mode_ != mode::later || held_.empty()) {
      wake_.wait_for(lock, std::chrono::milliseconds(50));
      continue;
    }
    if (held_.front().due > guard_clock::now()) {
      wake_.wait_until(lock, held_.front().due);
      continue;
    }
    pending p = std::move(held_.front());
    held_.pop_front();
    lock.unlock();
    deliver(std::move(p));
    lock.lock();
  }
}

object_completion result_log::completion_for(std::size_t n) {
  return make_object_completion([this, n](object_result result) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counts_.at(n);
      results_.at(n) = std::move(result);
    }
    ++delivered_;
  });
}

bool result_log::each_exactly_once() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int c : counts_) {
    if (c != 1) return false;
  }
  return true;
}

object_result result_log::result(std::size_t n) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return results_.at(n);
}

std::size_t result_log::with_signature(const std::string& signature) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (std::size_t i = 0; i < results_.size(); ++i) {
    if (counts_[i] == 0) continue;
    const auto& e = results_[i].error;
    n += (e ? e->signature : std::string()) == signature ? 1 : 0;
  }
  return n;
}

}  // namespace tixsync::providers::guard::testing
