// A fixed environment for tests of the readers that resolve secrets from environment variables
// (config::env_lookup): the variables given, nothing else.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace tixsync::testing {

/// Looks names up in `variables` only.
inline std::function<std::optional<std::string>(const std::string&)> fake_env(
    std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

}  // namespace tixsync::testing
