// database_client: each request is a task on a one-thread pool; every path ends in the handler.
#include "providers/example/database_client.hpp"

#include <utility>

namespace tixsync::providers::example {
namespace {

std::exception_ptr as_exception(const sync_error& error) {
  return std::make_exception_ptr(base_sync_error(error));
}

}  // namespace

database_client::database_client(std::shared_ptr<in_memory_database> database,
                                 std::size_t queue_capacity)
    : database_(std::move(database)), io_({1, queue_capacity}) {}

void database_client::async_retrieve(std::string object_type, std::string field, json value,
                                     retrieve_handler handler) {
  auto database = database_;
  io_.submit({[database, object_type, field, value, handler] {
                std::optional<json> found;
                try {
                  found = database->retrieve_object(object_type, field, value);
                } catch (...) {
                  return handler(std::current_exception(), std::nullopt);
                }
                handler(nullptr, std::move(found));
              },
              [handler](const sync_error& error) { handler(as_exception(error), std::nullopt); }});
}

void database_client::async_create_or_update(std::string object_type, json record,
                                             write_handler handler) {
  auto database = database_;
  io_.submit({[database, object_type, record, handler] {
                json written;
                try {
                  written = database->create_or_update_object(object_type, record);
                } catch (...) {
                  return handler(std::current_exception(), nullptr);
                }
                handler(nullptr, std::move(written));
              },
              [handler](const sync_error& error) { handler(as_exception(error), nullptr); }});
}

}  // namespace tixsync::providers::example
