// The request-head checks of request_head.hpp: obsolete line folds, Host, and the framing a
// Transfer-Encoding announces. Beast 1.74 takes a Transfer-Encoding that does not end in
// chunked as "no body", so the body's bytes would be read as the next request: refused here.
#include "api/request_head.hpp"

#include <boost/beast/http/error.hpp>
#include <vector>

namespace tixsync::api::detail {
namespace {

namespace http = boost::beast::http;

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowered(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = lower(c);
  return out;
}

std::string_view trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

/// A coding named in the message, cut short: it is client input.
std::string quoted(std::string_view coding) {
  constexpr std::size_t limit = 40;
  if (coding.size() > limit) return "'" + std::string(coding.substr(0, limit)) + "...'";
  return "'" + std::string(coding) + "'";
}

/// The transfer codings of every Transfer-Encoding field, in order, lower case.
std::vector<std::string> transfer_codings(const http::request_header<>& head) {
  std::vector<std::string> codings;
  auto [begin, end] = head.equal_range(http::field::transfer_encoding);
  for (auto field = begin; field != end; ++field) {
    std::string_view value(field->value().data(), field->value().size());
    while (!value.empty()) {
      const auto comma = value.find(',');
      const auto coding = trimmed(value.substr(0, comma));
      if (!coding.empty()) codings.push_back(lowered(coding));
      value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    }
  }
  return codings;
}

std::optional<head_problem> transfer_encoding_problem(const http::request_header<>& head) {
  const auto codings = transfer_codings(head);
  auto refuse = [](std::string why) { return head_problem{400, std::move(why)}; };
  if (head.version() < 11) {
    return refuse("Transfer-Encoding in an HTTP/1.0 request: its framing is unreliable");
  }
  if (head.count(http::field::content_length) > 0) {
    return refuse(
        "Transfer-Encoding and Content-Length together: the length of the body is ambiguous");
  }
  if (codings.empty() || codings.back() != "chunked") {
    return refuse("Transfer-Encoding must end in chunked, not " +
                  (codings.empty() ? std::string("be empty") : quoted(codings.back())) +
                  ": the length of the body is unknown");
  }
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (codings[i] == "chunked") return refuse("Transfer-Encoding names chunked more than once");
  }
  if (codings.size() > 1) {
    return head_problem{
        501, "transfer coding " + quoted(codings.front()) + " is not supported; only chunked is"};
  }
  return std::nullopt;
}

}  // namespace

bool has_obs_fold(std::string_view bytes) {
  for (auto lf = bytes.find('\n'); lf != std::string_view::npos; lf = bytes.find('\n', lf + 1)) {
    if (lf + 1 < bytes.size() && (bytes[lf + 1] == ' ' || bytes[lf + 1] == '\t')) return true;
  }
  return false;
}

std::optional<head_problem> framing_problem(const http::request_header<>& head, bool obs_fold) {
  if (obs_fold) {
    return head_problem{400,
                        "a header line starts with a space or tab (obsolete line folding); "
                        "send each header field on one line"};
  }
  const auto hosts = head.count(http::field::host);
  if (head.version() >= 11 && hosts == 0) {
    return head_problem{400, "an HTTP/1.1 request needs a Host header"};
  }
  if (hosts > 1) return head_problem{400, "the request has more than one Host header"};
  if (head.count(http::field::transfer_encoding) > 0) return transfer_encoding_problem(head);
  return std::nullopt;
}

std::string malformed_head_message(const boost::system::error_code& ec, std::string_view unparsed,
                                   bool request_line) {
  const std::string prefix = "malformed HTTP request: ";
  const auto lf = unparsed.find('\n');
  if (lf != std::string_view::npos && (lf == 0 || unparsed[lf - 1] != '\r')) {
    return prefix + (request_line ? "the request line" : "a header line") +
           " ends in a bare LF; lines of an HTTP/1.1 request end in CR LF";
  }
  if (ec == http::error::bad_transfer_encoding || ec == http::error::bad_content_length) {
    return prefix + ec.message() +
           " (Content-Length is one number; Transfer-Encoding ends in chunked, names it once "
           "and never comes with Content-Length)";
  }
  return prefix + ec.message();
}

}  // namespace tixsync::api::detail
