// Internal to providers/http: ASCII case folding for URLs and header names. HTTP's case rules are
// ASCII only, and these run for every request, so they skip the C library's locale lookups.
#pragma once

#include <string_view>

namespace tixsync::providers::http::detail {

inline char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Whether `a` and `b` are the same text but for the case of ASCII letters.
inline bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

}  // namespace tixsync::providers::http::detail
