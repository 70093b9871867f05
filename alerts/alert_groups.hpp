// What the alert webhook says and when: parked jobs grouped by provider and cause (park state and
// error kind), counted, at most one message per group per interval (what comes in between is
// summed up in the next one), and a provider's circuit opening or closing. Plain data and logic,
// no I/O and no clock of its own: the sender passes the time, so tests drive it by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

namespace tixsync::alerts {

/// One message for the webhook: Slack's `text` plus structured fields.
struct alert_message {
  std::string group;    ///< "parked:<provider>:<state>:<cause>" or "circuit:<provider>"
  nlohmann::json body;  ///< {"text", "kind", "provider", ...}
};

/// Collects events and hands out the messages that are due. Not thread-safe (the sender locks).
class alert_groups {
 public:
  /// `node` names the sender in every message; `interval`: the least time between two messages
  /// of one group; `max_groups` bounds memory (events of further groups are dropped, counted).
  alert_groups(std::string node, std::chrono::milliseconds interval, std::size_t max_groups = 1000);

  /// A job of `provider` parked as `state` (exceeded, permanent, ...) for an error of kind
  /// `cause`; `order` is its order code (kept for the first 10 of a message), `event` its event.
  void parked(const std::string& provider, const std::string& state, const std::string& cause,
              const std::string& event, const std::string& order, std::int64_t now_ms);
  /// The circuit of `provider` opened (true) or closed (false).
  void circuit(const std::string& provider, bool opened, std::int64_t now_ms);

  /// The messages whose group has news and whose interval has passed; marks them sent.
  std::vector<alert_message> due(std::int64_t now_ms);
  /// Events dropped because max_groups was reached.
  std::uint64_t dropped() const { return dropped_; }
  /// Events that came while their group's interval since its last message ran: held back and
  /// summed up in the group's next message.
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  struct group {
    std::string kind, provider, state, cause;
    std::uint64_t count = 0;           ///< events since the last message
    std::vector<std::string> orders;   ///< "event/code" of the first 10
    std::vector<std::string> changes;  ///< circuit: "opened"/"closed", oldest first
    std::int64_t first_ms = 0;
    std::int64_t last_sent_ms = 0;  ///< 0: never sent
  };
  group* find_or_add(const std::string& key);
  /// Counts an event of `g` that its interval holds back.
  void count_held_back(const group& g, std::int64_t now_ms);
  alert_message render(const std::string& key, group& g, std::int64_t now_ms) const;

  std::string node_;
  std::int64_t interval_ms_;
  std::size_t max_groups_;
  std::map<std::string, group> groups_;
  std::uint64_t dropped_ = 0;
  std::uint64_t suppressed_ = 0;
};

}  // namespace tixsync::alerts
