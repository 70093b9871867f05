// The pieces of the two-paths end-to-end test (two_paths_test.cpp): a stand-in pretix shop that
// serves one data set as pretix does, with a 429 and slow answers on the way; mappings built
// from an event's whole source-field catalogue; the node config; and the CRM contents normalised
// for comparison.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "api/http_server.hpp"
#include "tests/api/pretix_stand_in.hpp"

namespace tixsync::testing {

/// pretix for one event bundle and its orders (pretix_stand_in.hpp: `Authorization: Token`,
/// /settings/, lists paged by 50, sub-events and vouchers by id, cancelled positions only with
/// include_canceled_positions=true, 404 for what it does not know). On the way, as pretix under
/// load: its second request is answered 429 with "Retry-After: 1", and every fifth is held back
/// `slow_answer` before it is answered.
class pretix_shop {
 public:
  static constexpr std::chrono::milliseconds slow_answer{300};

  pretix_shop(const std::string& event_path, const std::string& orders_path, std::string token);
  ~pretix_shop();

  std::string url() const;
  const std::string& organizer() const { return organizer_; }
  const std::string& slug() const { return slug_; }
  /// The order codes, in the order of the orders file.
  const std::vector<std::string>& codes() const { return codes_; }
  int throttled() const { return throttled_; }
  int slowed() const { return slowed_; }

 private:
  api::http_response answer(const api::http_request& r);

  std::string token_, organizer_, slug_;
  std::vector<std::string> codes_;
  std::map<std::string, nlohmann::json> orders_;
  std::unique_ptr<api::testing::pretix_event_resources> resources_;
  std::unique_ptr<api::http_server> server_;
  std::atomic<int> requests_{0}, throttled_{0}, slowed_{0};
};

/// Mappings in pretix's shape carrying every kind of source field of the event (`tixsync fields
/// --event`): 1 Order -> Contact (by e-mail; the invoice address if_empty, the order code and
/// event appended, the locale if_new), 2 OrderPosition -> Ticket (by ticket id; every field a
/// position has, overwrite), 3 Order -> Order (by event order code; every order and event
/// field, overwrite). The statuses go through value maps.
nlohmann::json mappings_for_event(const std::string& event_path);

/// Where a node keeps things and what it talks to.
struct node_setup {
  std::string name;
  int redis_port = 0;
  std::string crm_url;
  std::string shop_url;
  std::string mappings_path;
  bool http = false;  ///< an [http] listener on a free port, with API and webhook tokens
};

/// The TOML config of a node: a REST provider "crm" (contacts, tickets and orders linked to each
/// other, as examples/crm.toml) and a webhook provider "hook" (every object posted, signed, with
/// native lists), both with the mappings of `mappings_path`. Secrets come from the variables
/// TWO_PATHS_CRM_TOKEN, TWO_PATHS_HOOK_SECRET, TWO_PATHS_SHOP_TOKEN, TWO_PATHS_API_TOKEN and
/// TWO_PATHS_WEBHOOK_TOKEN.
std::string node_config(const node_setup& setup);

/// The CRM's objects ({type: [objects]}, GET /_mock/dump) and webhook deliveries (GET
/// /_mock/hooks) of the CRM at `crm_url`, normalised so that two CRMs holding the same data
/// compare equal. See the definition for exactly what is normalised.
nlohmann::json normalised_crm(const nlohmann::json& dump, const nlohmann::json& hooks,
                              const std::string& crm_url);

}  // namespace tixsync::testing
