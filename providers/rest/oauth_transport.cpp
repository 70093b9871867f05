// oauth_transport: token, request, and the one retry after a 401 with a fresh token.
#include "providers/rest/oauth_transport.hpp"

namespace tixsync::providers::rest {
namespace {

struct attempt_state {
  std::shared_ptr<http::http_transport> inner;
  std::shared_ptr<oauth_token_source> tokens;
  http::http_request request;
  http::http_transport::callback done;
};

/// The answer as the caller sees it: a body that echoes the token has it replaced.
http::http_result scrubbed(http::http_result result, const std::string& token) {
  if (!result.response || token.empty()) return result;
  auto& body = result.response->body;
  for (auto at = body.find(token); at != std::string::npos; at = body.find(token, at + 3)) {
    body.replace(at, token.size(), "***");
  }
  return result;
}

void send_with_token(std::shared_ptr<attempt_state> state, bool may_retry) {
  state->tokens->get([state, may_retry](token_outcome token) {
    if (!token.access_token) {
      http::http_result failed;
      failed.error = token.error;
      return state->done(std::move(failed));
    }
    http::http_request request = may_retry ? state->request : std::move(state->request);
    request.headers.emplace_back("Authorization", "Bearer " + *token.access_token);
    const std::string used = *token.access_token;
    state->inner->send(std::move(request), [state, may_retry, used](http::http_result result) {
      if (may_retry && result.response && result.response->status == 401) {
        state->tokens->invalidate(used);  // many refusals of one token: one new fetch
        return send_with_token(state, false);
      }
      state->done(scrubbed(std::move(result), used));
    });
  });
}

}  // namespace

void oauth_transport::send(http::http_request request, callback done) {
  auto state = std::make_shared<attempt_state>(
      attempt_state{inner_, tokens_, std::move(request), std::move(done)});
  send_with_token(std::move(state), true);
}

}  // namespace tixsync::providers::rest
