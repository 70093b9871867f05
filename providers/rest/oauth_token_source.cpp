// oauth_token_source: the token request (form body, client authentication), the answer's
// checks, and the single-flight cache.
#include "providers/rest/oauth_token_source.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "providers/rest/credentials.hpp"

namespace tixsync::providers::rest {
namespace {

using json = nlohmann::json;

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// The `error` code of an RFC 6749 5.2 error answer, when it is a plain code (never the
/// description: servers may echo what was sent).
std::string error_code(const std::string& body) {
  const json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object() || !parsed.contains("error") || !parsed["error"].is_string()) return {};
  const std::string code = parsed["error"].get<std::string>();
  const bool plain = code.size() <= 64 && std::all_of(code.begin(), code.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
                     });
  return plain ? code : std::string();
}

std::optional<std::chrono::seconds> lifetime_of(const json& value) {
  double seconds = 0;
  if (value.is_number()) {
    seconds = value.get<double>();
  } else if (value.is_string()) {
    const std::string text = value.get<std::string>();
    if (text.empty() || !std::all_of(text.begin(), text.end(), ::isdigit)) return std::nullopt;
    seconds = std::stod(text);
  } else {
    return std::nullopt;
  }
  if (!(seconds >= 1)) return std::nullopt;
  return std::chrono::seconds(static_cast<std::int64_t>(std::min(seconds, 1e9)));
}

}  // namespace

std::string form_encode(const std::string& value) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '*') {
      out += c;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    }
  }
  return out;
}

std::chrono::milliseconds refresh_margin(std::chrono::seconds lifetime) {
  const std::chrono::milliseconds tenth =
      std::chrono::duration_cast<std::chrono::milliseconds>(lifetime) / 10;
  return std::min<std::chrono::milliseconds>(tenth, std::chrono::seconds(60));
}

std::optional<std::string> read_token_answer(const std::string& body,
                                             std::chrono::seconds without_expiry,
                                             token_grant_answer& out) {
  const json parsed = json::parse(body, nullptr, false);
  if (!parsed.is_object()) return std::string("the answer is not a JSON object");
  if (!parsed.contains("access_token") || !parsed["access_token"].is_string() ||
      parsed["access_token"].get<std::string>().empty()) {
    return std::string("the answer has no access_token");
  }
  if (parsed.contains("token_type") &&
      (!parsed["token_type"].is_string() ||
       lower(parsed["token_type"].get<std::string>()) != "bearer")) {
    return std::string("the token_type is not \"bearer\"");
  }
  out.access_token = parsed["access_token"].get<std::string>();
  out.lifetime = without_expiry;
  if (parsed.contains("expires_in")) {
    if (auto lifetime = lifetime_of(parsed["expires_in"])) out.lifetime = *lifetime;
  }
  if (parsed.contains("refresh_token") && parsed["refresh_token"].is_string() &&
      !parsed["refresh_token"].get<std::string>().empty()) {
    out.refresh_token = parsed["refresh_token"].get<std::string>();
  }
  return std::nullopt;
}

oauth_token_source::oauth_token_source(auth_settings auth,
                                       std::shared_ptr<http::http_transport> transport,
                                       std::chrono::milliseconds timeout, clock_source clock,
                                       std::shared_ptr<http::request_tally> tally)
    : auth_(std::move(auth)),
      transport_(std::move(transport)),
      timeout_(timeout),
      clock_(clock ? std::move(clock) : [] { return std::chrono::steady_clock::now(); }),
      tally_(std::move(tally)),
      refresh_token_(auth_.refresh_token.reveal()) {}

void oauth_token_source::get(token_callback done) {
  std::optional<std::string> cached;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (token_ && clock_() < refresh_at_) {
      cached = token_;
    } else {
      waiting_.push_back(std::move(done));
      if (fetching_) return;  // the fetch in flight answers this caller too
      fetching_ = true;
    }
  }
  if (cached) return done({cached, std::nullopt});
  ++fetches_;
  auto self = shared_from_this();
  transport_->send(token_request(), [self](http::http_result result) { self->fetched(result); });
}

void oauth_token_source::invalidate(const std::string& token) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (token_ && *token_ == token) token_.reset();
}

oauth_token_source::stats oauth_token_source::counters() const {
  return {fetches_.load(), failures_.load()};
}

http::http_request oauth_token_source::token_request() const {
  http::http_request request;
  request.method = "POST";
  request.url = auth_.token_url;
  request.timeout = timeout_;
  std::string body = "grant_type=" + form_encode(auth_.grant);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auth_.grant == "refresh_token") body += "&refresh_token=" + form_encode(refresh_token_);
  }
  if (!auth_.scopes.empty()) {
    std::string scope;
    for (const auto& s : auth_.scopes) scope += (scope.empty() ? "" : " ") + s;
    body += "&scope=" + form_encode(scope);
  }
  const std::string secret = auth_.client_secret.reveal();
  if (auth_.client_auth == "basic" && !secret.empty()) {
    // RFC 6749 2.3.1: id and secret are form-encoded before they are joined for Basic.
    request.headers.emplace_back(
        "Authorization",
        "Basic " + base64_encode(form_encode(auth_.client_id) + ":" + form_encode(secret)));
  } else {
    body += "&client_id=" + form_encode(auth_.client_id);
    if (!secret.empty()) body += "&client_secret=" + form_encode(secret);
  }
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = std::move(body);
  return request;
}

http::transport_error oauth_token_source::failure(const std::string& what) const {
  return {http::transport_error_kind::credentials,
          "token endpoint " + auth_.token_url + " failed: " + what};
}

void oauth_token_source::fetched(const http::http_result& result) {
  token_outcome outcome;
  token_grant_answer answer;
  if (!result.response) {
    const auto& error = result.error;
    outcome.error = failure(error ? std::string(http::to_string(error->kind)) +
                                        (error->message.empty() ? "" : " (" + error->message + ")")
                                  : std::string("no answer"));
  } else if (result.response->status < 200 || result.response->status > 299) {
    const std::string code = error_code(result.response->body);
    outcome.error = failure("HTTP " + std::to_string(result.response->status) +
                            (code.empty() ? "" : " (" + code + ")"));
  } else if (auto problem =
                 read_token_answer(result.response->body, lifetime_without_expiry, answer)) {
    outcome.error =
        failure("HTTP " + std::to_string(result.response->status) + ", but " + *problem);
  } else {
    outcome.access_token = answer.access_token;
  }
  std::vector<token_callback> waiting;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    fetching_ = false;
    waiting.swap(waiting_);
    if (outcome.access_token) {
      token_ = answer.access_token;
      refresh_at_ = clock_() + answer.lifetime - refresh_margin(answer.lifetime);
      if (answer.refresh_token) refresh_token_ = *answer.refresh_token;
    } else {
      ++failures_;
    }
  }
  if (tally_) tally_->add_token_request(!outcome.access_token);
  for (auto& done : waiting) done(outcome);
}

}  // namespace tixsync::providers::rest
