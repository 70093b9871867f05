// Reading and checking [providers.webhook].
#include "providers/rest/webhook_settings.hpp"

#include "providers/rest/url_rules.hpp"

namespace tixsync::providers::rest {
namespace {

void read_url(settings_table& table, const std::vector<mapping::mapping_definition>& mappings,
              webhook_settings& out) {
  std::string text;
  if (!table.string("url", text, true)) return;
  const std::vector<placeholder> allowed{placeholder::id_value,    placeholder::id_field,
                                         placeholder::object_type, placeholder::order_code,
                                         placeholder::event,       placeholder::organizer,
                                         placeholder::position_id, placeholder::mapping_id};
  std::vector<std::string> problems;
  out.url = text_template::parse(text, allowed, problems);
  for (auto& p : problems) table.problem("url", std::move(p));
  if (!is_absolute_url_template(text)) {
    table.problem("url", "must be an absolute URL: http:// or https:// and a host");
  }
  if (auto why = url_credentials_problem(text)) table.problem("url", std::move(*why));
  if (out.url.uses(placeholder::position_id)) {
    for (const auto& m : mappings) {
      if (!m.is_position_mapping()) {
        table.problem("url", "{position_id} has no value for mapping " + std::to_string(m.id) +
                                 ", an Order mapping");
      }
    }
  }
}

}  // namespace

webhook_settings read_webhook_settings(const json& settings, const std::string& key_path,
                                       const std::vector<mapping::mapping_definition>& mappings,
                                       const env_lookup& env, settings_problems& problems) {
  webhook_settings out;
  settings_table table(&settings, key_path, problems);
  read_url(table, mappings, out);
  table.choice("method", out.method, {"POST", "PUT"});
  read_secret_env(table, "secret_env", env, out.secret_env, out.secret, false);
  if (table.string("signature_header", out.signature_header) &&
      !is_header_name(out.signature_header)) {
    table.problem("signature_header",
                  "\"" + out.signature_header + "\" is not a valid header name");
  }
  read_connection_settings(table, env, out.connection);
  table.finish();
  return out;
}

}  // namespace tixsync::providers::rest
