// Internal to api/: what the server refuses in a request head before it routes the request,
// because two HTTP parties could frame the message differently (request smuggling, RFC 9112
// §6.1, §6.3, §5.2, §3.2), and the words for a head Beast's parser rejected.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace tixsync::api::detail {

/// Why a request head is refused: the status to answer (the connection then closes) and why.
struct head_problem {
  int status = 400;
  std::string message;
};

/// True when `bytes`, request-head bytes as the parser took them in, hold an obsolete line fold
/// (a line break followed by SP or HTAB). The parser accepts folds and joins the lines, so they
/// are only visible here.
bool has_obs_fold(std::string_view bytes);

/// What is wrong with a parsed request head, or nullopt: an obsolete line fold (`obs_fold`);
/// an HTTP/1.1 request without Host or with more than one; Transfer-Encoding in HTTP/1.0, with
/// Content-Length, or not ending in chunked (400); another coding before chunked (501: only
/// chunked is decoded).
std::optional<head_problem> framing_problem(const boost::beast::http::request_header<>& head,
                                            bool obs_fold);

/// The message for a head the parser rejected with `ec`. `unparsed` starts at the line it
/// stopped at: a line that ends in a bare LF is called that (the parser says "bad version").
std::string malformed_head_message(const boost::system::error_code& ec, std::string_view unparsed,
                                   bool request_line);

}  // namespace tixsync::api::detail
