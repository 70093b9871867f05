// The example providers: pretix's documented pattern (look the object up by its id value,
// assign_properties against what exists, create or update, return links and extra data) once
// in blocking style and once asynchronously.
#include "providers/example/example_providers.hpp"

#include <stdexcept>
#include <utility>

#include "mapping/assign_properties.hpp"

namespace tixsync::providers::example {
namespace {

/// pretix's tests call assign_properties with ";" as the list separator.
const std::optional<std::string> list_separator = std::string(";");

mapping::property_mapping overwrite(std::string pretix_field, std::string external_field,
                                    json value_map = nullptr) {
  return {std::move(pretix_field), std::move(external_field), std::move(value_map),
          mapping::mode_overwrite};
}

/// order_status -> text. (pretix's own example lists "c" twice, for canceled and refunded, so
/// "refunded" wins there; here a cancelled order reads "canceled".)
json status_map() {
  return {{"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}};
}

/// The record to write: the properties assign_properties lets through, the id value and the
/// existing record's "_id" (null for a new one), as in pretix's example.
json record_to_write(const object_request& request, const std::optional<json>& existing) {
  json record = mapping::assign_properties(request.properties(), existing.value_or(json::object()),
                                           !existing.has_value(), list_separator);
  record[request.external_id_field()] = request.id_value();
  record["_id"] = existing ? (*existing)["_id"] : json(nullptr);
  return record;
}

/// Whether writing `record` would change nothing in `existing`.
bool changes_nothing(const json& record, const std::optional<json>& existing) {
  if (!existing) return false;
  for (const auto& [key, value] : record.items()) {
    auto it = existing->find(key);
    if (it == existing->end() || *it != value) return false;
  }
  return true;
}

/// The outcome pretix's example returns: a link, the object's identity and the written record
/// ("my_result"), which later mappings use to associate with it.
object_outcome make_outcome(const object_request& request, const std::string& action,
                            const json& written) {
  const std::string& type = request.object.external_object_type;
  const std::string id = mapping::python_str(written.at("_id"));
  object_outcome outcome;
  outcome.external_link_href =
      "https://external-system.example.com/backend/link/to/" + type + "/" + id + "/";
  outcome.external_link_display_name = type + " #" + id;
  outcome.sync_info = {{"action", action},
                       {"object_type", type},
                       {"identifier_field", request.external_id_field()},
                       {"identifier_value", request.id_value()},
                       {"my_result", written}};
  return outcome;
}

}  // namespace

json association_links(const mapping::mapping_definition& mapping, const mapped_objects& mapped) {
  json links = json::array();
  for (const auto& association : mapping.associations) {
    auto results = mapped.find(association.via_mapping_id);
    if (results == mapped.end()) {
      throw sync_config_error(
          "Mapping " + std::to_string(mapping.id) + " associates with mapping " +
          std::to_string(association.via_mapping_id) + ", which has not run before it");
    }
    // pretix's example would fail on a skipped object (null); linking only what exists is the
    // useful reading.
    for (const auto& result : results->second) {
      if (!result) continue;
      const json id = result->sync_info.at("my_result").at("_id");
      links.push_back("link:" + result->external_object_type + ":" + mapping::python_str(id));
    }
  }
  return links;
}

// --- simple_order_sync: blocking ----------------------------------------------------------------

simple_order_sync::simple_order_sync(std::shared_ptr<in_memory_database> database,
                                     std::vector<mapping::mapping_definition> mappings,
                                     blocking_pool::options pool_options)
    : blocking_provider(pool_options),
      database_(std::move(database)),
      mappings_(std::move(mappings)) {}

std::vector<mapping::mapping_definition> simple_order_sync::default_mappings() {
  mapping::mapping_definition orders;
  orders.id = 1;
  orders.pretix_model = "Order";
  orders.external_object_type = "ticketorders";
  orders.pretix_id_field = "event_order_code";
  orders.external_id_field = "ordernumber";
  orders.property_mappings = {
      overwrite("email", "orderemail"), overwrite("order_status", "status", status_map()),
      overwrite("order_total", "total"), overwrite("payment_date", "payment_date")};
  return {orders};
}

std::optional<object_outcome> simple_order_sync::sync_object_blocking(
    const object_request& request) {
  const std::string& type = request.object.external_object_type;
  // Look the object up first, so that syncing twice updates instead of duplicating.
  const std::optional<json> existing =
      database_->retrieve_object(type, request.external_id_field(), request.id_value());
  json record = record_to_write(request, existing);
  if (changes_nothing(record, existing)) return make_outcome(request, "nothing_to_do", *existing);
  json written = database_->create_or_update_object(type, std::move(record));
  return make_outcome(request, existing ? "update" : "create", written);
}

// --- order_and_ticket_sync: asynchronous ----------------------------------------------------

order_and_ticket_sync::order_and_ticket_sync(std::shared_ptr<in_memory_database> database,
                                             std::vector<mapping::mapping_definition> mappings)
    : mappings_(std::move(mappings)), client_(std::move(database)) {}

std::vector<mapping::mapping_definition> order_and_ticket_sync::default_mappings() {
  mapping::mapping_definition tickets;
  tickets.id = 1;
  tickets.pretix_model = "OrderPosition";
  tickets.external_object_type = "tickets";
  tickets.pretix_id_field = "ticket_id";
  tickets.external_id_field = "ticketnumber";
  tickets.property_mappings = {
      overwrite("ticket_price", "amount"),
      overwrite("attendee_name_given_name", "firstname"),
      overwrite("attendee_name_family_name", "lastname"),
      overwrite("order_status", "status", status_map()),
      overwrite("question_FAV_COLOR", "fav_color"),
      overwrite("question_FOOD_PREF", "food", {{"F1", "VEGETARIAN"}, {"F2", "VEGAN"}})};

  mapping::mapping_definition orders;
  orders.id = 2;
  orders.pretix_model = "Order";
  orders.external_object_type = "ticketorders";
  orders.pretix_id_field = "event_order_code";
  orders.external_id_field = "ordernumber";
  orders.property_mappings = {overwrite("email", "orderemail"),
                              overwrite("invoice_address_name_given_name", "firstname"),
                              overwrite("invoice_address_name_family_name", "lastname"),
                              overwrite("order_status", "status", status_map())};
  orders.associations = {{tickets.id}};
  return {tickets, orders};
}

void order_and_ticket_sync::sync_object(object_request request, object_completion done) {
  auto shared = std::make_shared<const object_request>(std::move(request));
  // Start the lookup and return; the rest happens in the handlers, on the client's thread.
  client_.async_retrieve(shared->object.external_object_type, shared->external_id_field(),
                         shared->id_value(),
                         [this, shared, done](std::exception_ptr error, std::optional<json> found) {
                           if (error) {
                             done(object_result::failed(to_sync_error(error)));
                             return;
                           }
                           on_retrieved(shared, std::move(found), done);
                         });
}

void order_and_ticket_sync::on_retrieved(const shared_request& request,
                                         std::optional<json> existing,
                                         const object_completion& done) {
  json record;
  try {
    if (!request->mapping) throw std::invalid_argument("object request without its mapping");
    record = record_to_write(*request, existing);
    record["links"] = association_links(*request->mapping, request->mapped_objects);
  } catch (...) {
    done(object_result::failed(to_sync_error(std::current_exception())));
    return;
  }
  if (changes_nothing(record, existing)) {
    done(object_result::synced(make_outcome(*request, "nothing_to_do", *existing)));
    return;
  }
  const std::string action = existing ? "update" : "create";
  client_.async_create_or_update(
      request->object.external_object_type, std::move(record),
      [request, action, done](std::exception_ptr error, json written) {
        if (error) {
          done(object_result::failed(to_sync_error(error)));
          return;
        }
        done(object_result::synced(make_outcome(*request, action, written)));
      });
}

}  // namespace tixsync::providers::example
