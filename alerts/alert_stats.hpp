// The alert sender's delivery counters (tixsync_alerts_* in /metrics): a plain struct, so the
// node API can report them without the sender's thread and HTTP client.
#pragma once

#include <cstdint>

namespace tixsync::alerts {

/// Delivery counters of one node's alert sender, since it started.
struct sender_stats {
  std::uint64_t sent = 0;        ///< messages answered 2xx
  std::uint64_t failed = 0;      ///< messages not delivered (transport error or another status)
  std::uint64_t suppressed = 0;  ///< events held back by min_interval, summed up in a later message
  std::uint64_t dropped = 0;     ///< events beyond the group cap
};

}  // namespace tixsync::alerts
