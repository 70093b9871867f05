// [providers.rest] read and checked: a complete table in all its parts, and a broken one where
// every problem is reported at once with its key path and the file location, including the
// checks against the mappings (missing object tables, associations to later or unknown
// mappings) and secrets (unset variables, a token written into the file).
#include "providers/rest/rest_settings.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "providers/rest/http_providers.hpp"
#include "tests/providers/rest/rest_test_support.hpp"
#include "tests/support/temp_file.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::contact_mapping;
using testing::contact_settings;
using testing::fake_env;
using testing::make_section;

mapping::mapping_definition make(std::int64_t id, const std::string& model, const std::string& type,
                                 const std::string& id_field) {
  mapping::mapping_definition m;
  m.id = id;
  m.pretix_model = model;
  m.external_object_type = type;
  m.pretix_id_field = id_field;
  m.external_id_field = id_field;
  return m;
}

/// "key.path: message" of every problem.
std::vector<std::string> texts(const settings_problems& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.key_path + ": " + p.message);
  return out;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

TEST(rest_settings, reads_a_complete_table) {
  tixsync::testing::temp_file ca("-----BEGIN CERTIFICATE-----\n", ".pem");
  json settings = contact_settings();
  settings["ca_file"] = ca.path();
  settings["connect_timeout"] = "750ms";
  settings["max_response_bytes"] = 65536;
  settings["headers"] = {{"X-Tenant", "nordlicht"}};
  settings["objects"]["Contact"]["id"] = "data.id";
  settings["objects"]["Contact"]["lookup"]["not_found"] = "404";
  settings["objects"]["Contact"]["get"]["result"] = "data";
  settings["objects"]["Contact"]["create"]["method"] = "PUT";
  settings["objects"]["Contact"]["create"]["id"] = "data.id";
  settings["objects"]["Contact"]["associations"] = {{"orders", 1}};
  auto mappings = std::vector<mapping::mapping_definition>{make(1, "Order", "Order", "code"),
                                                           contact_mapping()};
  mappings[1].id = 2;
  settings["objects"]["Order"] = settings["objects"]["Contact"];
  settings["objects"]["Order"].erase("associations");
  settings_problems problems;
  const rest_settings rest = read_rest_settings(settings, "providers[0].rest", mappings,
                                                fake_env({{"CRM_TOKEN", "t"}}), problems);
  ASSERT_TRUE(problems.empty()) << texts(problems).front();
  EXPECT_EQ(rest.base_url, "http://crm.test");  // trailing slash removed
  EXPECT_EQ(rest.connection.ca_file, ca.path());
  EXPECT_EQ(rest.connection.connect_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(rest.connection.request_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(rest.connection.max_response_bytes, 65536u);
  EXPECT_EQ(rest.connection.headers, (http::header_list{{"X-Tenant", "nordlicht"}}));
  EXPECT_EQ(rest.connection.auth.type, auth_type::bearer);
  EXPECT_EQ(rest.connection.auth.token.reveal(), "t");
  const object_settings& contact = *rest.find("Contact");
  EXPECT_EQ(contact.id.text(), "data.id");
  EXPECT_EQ(contact.lookup.method, "GET");
  EXPECT_EQ(contact.lookup.url.text(), "/api/contact?{id_field}={id_value}");
  EXPECT_EQ(contact.lookup.results.text(), "results");
  EXPECT_TRUE(contact.lookup.not_found_on_404);
  ASSERT_TRUE(contact.get);
  EXPECT_EQ(contact.get->result.text(), "data");
  EXPECT_EQ(contact.create.method, "PUT");
  EXPECT_EQ(contact.create.id.text(), "data.id");
  EXPECT_EQ(contact.update.method, "PATCH");
  EXPECT_EQ(contact.link->text(), "https://crm.example.org/contacts/{external_id}");
  EXPECT_EQ(contact.display_name->text(), "Contact {id_value}");
  ASSERT_EQ(contact.associations.size(), 1u);
  EXPECT_EQ(contact.associations[0].field, "orders");
  EXPECT_EQ(contact.associations[0].mapping_id, 1);
  EXPECT_FALSE(contact.associations[0].use_link);

  const auto options = client_options_for(rest.connection);
  EXPECT_EQ(options.connect_timeout, std::chrono::milliseconds(750));
  EXPECT_EQ(options.total_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(options.max_response_bytes, 65536u);
  EXPECT_EQ(options.ca_file, ca.path());
  EXPECT_TRUE(options.verify_tls);
}

TEST(rest_settings, defaults_of_a_minimal_table) {
  const json settings = json::parse(R"({
    "base_url": "https://crm.test",
    "objects": {"Contact": {
      "lookup": {"url": "/c?e={id_value}"},
      "create": {"url": "/c"},
      "update": {"url": "/c/{external_id}"}}}})");
  settings_problems problems;
  const rest_settings rest =
      read_rest_settings(settings, "providers[0].rest", {contact_mapping()}, {}, problems);
  ASSERT_TRUE(problems.empty()) << texts(problems).front();
  const object_settings& contact = *rest.find("Contact");
  EXPECT_EQ(contact.id.text(), "id");
  EXPECT_EQ(contact.create.id.text(), "id");
  EXPECT_EQ(contact.create.method, "POST");
  EXPECT_EQ(contact.update.method, "PATCH");
  EXPECT_FALSE(contact.lookup.not_found_on_404);
  EXPECT_FALSE(contact.get);
  EXPECT_FALSE(contact.link);
  EXPECT_EQ(rest.connection.auth.type, auth_type::none);
  EXPECT_EQ(rest.connection.connect_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(rest.connection.request_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(rest.connection.max_response_bytes, 1024u * 1024u);
}

TEST(rest_settings, reports_every_problem_with_its_path) {
  const json settings = json::parse(R"({
    "base_url": "ftp://crm.test",
    "conect_timeout": "2s",
    "request_timeout": "soon",
    "max_response_bytes": 0,
    "ca_file": "/nonexistent/ca.pem",
    "headers": {"Authorization": "Bearer x", "Bad Header": "v", "X-Ok": 5},
    "auth": {"type": "bearer", "token_env": "CRM_TOKEN", "token": "s3cr3t-in-file",
             "username": "u"},
    "objects": {
      "Contact": {
        "lookup": {"method": "DELETE", "url": "/api/contact?q={id_value}&x={external_id}",
                   "not_found": "never", "results": "a..b"},
        "get": {"url": "/api/contact"},
        "create": {"url": "/api/contact/{foo}"},
        "update": {"method": "DELETE", "url": "api/contact/{external_id}"},
        "link": "https://crm.example.org/c/{external_id",
        "associations": {"tickets": {"mapping": 3}, "orders": {"mapping": 9},
                         "self": {"mapping": 1, "value": "link"}, "bad": "x"}
      },
      "Ticket": {
        "lookup": {"url": "/api/ticket?n={id_value}&p={position_id}"},
        "create": {"url": "/api/ticket"}
      },
      "Unused": {"lookup": {"url": "/u"}, "create": {"url": "/u"}, "update": {"url": "/u"}}
    }
  })");
  // Mapping 1 (Order -> Ticket) runs before mapping 2 (Order -> Contact); mapping 3 (Order ->
  // Invoice) has no table.
  const std::vector<mapping::mapping_definition> mappings{make(1, "Order", "Ticket", "number"),
                                                          make(2, "Order", "Contact", "email"),
                                                          make(3, "Order", "Invoice", "code")};
  settings_problems problems;
  read_rest_settings(settings, "providers[0].rest", mappings, fake_env({}), problems);
  const auto all = texts(problems);
  const std::vector<std::string> expected{
      "providers[0].rest.base_url: \"ftp://crm.test\" must start with http:// or https://",
      "providers[0].rest.conect_timeout: unknown key (did you mean \"connect_timeout\"?)",
      "providers[0].rest.request_timeout: \"soon\" is not a duration (e.g. \"500ms\", \"2s\", "
      "\"1m30s\")",
      "providers[0].rest.max_response_bytes: must be between 1 and 4294967296",
      "providers[0].rest.ca_file: cannot read /nonexistent/ca.pem: No such file or directory",
      "providers[0].rest.headers.Authorization: set credentials in the auth table (secrets come "
      "from the environment)",
      "providers[0].rest.headers.\"Bad Header\": \"Bad Header\" is not a valid header name",
      "providers[0].rest.headers.X-Ok: expected a string, got number",
      "providers[0].rest.auth.token_env: environment variable CRM_TOKEN is not set (or empty)",
      "providers[0].rest.auth.username: not used with type = \"bearer\"",
      "providers[0].rest.auth.token: secrets are not read from the config file: put it in an "
      "environment variable and name that variable in token_env",
      "providers[0].rest.objects.Contact.lookup.method: \"DELETE\" is not one of GET, POST, "
      "PUT, PATCH",
      "providers[0].rest.objects.Contact.lookup.url: placeholder {external_id} cannot be used "
      "here",
      "providers[0].rest.objects.Contact.lookup.results: \"a..b\" is not a dotted path (an empty "
      "segment)",
      "providers[0].rest.objects.Contact.lookup.not_found: \"never\" is not one of empty, 404",
      "providers[0].rest.objects.Contact.get.url: must contain {external_id}",
      "providers[0].rest.objects.Contact.create.url: unknown placeholder {foo}",
      "providers[0].rest.objects.Contact.update.method: \"DELETE\" is not one of PATCH, PUT, POST",
      "providers[0].rest.objects.Contact.update.url: must start with \"/\" (relative to "
      "base_url), http://, https:// or {base_url}",
      "providers[0].rest.objects.Contact.link: unclosed \"{\" at character 27 (write \"{{\" for a "
      "literal brace)",
      "providers[0].rest.objects.Contact.associations.bad: expected a table {mapping = <id>, "
      "value = \"external_id\" | \"link\"}, got string",
      "providers[0].rest.objects.Ticket.update: missing (required)",
      "providers[0].rest.objects: no table for external object type \"Invoice\" (used by mapping "
      "3); add [objects.Invoice]",
      "providers[0].rest.objects.Ticket.lookup.url: {position_id} has no value for mapping 1, an "
      "Order mapping",
      "providers[0].rest.objects.Contact.associations.tickets: mapping 3 does not run before "
      "mapping 2 (which uses Contact): an association must name an earlier mapping",
      "providers[0].rest.objects.Contact.associations.orders: mapping 9 does not exist in this "
      "provider's mappings",
      "providers[0].rest.objects.Contact.associations.self: value = \"link\", but object type "
      "Ticket (mapping 1) has no link template",
      "providers[0].rest.objects.Unused: no mapping of this provider uses external object type "
      "\"Unused\""};
  for (const auto& e : expected) EXPECT_TRUE(contains(all, e)) << "missing: " << e;
  EXPECT_EQ(all.size(), expected.size());
  for (const auto& p : all) {
    EXPECT_EQ(p.find("s3cr3t-in-file"), std::string::npos) << p;
  }
}

TEST(rest_settings, link_associations_need_a_link_template) {
  json settings = contact_settings();
  settings["objects"]["Ticket"] = settings["objects"]["Contact"];
  settings["objects"]["Ticket"].erase("link");
  settings["objects"]["Contact"]["associations"] = {
      {"tickets", {{"mapping", 1}, {"value", "link"}}}, {"email", 1}};
  const std::vector<mapping::mapping_definition> mappings{
      make(1, "OrderPosition", "Ticket", "secret"), make(2, "Order", "Contact", "email")};
  settings_problems problems;
  read_rest_settings(settings, "providers[0].rest", mappings, fake_env({{"CRM_TOKEN", "t"}}),
                     problems);
  const auto all = texts(problems);
  // Associations come in key order (the settings are a JSON object).
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0],
            "providers[0].rest.objects.Contact.associations.email: is the id field of mapping 2");
  EXPECT_EQ(all[1],
            "providers[0].rest.objects.Contact.associations.tickets: value = \"link\", but object "
            "type Ticket (mapping 1) has no link template");
}

TEST(rest_settings, a_missing_table_and_base_url_are_reported) {
  settings_problems problems;
  read_rest_settings(json::object(), "providers[2].rest", {contact_mapping()}, {}, problems);
  const auto all = texts(problems);
  EXPECT_TRUE(contains(all, "providers[2].rest.objects: missing (required)"));
  EXPECT_TRUE(contains(all,
                       "providers[2].rest.objects: no table for external object type "
                       "\"Contact\" (used by mapping 1); add [objects.Contact]"));
  EXPECT_EQ(all.size(), 2u);

  json relative = contact_settings();
  relative.erase("base_url");
  relative.erase("auth");
  problems.clear();
  read_rest_settings(relative, "providers[2].rest", {contact_mapping()}, {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(texts(problems)[0],
            "providers[2].rest.base_url: missing: required when a URL is "
            "relative (\"/...\") or uses {base_url}");
}

TEST(rest_settings, auth_kinds_read_their_own_keys) {
  json settings = contact_settings();
  settings["auth"] = {{"type", "basic"}, {"username", "sync"}, {"password_env", "CRM_PASSWORD"}};
  settings_problems problems;
  auto rest = read_rest_settings(settings, "p.rest", {contact_mapping()},
                                 fake_env({{"CRM_PASSWORD", "pw"}}), problems);
  ASSERT_TRUE(problems.empty()) << texts(problems).front();
  EXPECT_EQ(rest.connection.auth.type, auth_type::basic);
  EXPECT_EQ(rest.connection.auth.username, "sync");
  EXPECT_EQ(rest.connection.auth.password.reveal(), "pw");

  settings["auth"] = {{"type", "api_key"}, {"token_env", "K"}};
  problems.clear();
  read_rest_settings(settings, "p.rest", {contact_mapping()}, fake_env({{"K", "k"}}), problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(texts(problems)[0], "p.rest.auth.header: missing (required)");

  settings["auth"] = {{"type", "digest"}};
  problems.clear();
  read_rest_settings(settings, "p.rest", {contact_mapping()}, {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(texts(problems)[0],
            "p.rest.auth.type: \"digest\" is not one of bearer, api_key, basic, oauth2");
}

TEST(rest_settings, a_secret_written_as_the_variable_name_is_not_echoed) {
  json settings = contact_settings();
  settings["auth"]["token_env"] = "eyJhbGciOi.JIUzI1-NiJ9";
  settings_problems problems;
  read_rest_settings(settings, "p.rest", {contact_mapping()}, fake_env({}), problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(texts(problems)[0],
            "p.rest.auth.token_env: is not the name of an environment variable (letters, digits "
            "and _, not starting with a digit, at most 64 characters, e.g. CRM_TOKEN); the "
            "secret itself belongs in that variable, not in the file");
  EXPECT_TRUE(is_environment_name("CRM_TOKEN_2"));
  EXPECT_FALSE(is_environment_name("2FA"));
  EXPECT_FALSE(is_environment_name("a-b"));
}

TEST(http_providers, build_throws_every_problem_with_its_location) {
  json settings = contact_settings();
  settings["objects"]["Contact"]["create"]["url"] = "/api/contact/{foo}";
  settings["objects"]["Contact"]["update"]["url"] = "/api/contact/{bar}";
  auto section = make_section("rest", settings, {contact_mapping()});
  build_options options{"providers[0]", fake_env({})};
  try {
    build_rest_provider(section, nullptr, {}, options);
    FAIL() << "no settings_error";
  } catch (const settings_error& e) {
    ASSERT_EQ(e.problems().size(), 3u);
    EXPECT_EQ(std::string(e.what()),
              "crm.toml:7:1: providers[0].rest.auth.token_env: environment variable CRM_TOKEN is "
              "not set (or empty)\n"
              "crm.toml:7:1: providers[0].rest.objects.Contact.create.url: unknown placeholder "
              "{foo}\n"
              "crm.toml:7:1: providers[0].rest.objects.Contact.update.url: unknown placeholder "
              "{bar}");
  }
  EXPECT_EQ(check_http_provider(section, options).size(), 3u);
  EXPECT_THROW(client_options_for(section, options), settings_error);
  // Without a key path the provider id names the entry.
  options.key_path.clear();
  EXPECT_EQ(check_http_provider(section, options).at(0).key_path,
            "providers[id=crm].rest.auth.token_env");
  // A section of another type.
  section.type = "example";
  EXPECT_THROW(build_http_provider(section, nullptr, {}, options), settings_error);
}

TEST(http_providers, provider_settings_and_client_options_come_from_the_section) {
  auto section = make_section("rest", contact_settings(), {contact_mapping()});
  section.display_name = "Our CRM";
  section.native_lists = true;
  section.change_detection = true;
  section.retry.max_attempts = 7;
  const build_options options{"providers[0]", fake_env({{"CRM_TOKEN", "t"}})};
  EXPECT_TRUE(check_http_provider(section, options).empty());
  const provider_settings settings = provider_settings_of(section);
  EXPECT_EQ(settings.identifier, "crm");
  EXPECT_EQ(settings.display_name, "Our CRM");
  EXPECT_FALSE(settings.list_joiner);
  EXPECT_TRUE(settings.change_detection);
  EXPECT_EQ(settings.retry.max_attempts, 7);
  EXPECT_EQ(client_options_for(section, options).total_timeout, std::chrono::milliseconds(5000));
}

}  // namespace
}  // namespace tixsync::providers::rest
