// Reads from the shop's pretix REST API for the webhook: one GET, or every page of a list
// (following "next" only within the shop's base URL, so the token never leaves for another host),
// through the asynchronous HTTP client: completions run on its I/O threads, nothing blocks.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace tixsync::providers::http {
class http_transport;
}

namespace tixsync::api {

/// What pretix answered: status 0 when no answer came (then `problem` says why).
struct pretix_answer {
  int status = 0;
  std::string body;
  std::string problem;
};

class pretix_client {
 public:
  /// `base_url` without a trailing slash is fine ("https://pretix.example"); `token` is sent as
  /// "Authorization: Token <token>". The transport must outlive this client's requests.
  pretix_client(providers::http::http_transport& transport, std::string base_url, std::string token,
                std::chrono::milliseconds timeout);

  /// GET base_url + path ("/api/v1/...").
  void get(const std::string& path, std::function<void(pretix_answer)> done) const;
  /// Every page of a list: `results` holds the concatenated "results" when the answer is a 200;
  /// at most `max_pages` pages, more is a problem (status 0).
  void get_all(const std::string& path,
               std::function<void(pretix_answer, nlohmann::json results)> done,
               int max_pages = 50) const;

 private:
  void get_url(const std::string& url, std::function<void(pretix_answer)> done) const;
  providers::http::http_transport& transport_;
  std::string base_url_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tixsync::api
