// sync_error: names, the error category, JSON form, the provider exceptions and the one
// conversion from "whatever a provider threw" to a sync_error.
#include "providers/sync_error.hpp"

#include <array>
#include <utility>

#include "mapping/assign_properties.hpp"

namespace tixsync::providers {
namespace {

constexpr std::array<std::pair<sync_error_kind, const char*>, 6> kind_names{{
    {sync_error_kind::recoverable, "recoverable"},
    {sync_error_kind::rate_limited, "rate_limited"},
    {sync_error_kind::unrecoverable, "unrecoverable"},
    {sync_error_kind::config, "config"},
    {sync_error_kind::internal, "internal"},
    {sync_error_kind::timeout, "timeout"},
}};

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tixsync.sync"; }
  std::string message(int value) const override {
    return to_string(static_cast<sync_error_kind>(value));
  }
};

std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += separator;
    out += part;
  }
  return out;
}

sync_error with_kind(sync_error_kind kind, std::vector<std::string> messages,
                     std::string full_message, std::optional<sync_clock::time_point> retry_at,
                     std::string signature) {
  sync_error error;
  error.kind = kind;
  error.messages = std::move(messages);
  error.full_message = std::move(full_message);
  error.retry_at = retry_at;
  error.signature = std::move(signature);
  return error;
}

// As pretix's set_sync_error("internal", [], str(e)): no messages, the text as full message.
sync_error internal_error(std::string text) {
  return with_kind(sync_error_kind::internal, {}, std::move(text), std::nullopt, "internal");
}

}  // namespace

std::int64_t to_unix_ms(sync_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

sync_clock::time_point from_unix_ms(std::int64_t unix_ms) {
  return sync_clock::time_point(
      std::chrono::duration_cast<sync_clock::duration>(std::chrono::milliseconds(unix_ms)));
}

const char* to_string(sync_error_kind kind) {
  for (const auto& [k, name] : kind_names) {
    if (k == kind) return name;
  }
  return "unknown";
}

std::optional<sync_error_kind> sync_error_kind_from_string(const std::string& name) {
  for (const auto& [kind, text] : kind_names) {
    if (name == text) return kind;
  }
  return std::nullopt;
}

const std::error_category& sync_error_category() {
  static const category instance;
  return instance;
}

std::error_code make_error_code(sync_error_kind kind) {
  return {static_cast<int>(kind), sync_error_category()};
}

std::string sync_error::group() const {
  return signature.empty() ? to_string(kind) : signature;
}

std::string sync_error::summary() const {
  if (!messages.empty()) return join(messages, "; ");
  if (!full_message.empty()) return full_message;
  return to_string(kind);
}

std::string sync_error::log_summary() const {
  return log_text.empty() ? "details in the job's stored error" : log_text;
}

sync_error make_sync_error(sync_error_kind kind, std::string message, std::string full_message,
                           std::string signature) {
  sync_error error =
      with_kind(kind, {message}, std::move(full_message), std::nullopt, std::move(signature));
  error.log_text = std::move(message);
  return error;
}

json to_json(const sync_error& error) {
  return {{"kind", to_string(error.kind)},
          {"messages", error.messages},
          {"full_message", error.full_message},
          {"retry_at", error.retry_at ? json(to_unix_ms(*error.retry_at)) : json(nullptr)},
          {"signature", error.signature}};
}

sync_error sync_error_from_json(const json& document) {
  try {
    sync_error error;
    auto kind = sync_error_kind_from_string(document.at("kind").get<std::string>());
    if (!kind) throw std::invalid_argument("unknown kind " + document.at("kind").dump());
    error.kind = *kind;
    error.messages = document.at("messages").get<std::vector<std::string>>();
    error.full_message = document.at("full_message").get<std::string>();
    const json& retry_at = document.at("retry_at");
    if (!retry_at.is_null()) error.retry_at = from_unix_ms(retry_at.get<std::int64_t>());
    error.signature = document.at("signature").get<std::string>();
    return error;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("malformed sync error: ") + e.what());
  }
}

base_sync_error::base_sync_error(sync_error error)
    : std::runtime_error(error.summary()), error_(std::move(error)) {}

recoverable_sync_error::recoverable_sync_error(std::vector<std::string> messages,
                                               std::string full_message,
                                               std::optional<sync_clock::time_point> retry_at,
                                               std::string signature)
    : base_sync_error(with_kind(sync_error_kind::recoverable, std::move(messages),
                                std::move(full_message), retry_at, std::move(signature))) {}

rate_limited_sync_error::rate_limited_sync_error(std::optional<sync_clock::time_point> retry_at,
                                                 std::vector<std::string> messages,
                                                 std::string full_message, std::string signature)
    : recoverable_sync_error(with_kind(sync_error_kind::rate_limited, std::move(messages),
                                       std::move(full_message), retry_at, std::move(signature))) {}

unrecoverable_sync_error::unrecoverable_sync_error(std::vector<std::string> messages,
                                                   std::string full_message, std::string signature)
    : base_sync_error(with_kind(sync_error_kind::unrecoverable, std::move(messages),
                                std::move(full_message), std::nullopt, std::move(signature))) {}

sync_error to_sync_error(std::exception_ptr error) {
  if (!error) return internal_error("no exception");
  try {
    std::rethrow_exception(error);
  } catch (const base_sync_error& e) {
    return e.error();
  } catch (const mapping::sync_config_error& e) {
    return make_sync_error(sync_error_kind::config, e.what(), {}, "config");
  } catch (const mapping::invalid_update_mode& e) {
    return make_sync_error(sync_error_kind::config, e.what(), {}, "config");
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("unknown exception");
  }
}

}  // namespace tixsync::providers
