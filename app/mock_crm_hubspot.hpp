// The HubSpot-shaped mock CRM (`tixsync mock-crm --flavor hubspot`): the subset of HubSpot's CRM
// API a sync uses (objects, batch read/create/update/upsert, search, v4 associations, the OAuth
// token endpoint), with HubSpot's error bodies, per-token quota and rate-limit headers, on the same
// HTTP server and fault dice as the generic mock CRM (app/mock_crm.hpp). Endpoints and behaviour
// are listed at the top of mock_crm_hubspot.cpp and in `tixsync mock-crm --help`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/mock_crm_faults.hpp"
#include "app/mock_crm_hubspot_limits.hpp"

namespace tixsync::app {

struct mock_crm_hubspot_options {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: an ephemeral port
  int threads = 1;
  /// A private app's static token (never expires). With it or an OAuth client, /crm/* needs
  /// "Authorization: Bearer <token>"; with neither, /crm/* is open.
  std::string token;
  /// The OAuth client POST /oauth/v1/token accepts (both empty: the endpoint answers 400).
  std::string client_id;
  std::string client_secret;
  std::chrono::milliseconds token_ttl{1800 * 1000};  ///< lifetime of issued access tokens
  /// Extra unique properties (type, property); contacts' email is always unique.
  std::vector<std::pair<std::string, std::string>> unique;
  int rate_limit = 190;                          ///< requests per window and token
  std::chrono::milliseconds rate_window{10000};  ///< the rolling window
  int search_rate_limit = 5;                     ///< search requests per second and token
  std::int64_t daily_limit = 1000000;
  ratelimit_headers headers = ratelimit_headers::hubspot;
  bool honour_idempotency_key = false;  ///< replay the first answer of a create with the same key
  /// A record with a property of this value fails on its own (a per-record error); "" for none.
  std::string fail_marker = "__fail__";
  double record_fail_rate = 0;  ///< share of written records that fail on their own (seeded dice)
  std::uint64_t seed = 1;
  mock_crm_faults faults;  ///< request-level faults, as in the generic mock
  std::size_t max_body_bytes = 16 * 1024 * 1024;
  std::size_t max_connections = 10000;

  /// "" when usable, else what is wrong.
  std::string problem() const;
};

class mock_crm_hubspot {
 public:
  /// Checks the options; throws std::invalid_argument saying what is wrong.
  explicit mock_crm_hubspot(mock_crm_hubspot_options options = {});
  ~mock_crm_hubspot();
  mock_crm_hubspot(const mock_crm_hubspot&) = delete;
  mock_crm_hubspot& operator=(const mock_crm_hubspot&) = delete;

  /// Starts listening; throws std::runtime_error naming the address when it cannot.
  void start();
  /// Stops the server. Idempotent.
  void stop();
  std::uint16_t port() const;
  /// "http://ADDRESS:PORT".
  std::string url() const;

  /// What GET /_mock/stats answers: requests (total, by_kind: create, get, update, batch_read,
  /// batch_create, batch_update, batch_upsert, search, associate, associations_read,
  /// oauth_token), objects per type, created, updated, records_written, record_errors,
  /// rate_limited (429s of the window quota and of fault injection), search_rate_limited,
  /// unauthorized, idempotent_replays, max_inputs_per_call, faults_injected and faults.
  nlohmann::json stats() const;
  /// What GET /_mock/dump answers: {type: [records with their associations]}.
  nlohmann::json dump() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::app
