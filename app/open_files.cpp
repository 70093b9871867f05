// The open-file limit of open_files.hpp: one setrlimit at start, and the arithmetic of the
// listener's connection cap with the message an operator needs when the limit is too low.
#include "app/open_files.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <limits>
#include <string>

#include "actors/node.hpp"
#include "app/commands.hpp"
#include "providers/rest/connection_settings.hpp"

namespace tixsync::app {
namespace {

std::uint64_t as_limit(rlim_t value) {
  return value == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max()
                                : static_cast<std::uint64_t>(value);
}

/// The keep-alive connections an HTTP provider may open (its validated settings' value).
std::size_t provider_connections(const config::provider_section& provider) {
  const auto value = provider.settings.find("max_connections");
  if (value != provider.settings.end() && value->is_number_integer() && *value > 0) {
    return value->get<std::size_t>();
  }
  return providers::rest::connection_settings{}.max_connections;
}

}  // namespace

std::uint64_t raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur != limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return as_limit(limit.rlim_cur);
}

std::size_t connections_within(std::uint64_t limit, std::size_t reserve) {
  if (limit <= reserve) return 0;
  return static_cast<std::size_t>(
      std::min<std::uint64_t>(limit - reserve, default_max_http_connections));
}

std::size_t descriptor_reserve(const config::tixsync_config& config) {
  std::size_t reserve =
      process_descriptor_reserve + static_cast<std::size_t>(config.http.redis_threads) +
      actors::store_threads_for(static_cast<std::size_t>(config.node.store_threads));
  for (const auto& provider : config.providers) {
    if (provider.enabled && provider.type != "example") reserve += provider_connections(provider);
  }
  return reserve;
}

std::size_t http_connection_cap(const config::tixsync_config& config, std::uint64_t limit) {
  if (!config.http.enabled) return 0;
  const std::size_t reserve = descriptor_reserve(config);
  const std::uint64_t room = limit > reserve ? limit - reserve : 0;
  const std::string numbers = "the open-file limit " + std::to_string(limit) +
                              " minus a reserve of " + std::to_string(reserve) +
                              " (Redis, providers, the process) leaves " + std::to_string(room);
  const std::string remedy = "raise the limit (ulimit -n, systemd LimitNOFILE)";
  const auto configured = static_cast<std::size_t>(config.http.max_connections);
  if (configured > 0 && configured > room) {
    throw command_error(exit_bad_input, "[http] max_connections = " + std::to_string(configured) +
                                            " is more than the open files allow: " + numbers +
                                            "; lower it or " + remedy);
  }
  if (configured > 0) return configured;
  if (room == 0) {
    throw command_error(exit_bad_input,
                        "no file descriptors are left for HTTP connections: " + numbers + "; " +
                            remedy + " or set [http] enabled = false");
  }
  return connections_within(limit, reserve);
}

}  // namespace tixsync::app
