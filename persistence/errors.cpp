// The error category of the persistence module: names and messages of persistence_errc.
#include "persistence/errors.hpp"

namespace tixsync::persistence {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tixsync.persistence"; }

  std::string message(int value) const override {
    switch (static_cast<persistence_errc>(value)) {
      case persistence_errc::invalid_identifier:
        return "invalid identifier";
      case persistence_errc::invalid_argument:
        return "invalid argument";
      case persistence_errc::unreachable:
        return "Redis unreachable";
      case persistence_errc::timeout:
        return "Redis command timed out";
      case persistence_errc::connection_lost:
        return "connection to Redis lost";
      case persistence_errc::auth_failed:
        return "Redis refused authentication";
      case persistence_errc::server_error:
        return "Redis error reply";
      case persistence_errc::protocol_error:
        return "unexpected Redis reply";
      case persistence_errc::stale_lease:
        return "stale lease (fencing token mismatch)";
      case persistence_errc::not_found:
        return "queue item not found";
      case persistence_errc::in_flight:
        return "queue item is in flight";
      case persistence_errc::not_redis:
        return "not a Redis server";
    }
    return "unknown persistence error";
  }
};

}  // namespace

const std::error_category& persistence_category() noexcept {
  static const category instance;
  return instance;
}

std::string status::to_string() const {
  if (ok()) return "ok";
  if (message_.empty()) return code_.message();
  return code_.message() + ": " + message_;
}

}  // namespace tixsync::persistence
