// One thread that fires the provider-call deadlines of a node's actors in FIFO order.
#include "actors/call_deadlines.hpp"

#include <caf/actor.hpp>
#include <caf/send.hpp>
#include <utility>
#include <vector>

#include "actors/protocol.hpp"

namespace tixsync::actors {

call_deadlines::call_deadlines(std::chrono::milliseconds timeout)
    : timeout_(timeout), thread_([this] { run(); }) {}

call_deadlines::~call_deadlines() {
  stop();
}

std::uint64_t call_deadlines::arm(const caf::actor_addr& actor) {
  const auto due = clock::now() + timeout_;
  bool first = false;
  std::uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ticket = next_ticket_++;
    first = due_.empty();
    due_.emplace_back(due, ticket);
    armed_.emplace(ticket, actor);
  }
  // Later deadlines queue behind the front one, which the thread already waits for.
  if (first) wake_.notify_one();
  return ticket;
}

void call_deadlines::cancel(std::uint64_t ticket) {
  caf::actor_addr released;  // dropped outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = armed_.find(ticket);
  if (it == armed_.end()) return;
  released = std::move(it->second);
  armed_.erase(it);
}

void call_deadlines::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  armed_.clear();
  due_.clear();
}

void call_deadlines::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (due_.empty()) {
      wake_.wait(lock);
      continue;
    }
    const auto now = clock::now();
    if (due_.front().first > now) {
      wake_.wait_until(lock, due_.front().first);
      continue;
    }
    std::vector<caf::actor_addr> fired;
    while (!due_.empty() && due_.front().first <= now) {
      auto it = armed_.find(due_.front().second);
      if (it != armed_.end()) {
        fired.push_back(std::move(it->second));
        armed_.erase(it);
      }
      due_.pop_front();
    }
    lock.unlock();
    for (const auto& addr : fired) {
      if (auto target = caf::actor_cast<caf::actor>(addr)) {
        caf::anon_send(target, timeout_atom::value);
      }
    }
    fired.clear();
    lock.lock();
  }
}

}  // namespace tixsync::actors
