// pretix_client: GETs with the shop token over the async transport, and paging through lists.
#include "api/pretix_client.hpp"

#include <memory>

#include "providers/http/http_client.hpp"

namespace tixsync::api {

pretix_client::pretix_client(providers::http::http_transport& transport, std::string base_url,
                             std::string token, std::chrono::milliseconds timeout)
    : transport_(transport), base_url_(std::move(base_url)), token_(std::move(token)), timeout_(timeout) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

void pretix_client::get(const std::string& path, std::function<void(pretix_answer)> done) const {
  get_url(base_url_ + path, std::move(done));
}

void pretix_client::get_url(const std::string& url, std::function<void(pretix_answer)> done) const {
  providers::http::http_request request;
  request.method = "GET";
  request.url = url;
  request.headers = {{"Accept", "application/json"}};
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Token " + token_);
  request.timeout = timeout_;
  transport_.send(std::move(request), [done = std::move(done)](providers::http::http_result result) {
    pretix_answer answer;
    if (result.response) {
      answer.status = result.response->status;
      answer.body = std::move(result.response->body);
    } else {
      answer.problem = result.error ? std::string(providers::http::to_string(result.error->kind)) +
                                          ": " + result.error->message
                                    : "no answer";
    }
    done(std::move(answer));
  });
}

void pretix_client::get_all(const std::string& path,
                            std::function<void(pretix_answer, nlohmann::json)> done,
                            int max_pages) const {
  struct paging {
    const pretix_client* client;
    std::function<void(pretix_answer, nlohmann::json)> done;
    nlohmann::json results = nlohmann::json::array();
    int pages_left;
  };
  auto state = std::make_shared<paging>(paging{this, std::move(done), nlohmann::json::array(), max_pages});
  // Each page's completion (holding the step) asks for the next one; the step holds itself only
  // weakly, so nothing is left over after the last page.
  auto step = std::make_shared<std::function<void(std::string)>>();
  std::weak_ptr<std::function<void(std::string)>> weak = step;
  *step = [state, weak](std::string url) {
    auto self = weak.lock();
    state->client->get_url(url, [state, self](pretix_answer answer) {
      const auto& step = self;
      auto finish = [&](pretix_answer a) {
        auto done = std::move(state->done);
        done(std::move(a), std::move(state->results));
      };
      if (answer.status != 200) return finish(std::move(answer));
      nlohmann::json page = nlohmann::json::parse(answer.body, nullptr, false);
      if (!page.is_object() || !page.contains("results") || !page["results"].is_array()) {
        return finish({0, "", "pretix answered a list page that is not {\"results\": [...]}"});
      }
      for (auto& r : page["results"]) state->results.push_back(std::move(r));
      const auto next = page.find("next");
      if (next == page.end() || next->is_null()) return finish(std::move(answer));
      if (!next->is_string() || next->get<std::string>().rfind(state->client->base_url_ + "/", 0) != 0) {
        return finish({0, "", "pretix's next page is not under the shop URL"});
      }
      if (--state->pages_left <= 0) return finish({0, "", "more list pages than allowed"});
      (*step)(next->get<std::string>());
    });
  };
  (*step)(base_url_ + path);
}

}  // namespace tixsync::api
