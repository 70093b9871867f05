// The settings the config gives every provider (identifier, display name, mappings, list
// joiner, change detection, retry policy, which orders it syncs), provider_with_settings that
// answers from them (the base of the REST and webhook providers), and configured_provider, which
// adds them to an inner provider that has none of its own (the example providers).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/order_filter.hpp"
#include "providers/provider.hpp"

namespace tixsync::providers {

using config::order_filter;

/// The settings the config gives every provider, whatever its type.
struct provider_settings {
  std::string identifier;
  std::string display_name;
  std::vector<mapping::mapping_definition> mappings;
  std::optional<std::string> list_joiner = std::string(",");
  bool change_detection = false;
  providers::retry_policy retry;
  /// Which orders are synced (should_sync_order); the default syncs every order.
  order_filter orders;
};

/// A provider whose identifier, display name, mappings, list joiner, change detection, retry
/// policy and order filter are its `settings`; what it syncs and how is left to the class built
/// on it.
class provider_with_settings : public provider {
 public:
  std::string identifier() const override { return settings_.identifier; }
  /// The display name, or the identifier when the config gives none.
  std::string display_name() const override;
  const std::vector<mapping::mapping_definition>& mappings() const override {
    return settings_.mappings;
  }
  std::optional<std::string> list_joiner() const override { return settings_.list_joiner; }
  bool change_detection() const override { return settings_.change_detection; }
  providers::retry_policy retry_policy() const override { return settings_.retry; }
  /// Whether `settings.orders` lets the order through.
  bool should_sync_order(const mapping::order& order) const override {
    return settings_.orders.accepts(order);
  }

 protected:
  explicit provider_with_settings(provider_settings settings) : settings_(std::move(settings)) {}

 private:
  provider_settings settings_;
};

/// Decorates `inner` with `settings`; every call is forwarded to `inner`.
class configured_provider final : public provider_with_settings {
 public:
  configured_provider(provider_settings settings, std::shared_ptr<provider> inner);

  /// The settings' order filter first, then the inner provider's own decision.
  bool should_sync_order(const mapping::order& order) const override {
    return provider_with_settings::should_sync_order(order) && inner_->should_sync_order(order);
  }
  void sync_object(object_request request, object_completion done) override {
    inner_->sync_object(std::move(request), std::move(done));
  }
  void finalize_sync_order(finalize_request request, finalize_completion done) override {
    inner_->finalize_sync_order(std::move(request), std::move(done));
  }
  void close() override { inner_->close(); }

 private:
  std::shared_ptr<provider> inner_;
};

}  // namespace tixsync::providers
