// The signature of a webhook delivery: an HMAC-SHA256 over the send time and the exact body, so a
// receiver can check both that the body comes from whoever holds the secret and that it is fresh
// (a delivery replayed later fails the time check). Signing for the provider, checking for
// receivers (the mock CRM) and tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace tixsync::providers::rest {

/// How far a signature's time may be from the receiver's clock by default (either way).
inline constexpr std::chrono::seconds webhook_signature_tolerance{300};

/// The signature header's value: "t=<unix seconds>,v1=<lower-case hex of
/// HMAC-SHA256(secret, "<unix seconds>.<body>")>".
std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body);

/// "" when `header` is a signature of `body` with `secret` whose time lies within `tolerance` of
/// `now_unix_seconds`; else what is wrong (never the secret or the expected value). Several
/// "v1=" values are allowed (one of them must match), unknown "k=v" parts are ignored.
std::string check_webhook_signature(const std::string& secret, const std::string& header,
                                    const std::string& body, std::int64_t now_unix_seconds,
                                    std::chrono::seconds tolerance = webhook_signature_tolerance);

}  // namespace tixsync::providers::rest
