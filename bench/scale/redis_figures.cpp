// INFO readings of the benchmark's redis-server (redis_figures.hpp).
#include "bench/scale/redis_figures.hpp"

#include <sstream>
#include <stdexcept>

namespace tixsync::bench::scale {
namespace {

/// "field:value" lines of an INFO section.
std::map<std::string, std::string> info_fields(const std::string& text) {
  std::map<std::string, std::string> fields;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string::npos) continue;
    fields[line.substr(0, colon)] = line.substr(colon + 1);
  }
  return fields;
}

double number(const std::map<std::string, std::string>& fields, const std::string& name) {
  auto it = fields.find(name);
  return it == fields.end() ? 0 : std::stod(it->second);
}

}  // namespace

double redis_reading::total_calls() const {
  double n = 0;
  for (const auto& [name, count] : calls) n += count;
  return n;
}

redis_reading read_redis(persistence::redis_connection& connection) {
  auto replies =
      connection.pipeline({{"INFO", "memory"}, {"INFO", "persistence"}, {"INFO", "commandstats"}});
  if (!replies || replies->size() != 3) {
    throw std::runtime_error("INFO from the benchmark's redis-server failed");
  }
  redis_reading r;
  const auto memory = info_fields((*replies)[0].str);
  r.used_memory = number(memory, "used_memory");
  r.used_memory_peak = number(memory, "used_memory_peak");
  r.aof_size = number(info_fields((*replies)[1].str), "aof_current_size");
  // cmdstat_hset:calls=3,usec=...
  for (const auto& [key, value] : info_fields((*replies)[2].str)) {
    if (key.rfind("cmdstat_", 0) != 0 || value.rfind("calls=", 0) != 0) continue;
    r.calls[key.substr(8)] = std::stod(value.substr(6, value.find(',') - 6));
  }
  return r;
}

std::map<std::string, double> calls_between(const redis_reading& before,
                                            const redis_reading& after) {
  std::map<std::string, double> out;
  for (const auto& [name, count] : after.calls) {
    auto it = before.calls.find(name);
    const double diff = count - (it == before.calls.end() ? 0 : it->second);
    if (diff != 0) out[name] = diff;
  }
  return out;
}

}  // namespace tixsync::bench::scale
