// Where log lines go, for every part of tixsync that logs (the runtime, the HTTP providers, the
// guards that protect external systems): a level and a one-line message, sent to a sink the
// program sets up (logfmt or JSON on stderr). Lines never contain secrets.
#pragma once

#include <atomic>
#include <functional>
#include <string>

namespace tixsync::providers {

/// How important a log line is.
enum class log_level { debug, info, warning, error };

/// "debug", "info", "warning", "error".
inline const char* to_string(log_level level) {
  switch (level) {
    case log_level::debug: return "debug";
    case log_level::info: return "info";
    case log_level::warning: return "warning";
    case log_level::error: return "error";
  }
  return "info";
}

/// Called from any thread; must be thread-safe. An empty sink drops the line.
using log_sink = std::function<void(log_level, const std::string&)>;

/// The lowest level the program's sink keeps. Only a hint for hot paths that would build a line
/// per request (debug lines): the sink still filters. Set once by the program; debug by default.
inline std::atomic<log_level>& log_threshold() {
  static std::atomic<log_level> threshold{log_level::debug};
  return threshold;
}

/// Whether a line at `level` would be kept by a non-empty `sink`.
inline bool log_wanted(const log_sink& sink, log_level level) {
  return sink && level >= log_threshold().load(std::memory_order_relaxed);
}

}  // namespace tixsync::providers
