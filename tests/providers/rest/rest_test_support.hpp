// Shared pieces of the HTTP provider tests: config sections built in code, a fake environment,
// a collecting log sink, and a bounded wait for one object's result.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/tixsync_config.hpp"
#include "providers/log_sink.hpp"
#include "providers/provider.hpp"
#include "providers/rest/connection_settings.hpp"
#include "providers/rest/http_providers.hpp"
#include "tests/providers/rest/crm_script.hpp"
#include "tests/providers/rest/scripted_transport.hpp"

namespace tixsync::providers::rest::testing {

using json = nlohmann::json;

/// A [[providers]] section of `type` with these type settings and mappings, as the config
/// loader would produce it (located in "crm.toml").
config::provider_section make_section(const std::string& type, json settings,
                                      std::vector<mapping::mapping_definition> mappings,
                                      const std::string& id = "crm");

/// [providers.rest] for one object type, "Contact", on the CRM script's API at
/// http://crm.test: lookup by ?{id_field}={id_value}, get, create, update, link and display
/// name, bearer auth from CRM_TOKEN.
json contact_settings();

/// Mapping 1: Order -> Contact identified by "email" (pretix field "email"); no properties.
mapping::mapping_definition contact_mapping();

/// An environment holding exactly `variables`.
env_lookup fake_env(std::map<std::string, std::string> variables);

/// Collects log lines (thread-safe).
class log_lines {
 public:
  log_sink sink();
  std::vector<std::string> lines() const;

 private:
  std::shared_ptr<std::mutex> mutex_ = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::string>> lines_ = std::make_shared<std::vector<std::string>>();
};

/// The result of one sync_object call and the thread it completed on.
struct completed {
  object_result result;
  std::thread::id thread;
};

/// Calls target.sync_object and waits (bounded) for its completion.
completed sync_object_and_wait(provider& target, object_request request);

/// Everything of a result as text (links, sync_info, error messages), for leak searches.
std::string all_text(const object_result& result);

/// The token the fixtures authenticate with; no output may ever contain it.
inline const std::string crm_token = "tok-9f8e7d-SECRET";

/// A REST provider built from settings over the CRM script. Waits for the transport to be idle
/// before it goes, so no completion outlives the test.
class rest_fixture {
 public:
  /// `joiner` nullopt: native lists.
  explicit rest_fixture(json settings = contact_settings(),
                        std::vector<mapping::mapping_definition> mappings = {contact_mapping()},
                        std::optional<std::string> joiner = std::string(","));
  ~rest_fixture();

  /// A request for mapping `mapping_id` of order ABC12 (event nordlicht/ndd25, positions 11
  /// and 12) with this id value and properties.
  object_request request(json id_value, std::vector<mapping::property_value> properties = {},
                         std::int64_t mapping_id = 1,
                         std::optional<std::int64_t> position_id = std::nullopt) const;
  /// sync_object_and_wait on the provider.
  completed sync(object_request request);

  std::shared_ptr<crm_script> crm = std::make_shared<crm_script>();
  /// Runs on the transport's worker before each answer (e.g. to hold it at a gate); set it
  /// while no request is in flight.
  std::shared_ptr<std::function<void()>> before_answer = std::make_shared<std::function<void()>>();
  std::shared_ptr<scripted_transport> transport;
  log_lines log;
  std::shared_ptr<rest_provider> provider;
};

/// A previous sync result of `mapping` with this external id in its sync_info.
sync_result previous_result(const mapping::mapping_definition& mapping,
                            const std::string& external_id);

}  // namespace tixsync::providers::rest::testing
