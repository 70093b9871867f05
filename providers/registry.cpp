// provider_registry: a map from identifier to provider and enabled flag, safe to read from many
// threads while an operator enables or disables a provider.
#include "providers/registry.hpp"

#include <algorithm>
#include <iostream>
#include <mutex>
#include <stdexcept>

namespace tixsync::providers {

void provider_registry::add(std::shared_ptr<provider> p, bool enabled) {
  if (!p) throw std::invalid_argument("cannot register a null provider");
  std::string identifier = p->identifier();
  if (identifier.empty()) throw std::invalid_argument("a provider needs an identifier");
  std::unique_lock lock(mutex_);
  if (entries_.count(identifier)) {
    throw std::invalid_argument("provider \"" + identifier + "\" is already registered");
  }
  entries_.emplace(std::move(identifier), entry{std::move(p), enabled});
}

std::shared_ptr<provider> provider_registry::find(const std::string& identifier) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(identifier);
  return it == entries_.end() ? nullptr : it->second.target;
}

provider_registry::sync_target provider_registry::find_for_sync(
    const std::string& identifier) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(identifier);
  if (it == entries_.end()) return {nullptr, "unknown provider \"" + identifier + "\""};
  if (!it->second.enabled) return {nullptr, "provider \"" + identifier + "\" is disabled"};
  return {it->second.target, ""};
}

bool provider_registry::set_enabled(const std::string& identifier, bool enabled) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(identifier);
  if (it == entries_.end()) return false;
  it->second.enabled = enabled;
  return true;
}

bool provider_registry::enabled(const std::string& identifier) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(identifier);
  return it != entries_.end() && it->second.enabled;
}

std::vector<std::string> provider_registry::identifiers() const {
  std::vector<std::string> names;
  {
    std::shared_lock lock(mutex_);
    names.reserve(entries_.size());
    for (const auto& [identifier, e] : entries_) names.push_back(identifier);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::size_t provider_registry::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

void provider_registry::close_all() {
  std::vector<std::shared_ptr<provider>> targets;
  {
    std::unique_lock lock(mutex_);
    if (closed_) return;
    closed_ = true;
    for (const auto& [identifier, e] : entries_) targets.push_back(e.target);
  }
  // Outside the lock: close() may wait for running work that looks providers up.
  for (const auto& target : targets) {
    try {
      target->close();
    } catch (const std::exception& e) {
      std::cerr << "tixsync: closing provider \"" << target->identifier() << "\": " << e.what()
                << "\n";
    }
  }
}

std::string drop_log_line(const std::string& order_code, const std::string& identifier,
                          const std::string& reason) {
  return "dropping order " + order_code + " for provider \"" + identifier + "\": " + reason;
}

}  // namespace tixsync::providers
