// Reads one table of a provider's type-specific settings (the [providers.rest] or
// [providers.webhook] table, kept by the config as JSON) field by field, collecting every problem
// with its key path instead of stopping at the first; at finish() unknown keys are reported.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tixsync::providers::rest {

using json = nlohmann::json;

/// One problem in the settings: the full key path ("providers[0].rest.objects.Contact.get.url")
/// and what is wrong. Never contains a secret's value.
struct settings_problem {
  std::string key_path;
  std::string message;
};

using settings_problems = std::vector<settings_problem>;

/// A JSON object read key by key; remembers the keys asked for so finish() names the others.
class settings_table {
 public:
  /// `table` may be null (an absent table: every required key is reported missing).
  settings_table(const json* table, std::string path, settings_problems& problems);

  /// The value of `key` (marked known), or nullptr when absent (a problem when required).
  const json* get(const std::string& key, bool required = false);
  /// A string; false (and a problem when present but not a string) otherwise.
  bool string(const std::string& key, std::string& out, bool required = false);
  bool integer(const std::string& key, std::int64_t& out, std::int64_t min, std::int64_t max,
               bool required = false);
  /// A duration string ("500ms", "2s", "1m30s") between min and max.
  bool duration(const std::string& key, std::chrono::milliseconds& out,
                std::chrono::milliseconds min, std::chrono::milliseconds max);
  /// A string that is one of `allowed`.
  bool choice(const std::string& key, std::string& out, const std::vector<std::string>& allowed,
              bool required = false);
  /// A sub-table (an object); nullptr when absent or not a table (then a problem).
  const json* table(const std::string& key, bool required = false);

  /// Reports `message` at `key` below this table.
  void problem(const std::string& key, std::string message);
  /// Reports `message` at this table itself.
  void problem_here(std::string message);
  /// Marks `key` as known without reading it (read by someone else).
  void known(const std::string& key) { known_.insert(key); }
  /// Reports every key never asked for, with a suggestion among the known ones. For keys that
  /// look like a secret ("token", "password", "secret") it points to the *_env key instead.
  void finish();

  /// "path.key".
  std::string path_of(const std::string& key) const;
  const std::string& path() const { return path_; }
  settings_problems& problems() { return problems_; }
  bool present() const { return table_ != nullptr; }

 private:
  void wrong_type(const std::string& key, const char* expected);

  const json* table_;
  std::string path_;
  settings_problems& problems_;
  std::set<std::string> known_;
};

/// A key as it appears in a key path: bare when TOML allows it bare ("Contact"), else quoted
/// ("\"my type\"").
std::string key_segment(const std::string& key);

}  // namespace tixsync::providers::rest
