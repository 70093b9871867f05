// Providers for the actor tests: a wrapper around a real provider (usually one of the example
// providers over an in_memory_database) that can fail, throw, hang or refuse orders on demand,
// and counts the calls that reached it.
#pragma once

#include <atomic>
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

/// A retry policy that retries at once (1 ms, no jitter) and parks at `max_attempts`.
providers::retry_policy fast_retry(int max_attempts);

}  // namespace tixsync::actors::testing
