// Reads one TOML table of the config file into struct fields while collecting problems: wrong
// types, missing required keys, out-of-range values, bad durations, and (at finish) unknown keys
// with a "did you mean" suggestion. Every problem carries the file, line, column and key path.
#pragma once

#include <toml++/toml.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/closest_key.hpp"
#include "config/secret.hpp"
#include "config/secret_env.hpp"
#include "config/tixsync_config.hpp"

namespace tixsync::config {

/// Where problems go: the file name, the list, and the environment for secrets.
struct problem_sink {
  std::string file;
  std::vector<config_problem>& problems;
  env_lookup env;

  source_location where(const toml::source_region& region) const;
  void add(const toml::source_region& region, std::string key_path, std::string message);
};

/// One table; the reader remembers which keys were asked for, so finish() can name the others.
class table_reader {
 public:
  /// `path` is the table's key path ("" for the root, "redis", "providers[0].retry").
  table_reader(const toml::table& table, std::string path, problem_sink& sink);

  /// The node of `key` (marked known), or nullptr when absent (a problem when required).
  const toml::node* get(const std::string& key, bool required = false);
  bool string(const std::string& key, std::string& out, bool required = false);
  bool integer(const std::string& key, int& out, int min, int max, bool required = false);
  bool number(const std::string& key, double& out, double min, double max);
  bool boolean(const std::string& key, bool& out);
  bool duration(const std::string& key, std::chrono::milliseconds& out,
                std::chrono::milliseconds min, std::chrono::milliseconds max);
  /// A string or an array of strings (a single string becomes a one-element list).
  bool string_list(const std::string& key, std::vector<std::string>& out);
  /// A string naming an environment variable; resolves it into `value` (resolve_secret_env: a
  /// problem when it is no plausible name or unset; `name` is then cleared).
  bool secret_env(const std::string& key, std::string& name, secret& value);
  /// One of `allowed`.
  bool choice(const std::string& key, std::string& out, const std::vector<std::string>& allowed);
  /// A sub-table (a problem when the key holds something else).
  const toml::table* table(const std::string& key);

  /// Reports every key that was never asked for, with a suggestion among the known ones.
  void finish();

  /// "path.key" (or "key" at the root).
  std::string path_of(const std::string& key) const;
  const toml::table& raw() const { return table_; }
  problem_sink& sink() { return sink_; }
  void problem(const toml::node& node, const std::string& key, std::string message);

 private:
  void wrong_type(const toml::node& node, const std::string& key, const char* expected);

  const toml::table& table_;
  std::string path_;
  problem_sink& sink_;
  std::set<std::string> known_;
};

}  // namespace tixsync::config
