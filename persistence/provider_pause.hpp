// A person's pause of a provider, shared by the fleet: a hash in the provider's keys that the
// claim script checks, so every node stops handing out the provider's items at once and resumes
// when it is gone. Paused items keep waiting where they are and use no attempts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "persistence/errors.hpp"
#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// Whether a provider is paused, and by whom and why.
struct pause_state {
  bool paused = false;
  std::string reason;         ///< what the person gave ("" when none)
  std::string who;            ///< "cli", "api", ...
  std::int64_t since_ms = 0;  ///< unix ms of the pause
};

/// The longest pause reason, in bytes.
inline constexpr std::size_t max_pause_reason = 200;

/// Pauses and resumes providers over one connection (not thread-safe).
class provider_pause_store {
 public:
  provider_pause_store(redis_connection& connection, key_space keys);

  /// Pauses `provider` (again: the reason, who and time are replaced). A reason longer than
  /// max_pause_reason or with control characters is invalid_argument and changes nothing.
  status pause(const std::string& provider, const std::string& reason, const std::string& who,
               std::int64_t now_ms);
  /// Ends the pause; true when the provider was paused.
  status_or<bool> resume(const std::string& provider);
  /// The pause of one provider.
  status_or<pause_state> get(const std::string& provider);
  /// The pauses of many providers in one round trip, in the order given.
  status_or<std::vector<pause_state>> get_many(const std::vector<std::string>& providers);
  /// True when Redis holds any queue key of `provider` (it has or had jobs, or is paused).
  status_or<bool> has_queue(const std::string& provider);

 private:
  redis_connection& connection_;
  key_space keys_;
};

}  // namespace tixsync::persistence
