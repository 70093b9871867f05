// The settings of a webhook provider ([providers.webhook] in the config): where each object is
// delivered (a URL template), with which method, the secret that signs the body (from the
// environment), the signature header, and the shared connection and auth settings.
#pragma once

#include <string>
#include <vector>

#include "config/secret.hpp"
#include "mapping/mapping_definition.hpp"
#include "providers/rest/connection_settings.hpp"
#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

/// [providers.webhook].
struct webhook_settings {
  text_template url;  ///< absolute; placeholders allowed (not {external_id}, {base_url})
  std::string method = "POST";
  std::string secret_env;  ///< "" = bodies are not signed
  config::secret secret;
  std::string signature_header = "X-Tixsync-Signature";
  connection_settings connection;
};

/// Reads `settings` (the [providers.webhook] table as JSON) found at `key_path` (e.g.
/// "providers[1].webhook") and appends every problem, including placeholders that have no value
/// for a mapping (e.g. {position_id} with an Order mapping).
webhook_settings read_webhook_settings(const json& settings, const std::string& key_path,
                                       const std::vector<mapping::mapping_definition>& mappings,
                                       const env_lookup& env, settings_problems& problems);

}  // namespace tixsync::providers::rest
