// The one rule of every *_env key of the config (and of the provider settings): its value must be
// a plausible environment variable's name, and the secret is read from that variable. Problems
// never repeat a value that may be the secret itself, pasted where its variable's name belongs.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "config/secret.hpp"

namespace tixsync::config {

/// Looks up an environment variable (the process environment, or a fixed one in tests).
using env_lookup = std::function<std::optional<std::string>(const std::string&)>;

/// The longest name accepted for a secret's environment variable.
inline constexpr std::size_t max_environment_name = 64;

/// Whether `name` is a plausible environment variable name: [A-Za-z_][A-Za-z0-9_]*, at most
/// max_environment_name characters.
bool is_environment_name(const std::string& name);

/// Reads the secret in the variable `name` through `env` into `value`. On failure, the problem
/// to report at the key (names no variable, is no plausible name, is unset or empty); it
/// repeats `name` only when it follows the upper-case convention of variable names.
std::optional<std::string> resolve_secret_env(const std::string& name, const env_lookup& env,
                                              secret& value);

}  // namespace tixsync::config
