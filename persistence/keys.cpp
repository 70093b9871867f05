// Key names and identifier validation. Keep this file the only one that spells a key layout;
// docs/redis-cookbook.md documents the same names for people.
#include "persistence/keys.hpp"

#include <initializer_list>
#include <string_view>
#include <tuple>

namespace tixsync::persistence {
namespace {

constexpr std::size_t max_identifier_length = 100;

/// The parts one after the other, in one allocation: key names are built for every Redis call,
/// and a chain of `+` copies and grows each name twice or more.
std::string joined(std::initializer_list<std::string_view> parts) {
  std::size_t size = 0;
  for (auto part : parts) size += part.size();
  std::string out;
  out.reserve(size);
  for (auto part : parts) out.append(part);
  return out;
}

bool identifier_char(char c, bool allow_slash) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || (allow_slash && c == '/');
}

}  // namespace

bool operator<(const item_ref& a, const item_ref& b) {
  return std::tie(a.provider, a.event, a.order) < std::tie(b.provider, b.event, b.order);
}

status validate_identifier(std::string_view what, std::string_view value, bool allow_slash) {
  bool good = !value.empty() && value.size() <= max_identifier_length;
  for (char c : value) good = good && identifier_char(c, allow_slash);
  if (good) return {};
  std::string allowed =
      allow_slash ? "letters, digits, '.', '_', '-' and '/'" : "letters, digits, '.', '_' and '-'";
  return {persistence_errc::invalid_identifier,
          std::string(what) + " \"" + std::string(value.substr(0, 120)) +
              "\" is not valid: use 1-" + std::to_string(max_identifier_length) + " " + allowed};
}

status validate(const item_ref& ref) {
  if (auto s = validate_identifier("provider", ref.provider); !s) return s;
  if (auto s = validate_identifier("event", ref.event, true); !s) return s;
  return validate_identifier("order", ref.order);
}

bool parse_item_id(std::string_view provider, std::string_view id, item_ref& out) {
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return false;
  out = item_ref{std::string(provider), std::string(id.substr(0, colon)),
                 std::string(id.substr(colon + 1))};
  return validate(out).ok();
}

std::vector<std::string> queue_keys::all() const& {
  return {items, running, ready, schedule, leases, parked, causes, by_event, fair, fence};
}

std::vector<std::string> queue_keys::all() && {
  std::vector<std::string> keys;
  keys.reserve(10);
  for (std::string* key :
       {&items, &running, &ready, &schedule, &leases, &parked, &causes, &by_event, &fair, &fence}) {
    keys.push_back(std::move(*key));
  }
  return keys;
}

key_space::key_space(std::string prefix) : prefix_(std::move(prefix)) {
  bool good = !prefix_.empty() && prefix_.size() <= 64;
  for (char c : prefix_) good = good && (identifier_char(c, false) || c == ':');
  if (!good) {
    valid_ = status(persistence_errc::invalid_identifier,
                    "key prefix \"" + prefix_ + "\" is not valid: use 1-64 of [A-Za-z0-9._:-]");
  }
}

std::string key_space::provider_base(const std::string& provider) const {
  return joined({prefix_, ":{", provider, "}:"});
}

queue_keys key_space::queue(const std::string& provider) const {
  const std::string base = provider_base(provider);
  return {joined({base, "items"}),    joined({base, "running"}),  joined({base, "ready"}),
          joined({base, "schedule"}), joined({base, "leases"}),   joined({base, "parked"}),
          joined({base, "causes"}),   joined({base, "by_event"}), joined({base, "fair"}),
          joined({base, "fence"})};
}

std::string key_space::audit_log(const item_ref& ref) const {
  return joined({prefix_, ":{", ref.provider, "}:log:", ref.event, ":", ref.order});
}

std::string key_space::results(const item_ref& ref) const {
  return joined({prefix_, ":{", ref.provider, "}:results:", ref.event, ":", ref.order});
}

std::string key_space::order_snapshot(const std::string& event, const std::string& order) const {
  return joined({prefix_, ":snapshot:{", event, "}:order:", order});
}

std::string key_space::event_snapshot(const std::string& event) const {
  return prefix_ + ":snapshot:{" + event + "}:event";
}

std::string key_space::rate_limit(const std::string& provider) const {
  return provider_base(provider) + "rate_limit";
}

std::string key_space::provider_pause(const std::string& provider) const {
  return provider_base(provider) + "paused";
}

std::string key_space::catch_up(const std::string& event) const {
  return prefix_ + ":catch_up:{" + event + "}";
}

std::string key_space::catch_up_lease(const std::string& event) const {
  return catch_up(event) + ":lease";
}

std::string key_space::node_heartbeat(const std::string& node) const {
  return prefix_ + ":node:" + node;
}

std::string key_space::nodes() const { return prefix_ + ":nodes"; }

std::string key_space::webhook_notification(const std::string& event, const std::string& order,
                                            const std::string& notification) const {
  return prefix_ + ":webhook:{" + event + "}:" + order + ":" + notification;
}

}  // namespace tixsync::persistence
