// A base for providers written in blocking style: implement sync_object_blocking (return the
// outcome or throw) and it runs on the provider's own bounded pool, so a slow external system
// never blocks a scheduler thread and the pool size bounds the provider's concurrency.
#pragma once

#include <memory>
#include <optional>

#include "providers/blocking_pool.hpp"
#include "providers/provider.hpp"

namespace tixsync::providers {

class blocking_provider : public provider {
 public:
  /// Starts the provider's pool (its threads are the provider's blocking concurrency).
  explicit blocking_provider(blocking_pool::options pool_options = {});
  /// Shuts the pool down if close() was not called. Derived classes should have been closed
  /// before they are destroyed: a task still running would use a destroyed object.
  ~blocking_provider() override;

  /// Queues sync_object_blocking on the pool. Every path calls `done` exactly once: the
  /// outcome; the exception converted by to_sync_error; a rate_limited "pool-saturated" error
  /// when the queue is full; a recoverable "shutdown" error when closed before the task ran.
  void sync_object(object_request request, object_completion done) final;
  /// Queues finalize_sync_order_blocking on the pool, with the same guarantees.
  void finalize_sync_order(finalize_request request, finalize_completion done) final;
  /// Shuts the pool down (waiting tasks are abandoned, running ones finish). A derived class
  /// that overrides close() must call blocking_provider::close().
  void close() override;

 protected:
  /// Syncs one object, blocking the pool thread as long as needed (set timeouts on your I/O).
  /// Return the outcome, std::nullopt to skip the object, or throw recoverable_sync_error,
  /// rate_limited_sync_error, unrecoverable_sync_error or sync_config_error; anything else
  /// counts as an internal error. Called concurrently from the pool's threads.
  virtual std::optional<object_outcome> sync_object_blocking(const object_request& request) = 0;
  /// Optional per-order step after all objects; throw like sync_object_blocking.
  virtual void finalize_sync_order_blocking(const finalize_request& request) {}

  blocking_pool& pool() { return pool_; }

 private:
  blocking_pool pool_;
};

}  // namespace tixsync::providers
