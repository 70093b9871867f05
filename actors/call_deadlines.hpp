// The provider-call deadlines of a node's sync and finalize actors, behind call_timeouts (unit
// tests fire them by hand). call_deadlines: one thread and a FIFO; every deadline is "now + the
// node's provider_call_timeout", so arrival order is deadline order. An actor cancels its
// deadline when it ends, so nothing keeps it (or a message for it) alive until the deadline
// passes - unlike a delayed_send, which holds the actor for the whole timeout.
#pragma once

#include <caf/actor_addr.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace tixsync::actors {

/// Sends timeout_atom to an actor once its provider call took too long.
class call_timeouts {
 public:
  virtual ~call_timeouts() = default;
  /// Sends timeout_atom to `actor` once the timeout has passed, unless canceled before (or the
  /// actor ended). Returns the ticket to cancel it with.
  virtual std::uint64_t arm(const caf::actor_addr& actor) = 0;
  /// Forgets a deadline (no-op when it already fired).
  virtual void cancel(std::uint64_t ticket) = 0;
  /// Fires nothing from now on (idempotent).
  virtual void stop() = 0;
};

class call_deadlines final : public call_timeouts {
 public:
  using clock = std::chrono::steady_clock;

  /// Starts the thread; every deadline armed is `timeout` after arm().
  explicit call_deadlines(std::chrono::milliseconds timeout);
  /// Stops the thread; deadlines not yet passed are dropped.
  ~call_deadlines() override;
  call_deadlines(const call_deadlines&) = delete;
  call_deadlines& operator=(const call_deadlines&) = delete;

  std::uint64_t arm(const caf::actor_addr& actor) override;
  void cancel(std::uint64_t ticket) override;
  /// Ends the thread now (idempotent); later arm() calls are never fired.
  void stop() override;

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
