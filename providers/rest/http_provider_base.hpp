// What the REST and webhook providers have in common as providers: the settings the config gives
// every provider (identifier, display name, mappings, list joiner, change detection, retry
// policy) and a release function that close() runs once, e.g. stopping the http_client the
// provider owns. The syncing itself is each provider's own.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "providers/configured_provider.hpp"
#include "providers/provider.hpp"

namespace tixsync::providers::rest {

class http_provider_base : public provider_with_settings {
 public:
  /// Calls close().
  ~http_provider_base() override;

  /// Runs the release function (if any) once.
  void close() override;
  /// Sets what close() releases, e.g. stopping an http_client the provider owns. Call before
  /// the provider is shared.
  void release_on_close(std::function<void()> release) { release_ = std::move(release); }

 protected:
  explicit http_provider_base(provider_settings settings)
      : provider_with_settings(std::move(settings)) {}
  /// The list joiner as the object syncs use it: "" (native lists) becomes nullopt.
  std::optional<std::string> joiner() const;

 private:
  std::function<void()> release_;
  std::atomic<bool> closed_{false};
};

}  // namespace tixsync::providers::rest
