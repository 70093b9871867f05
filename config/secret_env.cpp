// The check of a *_env value and the lookup of the secret it names.
#include "config/secret_env.hpp"

#include <algorithm>
#include <cctype>

namespace tixsync::config {
namespace {

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

/// Upper-case letters, digits and "_": how variables are named, and unlike most tokens.
bool is_conventional_name(const std::string& name) {
  return std::none_of(name.begin(), name.end(),
                      [](char c) { return std::islower(static_cast<unsigned char>(c)); });
}

}  // namespace

bool is_environment_name(const std::string& name) {
  return !name.empty() && name.size() <= max_environment_name &&
         !std::isdigit(static_cast<unsigned char>(name.front())) &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

std::optional<std::string> resolve_secret_env(const std::string& name, const env_lookup& env,
                                              secret& value) {
  if (name.empty()) return std::string("names no environment variable");
  if (!is_environment_name(name)) {
    // Not echoed: this is often the secret itself, written where its variable's name belongs.
    return "is not the name of an environment variable (letters, digits and _, not starting "
           "with a digit, at most " +
           std::to_string(max_environment_name) +
           " characters, e.g. CRM_TOKEN); the secret itself belongs in that variable, not in "
           "the file";
  }
  const auto found = env ? env(name) : std::nullopt;
  if (found && !found->empty()) {
    value = secret(*found);
    return std::nullopt;
  }
  if (is_conventional_name(name)) return "environment variable " + name + " is not set (or empty)";
  return std::string(
      "the environment variable named here is not set (or empty); its name is not repeated: "
      "with lower-case letters it may be a secret written in its place");
}

}  // namespace tixsync::config
