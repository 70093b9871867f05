// A secret value (password, API token) resolved from the environment. It can be used by the code
// that needs it but never shows up in output: printing, formatting or dumping shows "***".
#pragma once

#include <ostream>
#include <string>
#include <utility>

namespace tixsync::config {

/// Holds a secret; `reveal()` is the only way to read it, so leaks are greppable.
class secret {
 public:
  secret() = default;
  explicit secret(std::string value) : value_(std::move(value)) {}

  /// The secret itself, for the one place that sends it (AUTH, an Authorization header).
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  /// What any printout shows: "***" when set, "" when empty.
  std::string masked() const { return value_.empty() ? "" : "***"; }

  friend std::ostream& operator<<(std::ostream& out, const secret& s) { return out << s.masked(); }
  friend bool operator==(const secret& a, const secret& b) { return a.value_ == b.value_; }

 private:
  std::string value_;
};

}  // namespace tixsync::config
