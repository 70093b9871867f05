// Internal to providers/http: the parser of one HTTP/1.1 response, straight into the
// http_response the client hands out (status, header fields in order, body), without Beast's
// field container in between. It parses eagerly: the header and whatever body a read brought in
// one call, so a response that arrives in one piece is finished by one read.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::http::detail {

class response_reader final : public boost::beast::http::basic_parser<false> {
 public:
  /// `body_limit`: bytes of body at most (body_limit error beyond); `header_limit` likewise;
  /// `head`: the response of a HEAD request, headers only.
  response_reader(std::uint64_t body_limit, std::uint32_t header_limit, bool head);

  /// The response parsed so far; complete once is_done().
  http_response& response() { return response_; }

 private:
  using error_code = boost::beast::error_code;
  using string_view = boost::beast::string_view;

  void on_request_impl(boost::beast::http::verb, string_view, string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, string_view reason, int version, error_code& ec) override;
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code& ec) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code& ec) override;
  std::size_t on_body_impl(string_view body, error_code& ec) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t remain, string_view body, error_code& ec) override;
  void on_finish_impl(error_code&) override {}

  http_response response_;
};

}  // namespace tixsync::providers::http::detail
