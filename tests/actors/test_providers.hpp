// Providers for the actor tests: a wrapper around a real provider (usually one of the example
// providers over an in_memory_database) that can fail, throw, hang or refuse orders on demand,
// and counts the calls that reached it; and a provider whose calls the test answers by hand.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "providers/provider.hpp"

namespace tixsync::actors::testing {

/// What the wrapper does with a call before (instead of) passing it on.
enum class call_mode {
  pass,         ///< forward to the inner provider
  fail,         ///< complete with `failure`
  throw_error,  ///< throw std::runtime_error from sync_object
  hang,         ///< keep the call and never answer it (until release_held())
};

class wrapping_provider : public providers::provider {
 public:
  /// Wraps `inner`, with its identifier and mappings unless `mappings` is given.
  explicit wrapping_provider(
      std::shared_ptr<providers::provider> inner,
      std::optional<std::vector<mapping::mapping_definition>> mappings = std::nullopt);
  ~wrapping_provider() override;

  std::string identifier() const override { return inner_->identifier(); }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  std::optional<std::string> list_joiner() const override { return inner_->list_joiner(); }
  bool change_detection() const override { return detect_changes; }
  providers::retry_policy retry_policy() const override { return policy; }
  bool should_sync_order(const mapping::order& order) const override;
  void sync_object(providers::object_request request, providers::object_completion done) override;
  void close() override { inner_->close(); }

  /// Ends the held calls: forwards them to the inner provider, or drops their completions
  /// (which then report "completion dropped" to whoever still listens).
  void release_held(bool forward = false);
  std::size_t held() const;

  std::atomic<call_mode> mode{call_mode::pass};
  providers::sync_error failure;  ///< for call_mode::fail (set before use)
  std::atomic<bool> detect_changes{false};
  std::function<bool(const mapping::order&)> should_sync;  ///< empty: sync every order
  providers::retry_policy policy;
  std::atomic<int> calls{0};      ///< sync_object calls that reached this wrapper
  std::atomic<int> forwarded{0};  ///< of those, forwarded to the inner provider

 private:
  std::shared_ptr<providers::provider> inner_;
  std::vector<mapping::mapping_definition> mappings_;
  mutable std::mutex mutex_;
  std::vector<std::pair<providers::object_request, providers::object_completion>> held_;
};

/// A provider that answers nothing by itself: every sync_object (and, unless finalize_at_once,
/// every finalize_sync_order) call waits until the test answers it, on the test's thread. Not
/// thread-safe: for the deterministic actor tests, where everything runs on one thread.
class manual_provider : public providers::provider {
 public:
  /// "example2" with the mappings of pretix's association example (tickets, then orders).
  manual_provider();

  std::string identifier() const override { return "example2"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  providers::retry_policy retry_policy() const override { return policy; }
  void sync_object(providers::object_request request, providers::object_completion done) override;
  void finalize_sync_order(providers::finalize_request request,
                           providers::finalize_completion done) override;

  /// Answers the oldest waiting object call; false when none waits.
  bool answer_object(providers::object_result result);
  /// Answers the oldest waiting object call with a synced record; false when none waits.
  bool answer_object();
  /// Answers the oldest waiting object call of order `code` with a synced record.
  bool answer_object_of(const std::string& code);
  /// Answers the oldest waiting finalize call; false when none waits.
  bool answer_finalize(providers::finalize_result result);
  std::size_t objects_waiting() const { return objects_.size(); }
  std::size_t finalizes_waiting() const { return finalizes_.size(); }
  /// Drops every waiting call without an answer (their completions report "dropped").
  void drop_all();

  bool finalize_at_once = true;  ///< false: finalize calls wait like object calls
  providers::retry_policy policy;
  int object_calls = 0;
  int finalize_calls = 0;

 private:
  std::vector<mapping::mapping_definition> mappings_;
  struct waiting_call {
    std::string order;  ///< the order's code
    providers::object_completion done;
  };
  std::deque<waiting_call> objects_;
  std::deque<providers::finalize_completion> finalizes_;
};

/// A retry policy that retries at once (1 ms, no jitter) and parks at `max_attempts`.
providers::retry_policy fast_retry(int max_attempts);

}  // namespace tixsync::actors::testing
