// The mock CRM: a small CRM-like REST server (objects by type with ids, search by field, create,
// merge, replace, delete), a webhook receiver, and fault injection (latency, 503, 422, 429 with
// Retry-After, closed connections, slow answers, outages) with a seeded RNG. Used in-process by
// tests and benchmarks and as `tixsync mock-crm` for demos. Endpoints:
//   GET /api/{type}/{id}            200 object | 404
//   GET /api/{type}?field=value...  200 {"results": [objects whose fields equal the values]}
//   POST /api/{type}                201 the object with a new "id" | 400 not a JSON object
//   PATCH|PUT|DELETE /api/{type}/{id}  200 merged | 200 replaced | 204 ; 404 when missing
//   POST /hooks/{name}              204, the delivery is kept (see GET /_mock/hooks) | 401 when a
//                                   hook secret is set and the X-Tixsync-Signature is not valid
//   GET /_mock/stats, GET /_mock/dump, GET /_mock/hooks[?name=N], GET|POST /_mock/faults,
//   POST /_mock/reset               never delayed, never failed, no token needed
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "app/mock_crm_faults.hpp"

namespace tixsync::app {

struct mock_crm_options {
  std::string listen_address = "127.0.0.1";
  std::uint16_t port = 0;  ///< 0: an ephemeral port, see mock_crm::port()
  int threads = 1;         ///< I/O threads
  /// When not empty, /api/* requires "Authorization: Bearer <token>" (401 otherwise).
  std::string token;
  /// When not empty, POST /hooks/* must carry an X-Tixsync-Signature made with this secret less
  /// than 5 minutes ago (providers/rest/webhook_signature.hpp); else 401 and nothing is kept.
  std::string hook_secret;
  std::uint64_t seed = 1;  ///< of the fault dice
  mock_crm_faults faults;  ///< at start and after a reset
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_hooks = 100000;  ///< webhook deliveries kept (oldest dropped)
  std::size_t max_connections = 10000;  ///< connections served at once (more get 503)
};

class mock_crm {
 public:
  /// Checks the options; throws std::invalid_argument saying what is wrong.
  explicit mock_crm(mock_crm_options options = {});
  /// stop().
  ~mock_crm();
  mock_crm(const mock_crm&) = delete;
  mock_crm& operator=(const mock_crm&) = delete;

  /// Starts listening; throws std::runtime_error naming the address when it cannot.
  void start();
  /// Stops the server and closes its connections. Idempotent.
  void stop();

  /// The bound port (0 before start()).
  std::uint16_t port() const;
  /// "http://ADDRESS:PORT".
  std::string url() const;

  /// What GET /_mock/stats answers: requests (total, by_method, by_route), objects per type,
  /// created/updated/deleted, hooks_received, hooks_refused (bad signature), unauthorized,
  /// faults_injected by kind,
  /// delayed_now (requests waiting on a latency timer), the current faults and server counters.
  nlohmann::json stats() const;
  /// {type: [objects]}.
  nlohmann::json dump() const;
  /// {"hooks": [...], "dropped": n}.
  nlohmann::json hooks() const;

  mock_crm_faults faults() const;
  /// Replaces the fault settings; throws std::invalid_argument when they are wrong.
  void set_faults(const mock_crm_faults& faults);
  /// Every /api and /hooks request is answered 503 for `length` from now.
  void start_outage(std::chrono::milliseconds length);
  /// Forgets objects, hooks and counters; faults and dice back to the start settings.
  void reset();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::app
