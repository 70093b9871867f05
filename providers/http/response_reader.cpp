// The response parser (see response_reader.hpp): Beast's basic_parser does the HTTP/1.1 syntax,
// limits, chunked decoding and keep-alive rules; these callbacks only store what it found.
#include "providers/http/response_reader.hpp"

namespace tixsync::providers::http::detail {

namespace {
// Enough for the fields of a typical API answer (Node.js sends six), in one allocation.
constexpr std::size_t expected_fields = 8;
}  // namespace

response_reader::response_reader(std::uint64_t body_limit, std::uint32_t header_limit, bool head) {
  eager(true);
  this->body_limit(body_limit);
  this->header_limit(header_limit);
  if (head) skip(true);  // a HEAD response has headers only
}

void response_reader::on_response_impl(int code, string_view, int, error_code&) {
  response_.status = code;
  response_.headers.reserve(expected_fields);
}

void response_reader::on_field_impl(boost::beast::http::field, string_view name_string,
                                    string_view value, error_code&) {
  response_.headers.emplace_back(std::string(name_string), std::string(value));
}

void response_reader::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                        error_code&) {
  // basic_parser has checked the length against the body limit already.
  if (content_length) response_.body.reserve(static_cast<std::size_t>(*content_length));
}

std::size_t response_reader::on_body_impl(string_view body, error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

std::size_t response_reader::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  response_.body.append(body.data(), body.size());
  return body.size();
}

}  // namespace tixsync::providers::http::detail
