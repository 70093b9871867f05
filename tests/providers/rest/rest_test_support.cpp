// Test support of the HTTP provider tests.
#include "tests/providers/rest/rest_test_support.hpp"

#include <future>
#include <stdexcept>

#include "tests/providers/provider_test_support.hpp"

namespace tixsync::providers::rest::testing {

config::provider_section make_section(const std::string& type, json settings,
                                      std::vector<mapping::mapping_definition> mappings,
                                      const std::string& id) {
  config::provider_section section;
  section.id = id;
  section.type = type;
  section.display_name = id;
  section.mappings = std::move(mappings);
  section.settings = std::move(settings);
  section.location = {"crm.toml", 1, 1};
  section.settings_location = {"crm.toml", 7, 1};
  return section;
}

json contact_settings() {
  return json::parse(R"({
    "base_url": "http://crm.test/",
    "request_timeout": "5s",
    "auth": {"type": "bearer", "token_env": "CRM_TOKEN"},
    "objects": {"Contact": {
      "lookup": {"url": "/api/contact?{id_field}={id_value}", "results": "results"},
      "get": {"url": "/api/contact/{external_id}"},
      "create": {"url": "/api/contact", "id": "id"},
      "update": {"method": "PATCH", "url": "/api/contact/{external_id}"},
      "link": "https://crm.example.org/contacts/{external_id}",
      "display_name": "Contact {id_value}"
    }}
  })");
}

mapping::mapping_definition contact_mapping() {
  mapping::mapping_definition m;
  m.id = 1;
  m.pretix_model = "Order";
  m.external_object_type = "Contact";
  m.pretix_id_field = "email";
  m.external_id_field = "email";
  return m;
}

env_lookup fake_env(std::map<std::string, std::string> variables) {
  return [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
    auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

log_sink log_lines::sink() {
  return [mutex = mutex_, lines = lines_](log_level level, const std::string& line) {
    std::lock_guard<std::mutex> lock(*mutex);
    lines->push_back(std::string(to_string(level)) + " " + line);
  };
}

std::vector<std::string> log_lines::lines() const {
  std::lock_guard<std::mutex> lock(*mutex_);
  return *lines_;
}

completed sync_object_and_wait(provider& target, object_request request) {
  auto promise = std::make_shared<std::promise<completed>>();
  auto future = promise->get_future();
  target.sync_object(std::move(request), make_object_completion([promise](object_result result) {
                       promise->set_value({std::move(result), std::this_thread::get_id()});
                     }));
  return providers::testing::wait_for_value(future);
}

rest_fixture::rest_fixture(json settings, std::vector<mapping::mapping_definition> mappings,
                           std::optional<std::string> joiner) {
  auto script = crm;
  auto hook = before_answer;
  transport =
      std::make_shared<scripted_transport>([script, hook](const http::http_request& request) {
        if (*hook) (*hook)();
        return (*script)(request);
      });
  auto section = make_section("rest", std::move(settings), std::move(mappings));
  if (joiner) {
    section.list_joiner = *joiner;
  } else {
    section.native_lists = true;
  }
  provider = build_rest_provider(section, transport, log.sink(),
                                 {"providers[0]", fake_env({{"CRM_TOKEN", crm_token}})});
}

rest_fixture::~rest_fixture() {
  EXPECT_TRUE(transport->wait_idle());
}

object_request rest_fixture::request(json id_value, std::vector<mapping::property_value> properties,
                                     std::int64_t mapping_id,
                                     std::optional<std::int64_t> position_id) const {
  auto order =
      std::const_pointer_cast<mapping::order>(providers::testing::make_order("ABC12", {11, 12}));
  order->event = "ndd25";
  const mapping::mapping_definition* mapping = nullptr;
  for (const auto& m : provider->mappings()) {
    if (m.id == mapping_id) mapping = &m;
  }
  if (!mapping) throw std::invalid_argument("no such mapping");
  object_request request = providers::testing::make_request(
      *provider, order,
      providers::testing::make_object(*mapping, position_id, std::move(id_value),
                                      std::move(properties)));
  auto event = std::make_shared<mapping::event_bundle>();
  event->organizer = "nordlicht";
  event->slug = "ndd25";
  request.event = event;
  return request;
}

completed rest_fixture::sync(object_request request) {
  return sync_object_and_wait(*provider, std::move(request));
}

sync_result previous_result(const mapping::mapping_definition& mapping,
                            const std::string& external_id) {
  sync_result result;
  result.provider = "crm";
  result.mapping_id = mapping.id;
  result.order_code = "ABC12";
  result.external_object_type = mapping.external_object_type;
  result.external_id_field = mapping.external_id_field;
  result.sync_info = {{"action", "created"}, {"external_id", external_id}};
  return result;
}

std::string all_text(const object_result& result) {
  std::string text;
  if (result.outcome) {
    text += result.outcome->external_link_href.value_or("") + "\n";
    text += result.outcome->external_link_display_name.value_or("") + "\n";
    text += result.outcome->sync_info.dump() + "\n";
  }
  if (result.error) text += to_json(*result.error).dump() + "\n";
  return text;
}

}  // namespace tixsync::providers::rest::testing
