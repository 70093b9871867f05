// An asynchronous client of the in-memory database, standing in for an HTTP client: each call
// returns at once and its handler runs later on the client's own I/O thread, the shape an async
// provider has once it talks HTTP (handlers get an exception_ptr, as Beast's get an error_code).
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "providers/blocking_pool.hpp"
#include "providers/example/in_memory_database.hpp"

namespace tixsync::providers::example {

class database_client {
 public:
  using retrieve_handler = std::function<void(std::exception_ptr, std::optional<json>)>;
  using write_handler = std::function<void(std::exception_ptr, json)>;

  /// Starts the I/O thread; `queue_capacity` requests may wait for it.
  explicit database_client(std::shared_ptr<in_memory_database> database,
                           std::size_t queue_capacity = 1024);

  /// Looks a record up; the handler gets the record or nullopt, or the error.
  void async_retrieve(std::string object_type, std::string field, json value,
                      retrieve_handler handler);
  /// Creates or updates a record; the handler gets the record as written, or the error.
  void async_create_or_update(std::string object_type, json record, write_handler handler);

  /// Stops the I/O thread; requests still waiting get a recoverable "shutdown" error.
  void stop() { io_.shutdown(); }

 private:
  std::shared_ptr<in_memory_database> database_;
  blocking_pool io_;  // one thread: the client's "I/O thread"
};

}  // namespace tixsync::providers::example
