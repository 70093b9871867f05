// The way an asynchronous handler answers: a small copyable handle it may keep, pass to another
// thread or capture in a timer, and call once. The first answer wins, later ones are ignored;
// when every copy is gone without an answer the client gets a 500, so a lost request never
// leaves a connection hanging.
#pragma once

#include <atomic>
#include <memory>

#include "api/http_message.hpp"

namespace tixsync::api {

/// The receiving end of a responder: implemented by the server's connection (and by tests).
/// The destructor of an implementation must call `give_up_unanswered()`.
class reply_slot {
 public:
  virtual ~reply_slot() = default;
  reply_slot() = default;
  reply_slot(const reply_slot&) = delete;
  reply_slot& operator=(const reply_slot&) = delete;

  /// True exactly once: for the caller that may answer.
  bool claim() { return !answered_.exchange(true, std::memory_order_acq_rel); }
  bool answered() const { return answered_.load(std::memory_order_acquire); }

  /// Writes `response` to the client; called at most once, from any thread.
  virtual void deliver(http_response response) = 0;
  /// Closes the connection without an answer; called at most once, from any thread.
  virtual void drop_connection() = 0;

 protected:
  /// For destructors of implementations: answers 500 when nobody answered.
  void give_up_unanswered();

 private:
  std::atomic<bool> answered_{false};
};

/// The handle a handler answers through. Thread-safe; copies share one answer.
class responder {
 public:
  /// A responder that answers nowhere (every call returns false).
  responder() = default;
  explicit responder(std::shared_ptr<reply_slot> slot) : slot_(std::move(slot)) {}

  /// Sends `response`; true if it is the answer, false when the request was answered already.
  /// May be called from any thread.
  bool send(http_response response) const;
  /// Closes the client's connection without answering (for fault injection); false when the
  /// request was answered already.
  bool close_connection() const;
  /// True once send() or close_connection() was called on any copy.
  bool answered() const { return slot_ && slot_->answered(); }

 private:
  std::shared_ptr<reply_slot> slot_;
};

}  // namespace tixsync::api
