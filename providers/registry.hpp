// The providers of a node by identifier, with an enabled flag each. The runtime looks a queue
// item's provider up here; an item for an unknown or disabled provider is dropped with a log
// line, as pretix deletes the items of uninstalled or deactivated providers.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "providers/provider.hpp"

namespace tixsync::providers {

class provider_registry {
 public:
  /// A lookup for a sync: the provider, or nullptr and why the item is dropped.
  struct sync_target {
    std::shared_ptr<provider> target;
    std::string drop_reason;  ///< e.g. `unknown provider "crm"`; empty when found
  };

  /// Registers a provider under its identifier, enabled or not. Throws std::invalid_argument
  /// for a null provider, an empty identifier or an identifier already registered.
  void add(std::shared_ptr<provider> p, bool enabled = true);

  /// The provider, enabled or not; nullptr when unknown.
  std::shared_ptr<provider> find(const std::string& identifier) const;
  /// The provider to sync an item with, or nullptr with the reason to drop the item.
  sync_target find_for_sync(const std::string& identifier) const;

  /// Enables or disables a provider; false when the identifier is unknown.
  bool set_enabled(const std::string& identifier, bool enabled);
  /// Whether the provider is registered and enabled.
  bool enabled(const std::string& identifier) const;

  /// All identifiers, sorted.
  std::vector<std::string> identifiers() const;
  std::size_t size() const;

  /// Calls close() on every provider once (at shutdown, after the last request completed).
  /// Later calls do nothing. Exceptions from close() are reported to stderr and skipped.
  void close_all();

 private:
  struct entry {
    std::shared_ptr<provider> target;
    bool enabled = true;
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, entry> entries_;
  bool closed_ = false;
};

/// The log line for a dropped item, e.g. `dropping order ABC12 for provider "crm": provider
/// "crm" is disabled`.
std::string drop_log_line(const std::string& order_code, const std::string& identifier,
                          const std::string& reason);

}  // namespace tixsync::providers
