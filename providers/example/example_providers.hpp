// The two example providers of pretix's datasync documentation and tests, syncing into an
// in_memory_database: simple_order_sync (orders only, blocking style) and
// order_and_ticket_sync (tickets, then orders linking to their tickets, asynchronous style).
// They are the template of docs/writing-a-provider.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/blocking_provider.hpp"
#include "providers/example/database_client.hpp"
#include "providers/example/in_memory_database.hpp"
#include "providers/provider.hpp"

namespace tixsync::providers::example {

/// pretix's SimpleOrderSync: each order becomes a "ticketorders" record identified by
/// "ordernumber" (event_order_code), created or updated by id value, with assign_properties
/// deciding what to write. Blocking style: runs on the provider's own pool.
class simple_order_sync final : public blocking_provider {
 public:
  explicit simple_order_sync(std::shared_ptr<in_memory_database> database,
                             std::vector<mapping::mapping_definition> mappings = default_mappings(),
                             blocking_pool::options pool_options = {2, 64});
  /// Closes the pool before the members its tasks use are destroyed.
  ~simple_order_sync() override { close(); }

  /// pretix's example mapping: id 1, Order -> ticketorders, email, order_status (mapped),
  /// order_total and payment_date, all overwritten.
  static std::vector<mapping::mapping_definition> default_mappings();

  std::string identifier() const override { return "example1"; }
  std::string display_name() const override { return "Example: simple order sync"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }

 protected:
  std::optional<object_outcome> sync_object_blocking(const object_request& request) override;

 private:
  std::shared_ptr<in_memory_database> database_;
  std::vector<mapping::mapping_definition> mappings_;
};

/// pretix's OrderAndTicketAssociationSync: each position becomes a "tickets" record, then each
/// order a "ticketorders" record whose "links" name the order's tickets ("link:tickets:<_id>"),
/// found through the mapped objects of the mappings it associates with. Asynchronous style: the
/// call returns at once and completes from the database client's I/O thread.
class order_and_ticket_sync final : public provider {
 public:
  explicit order_and_ticket_sync(
      std::shared_ptr<in_memory_database> database,
      std::vector<mapping::mapping_definition> mappings = default_mappings());
  /// Stops the client's I/O thread before the members its handlers use are destroyed.
  ~order_and_ticket_sync() override { close(); }

  /// pretix's example mappings: id 1, OrderPosition -> tickets (ticketnumber = ticket_id);
  /// id 2, Order -> ticketorders (ordernumber = event_order_code), associated via mapping 1.
  static std::vector<mapping::mapping_definition> default_mappings();

  std::string identifier() const override { return "example2"; }
  std::string display_name() const override { return "Example: orders and tickets"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }

  void sync_object(object_request request, object_completion done) override;
  void close() override { client_.stop(); }

 private:
  using shared_request = std::shared_ptr<const object_request>;
  void on_retrieved(const shared_request& request, std::optional<json> existing,
                    const object_completion& done);

  std::vector<mapping::mapping_definition> mappings_;
  database_client client_;
};

/// The "links" of pretix's association example: "link:<object type>:<my_result._id>" for every
/// synced object of every mapping `mapping` associates with, in mapping and position order.
/// Throws sync_config_error when an associated mapping has not run before this one.
json association_links(const mapping::mapping_definition& mapping, const mapped_objects& mapped);

}  // namespace tixsync::providers::example
