// pretix_client: GETs with the shop token over the async transport, and paging through lists;
// what a failed fetch is called, in words and as a metrics reason.
#include "api/pretix_client.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "api/url_encoding.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::api {

std::string pretix_segment_problem(const std::string& what, const std::string& value) {
  if (value.empty()) return "expected a non-empty " + what;
  if (value == "." || value == "..") {
    return "'" + value + "' is not a pretix " + what + " (it is a path step)";
  }
  return "";
}

std::string pretix_event_problem(const std::string& organizer, const std::string& event) {
  auto problem = pretix_segment_problem("organizer", organizer);
  return problem.empty() ? pretix_segment_problem("event", event) : problem;
}

namespace {

/// `value` when it is short and printable (it ends up in log lines and answers), else "".
std::string printable(std::string value) {
  const bool ok =
      value.size() <= 80 && std::all_of(value.begin(), value.end(),
                                        [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
  return ok ? value : std::string();
}

/// `value` percent-encoded as one path segment, after pretix_segment_problem.
std::string segment(const std::string& what, const std::string& value) {
  if (auto problem = pretix_segment_problem(what, value); !problem.empty()) {
    throw std::invalid_argument(what + ": " + problem);
  }
  return percent_encode(value);
}

}  // namespace

std::string pretix_event_path(const std::string& organizer, const std::string& event) {
  return "/api/v1/organizers/" + segment("organizer", organizer) + "/events/" +
         segment("event", event) + "/";
}

std::string pretix_order_path(const std::string& organizer, const std::string& event,
                              const std::string& code) {
  return pretix_event_path(organizer, event) + "orders/" + segment("order code", code) + "/?" +
         pretix_order_query;
}

pretix_client::pretix_client(providers::http::http_transport& transport, std::string base_url,
                             std::string token, std::chrono::milliseconds timeout)
    : transport_(transport),
      base_url_(std::move(base_url)),
      token_(std::move(token)),
      timeout_(timeout) {
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
  transport_.send(std::move(request), [done =
                                           std::move(done)](providers::http::http_result result) {
    using providers::http::transport_error_kind;
    pretix_answer answer;
    if (result.response) {
      answer.status = result.response->status;
      answer.body = std::move(result.response->body);
      answer.retry_after = printable(result.response->header("Retry-After").value_or(""));
      answer.page_generated = printable(result.response->header("X-Page-Generated").value_or(""));
      if (answer.status == 200) {
        auto problem = pretix_body_problem(
            answer.body, printable(result.response->header("Content-Type").value_or("")));
        if (!problem.empty()) answer = {0, "", std::move(problem), true};
      }
    } else {
      answer.problem = result.error ? std::string(providers::http::to_string(result.error->kind)) +
                                          ": " + result.error->message
                                    : "no answer";
      answer.timed_out = result.error && result.error->kind == transport_error_kind::timeout;
      answer.too_large = result.error && result.error->kind == transport_error_kind::body_too_large;
    }
    done(std::move(answer));
  });
}

pretix_page pretix_client::read_page(pretix_answer answer) const {
  pretix_page page;
  if (answer.status != 200) {
    page.answer = std::move(answer);
    return page;
  }
  nlohmann::json body = nlohmann::json::parse(answer.body, nullptr, false);
  answer.body.clear();
  page.answer = std::move(answer);
  if (!body.is_object() || !body.contains("results") || !body["results"].is_array()) {
    page.answer.problem = "pretix answered a list page that is not {\"results\": [...]}";
    page.answer.unreadable = true;
    return page;
  }
  const auto next = body.find("next");
  if (next != body.end() && !next->is_null()) {
    if (!next->is_string() || next->get<std::string>().rfind(base_url_ + "/", 0) != 0) {
      page.answer.problem = "pretix's next page is not under the shop URL";
      page.answer.unreadable = true;
      return page;
    }
    page.next = next->get<std::string>();
  }
  page.results = std::move(body["results"]);
  page.readable = true;
  return page;
}

void pretix_client::get_page(const std::string& url, std::function<void(pretix_page)> done) const {
  get_url(url, [this, done = std::move(done)](pretix_answer answer) {
    done(read_page(std::move(answer)));
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
    pretix_page_trail trail;
  };
  auto state = std::make_shared<paging>(
      paging{this, std::move(done), nlohmann::json::array(), max_pages, {}});
  // Each page's completion (holding the step) asks for the next one; the step holds itself only
  // weakly, so nothing is left over after the last page.
  auto step = std::make_shared<std::function<void(std::string)>>();
  std::weak_ptr<std::function<void(std::string)>> weak = step;
  *step = [state, weak](std::string url) {
    auto self = weak.lock();
    state->client->get_page(url, [state, self](pretix_page page) {
      auto finish = [&](pretix_answer a) {
        auto done = std::move(state->done);
        done(std::move(a), std::move(state->results));
      };
      if (page.answer.status != 200) return finish(std::move(page.answer));
      if (!page.readable) return finish({0, "", page.answer.problem, true});
      for (auto& r : page.results) state->results.push_back(std::move(r));
      if (page.next.empty()) return finish(std::move(page.answer));
      if (--state->pages_left <= 0) return finish({0, "", "more list pages than allowed", true});
      if (auto loop = state->trail.visit(page.next); !loop.empty()) {
        return finish({0, "", std::move(loop), true});
      }
      (*self)(page.next);
    });
  };
  state->trail.visit(base_url_ + path);
  (*step)(base_url_ + path);
}

std::string pretix_page_trail::visit(const std::string& url) {
  if (urls_.insert(url).second) return "";
  return "pretix's next page link repeats a page already fetched (a page loop): " + url;
}

std::string pretix_body_problem(const std::string& body, const std::string& content_type) {
  if (nlohmann::json::accept(body)) return "";
  const auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "pretix answered an empty body";
  if (content_type.find("html") != std::string::npos || body[first] == '<') {
    return "pretix answered HTML, not JSON" +
           (content_type.empty() ? std::string() : " (Content-Type: " + content_type + ")");
  }
  try {
    (void)nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    if (e.byte > body.size()) {
      return "pretix's answer is truncated JSON: it ends after " + std::to_string(body.size()) +
             " bytes, inside the document";
    }
    return "pretix's answer is not JSON (invalid at byte " + std::to_string(e.byte) + " of " +
           std::to_string(body.size()) + ")";
  }
  return "pretix's answer is not JSON";
}

pretix_failure pretix_failure_of(const pretix_answer& a) {
  if (a.status == 401 || a.status == 403) return pretix_failure::refused_token;
  if (a.status == 429) return pretix_failure::rate_limited;
  if (a.status != 0) return pretix_failure::http_status;
  if (a.too_large) return pretix_failure::too_large;
  if (a.unreadable) return pretix_failure::unreadable;
  return a.timed_out ? pretix_failure::timeout : pretix_failure::unreachable;
}

std::string pretix_failure_reason(const pretix_answer& a) {
  if (a.status == 0) return a.problem;
  if (a.status == 401 || a.status == 403) {
    return "pretix refused the shop token (HTTP " + std::to_string(a.status) + ")";
  }
  if (a.status == 429) {
    return "pretix is rate limiting the shop token (HTTP 429" +
           (a.retry_after.empty() ? std::string() : ", Retry-After: " + a.retry_after) + ")";
  }
  return "pretix answered HTTP " + std::to_string(a.status);
}

}  // namespace tixsync::api
