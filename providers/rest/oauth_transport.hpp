// A transport that authenticates every request with the provider's OAuth2 access token
// (`Authorization: Bearer`), and on a 401 drops the token, fetches a new one and sends the
// request once more; a second 401 goes to the caller as the destination's answer.
#pragma once

#include <memory>

#include "providers/http/http_client.hpp"
#include "providers/rest/oauth_token_source.hpp"

namespace tixsync::providers::rest {

class oauth_transport final : public http::http_transport {
 public:
  oauth_transport(std::shared_ptr<http::http_transport> inner,
                  std::shared_ptr<oauth_token_source> tokens)
      : inner_(std::move(inner)), tokens_(std::move(tokens)) {}

  /// Without a token (the token endpoint failed), completes with a transport error of kind
  /// `credentials` naming the token URL; the request is not sent.
  void send(http::http_request request, callback done) override;
  const std::shared_ptr<oauth_token_source>& tokens() const { return tokens_; }

 private:
  std::shared_ptr<http::http_transport> inner_;
  std::shared_ptr<oauth_token_source> tokens_;
};

}  // namespace tixsync::providers::rest
