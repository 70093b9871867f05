// The data of pretix's two documented example syncs as pretix REST JSON: event "dummy" with the
// questions FAV_COLOR and FOOD_PREF, order 1AAA (two tickets) and 2EEE (one ticket), pending or
// paid; and the records pretix's tests expect in the external system. Built from the shared
// fixtures (tests/data) by changing codes and names.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace tixsync::actors::testing {

using json = nlohmann::json;

/// The event bundle of event "dummy" (slug "dummy": order codes read "DUMMY-<code>").
std::string example_event_json();
/// Order 1AAA: Alice Anonymous and Charlie de l'Exemple, 46.00; paid adds a payment.
std::string order_1aaa_json(bool paid);
/// Order 2EEE: Eve Ephemeral without answers, 23.00, pending.
std::string order_2eee_json();
/// The payment date of paid 1AAA as the payment_date field reports it.
inline const char* paid_date() {
  return "2025-05-03T10:03:27.604311+00:00";
}

/// pretix's expected_order_sync_result() (simple_order_sync, both orders pending).
json expected_simple_records();
/// pretix's expected_sync_result_with_associations() (order_and_ticket_sync, both pending).
json expected_association_records();

}  // namespace tixsync::actors::testing
