// Input checks and per-item status mapping shared by the queue_store source files.
#include "persistence/queue_internal.hpp"

#include "persistence/queue_codec.hpp"

namespace tixsync::persistence::detail {

status check_time(std::int64_t now_ms) {
  if (now_ms <= 0) return {persistence_errc::invalid_argument, "now must be unix milliseconds > 0"};
  return {};
}

status check_text(const char* what, const std::string& text, std::size_t max_length) {
  bool good = !text.empty() && text.size() <= max_length;
  for (char c : text) good = good && static_cast<unsigned char>(c) >= 0x20 && c != 0x7f;
  if (good && is_valid_utf8(text)) return {};
  return {persistence_errc::invalid_argument, std::string(what) + " must be 1-" +
                                                  std::to_string(max_length) +
                                                  " printable UTF-8 characters"};
}

status check_enqueue(const key_space& keys, const enqueue_request& request) {
  if (!keys.valid()) return keys.valid();
  if (auto s = validate(request.ref); !s) return s;
  if (auto s = check_text("trigger", request.trigger, 200); !s) return s;
  if (request.not_before_ms && *request.not_before_ms < 0) {
    return {persistence_errc::invalid_argument, "not_before must not be negative"};
  }
  return {};
}

status code_status(std::int64_t code, const std::string& what) {
  switch (code) {
    case code_ok:
      return {};
    case code_stale:
      return {persistence_errc::stale_lease, what};
    case code_not_found:
      return {persistence_errc::not_found, what};
    case code_in_flight:
      return {persistence_errc::in_flight, what};
  }
  return {persistence_errc::protocol_error, what + ": unknown result code " + std::to_string(code)};
}

}  // namespace tixsync::persistence::detail
