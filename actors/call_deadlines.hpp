// The provider-call deadlines of a node's sync and finalize actors. One thread and a FIFO: every
// deadline is "now + the node's provider_call_timeout", so arrival order is deadline order. An
// actor cancels its deadline when it ends, so nothing keeps it (or a message for it) alive until
// the deadline passes - unlike a delayed_send, which holds the actor for the whole timeout.
#pragma once

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tixsync::actors {

class call_deadlines {
 public:
  using clock = std::chrono::steady_clock;

  /// Starts the thread; every deadline armed is `timeout` after arm().
  explicit call_deadlines(std::chrono::milliseconds timeout);
  /// Stops the thread; deadlines not yet passed are dropped.
  ~call_deadlines();
  call_deadlines(const call_deadlines&) = delete;
  call_deadlines& operator=(const call_deadlines&) = delete;

  /// Sends timeout_atom to `actor` once the timeout has passed, unless canceled before (or the
  /// actor ended). Returns the ticket to cancel it with.
  std::uint64_t arm(const caf::actor& actor);
  /// Forgets a deadline (no-op when it already fired).
  void cancel(std::uint64_t ticket);
  /// Ends the thread now (idempotent); later arm() calls are never fired.
  void stop();

 private:
  void run();

  const clock::duration timeout_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<clock::time_point, std::uint64_t>> due_;  ///< in deadline order
  std::unordered_map<std::uint64_t, caf::actor_addr> armed_;     ///< by ticket; weak handles
  std::uint64_t next_ticket_ = 1;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tixsync::actors
