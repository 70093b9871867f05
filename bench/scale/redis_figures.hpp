// What scale_bench reads from redis-server between phases: memory (now and peak), the AOF's
// size, and the calls per command from INFO commandstats, with the differences between two
// readings. The driver's own commands are counted by the driver and subtracted by the caller.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "persistence/redis_connection.hpp"

namespace tixsync::bench::scale {

/// One reading of INFO memory, persistence and commandstats.
struct redis_reading {
  double used_memory = 0;               ///< bytes
  double used_memory_peak = 0;          ///< bytes, since the server started
  double aof_size = 0;                  ///< aof_current_size, bytes
  std::map<std::string, double> calls;  ///< command name -> calls (scripts' own calls included)

  double total_calls() const;
};

/// Reads INFO memory, INFO persistence and INFO commandstats in one pipeline (3 INFO calls);
/// throws std::runtime_error when Redis does not answer.
redis_reading read_redis(persistence::redis_connection& connection);

/// Calls per command between two readings (after - before), zeros left out.
std::map<std::string, double> calls_between(const redis_reading& before,
                                            const redis_reading& after);

}  // namespace tixsync::bench::scale
