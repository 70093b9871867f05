// pretix's email normalisation for sync values: the local part unchanged, the host converted with
// Python's "idna" codec (IDNA 2003: nameprep + punycode per label, ASCII labels kept byte for
// byte). Built on GNU libidn (IDNA 2003), not libidn2 (IDNA 2008 would give other results).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace tixsync::mapping {

/// Python's `host.encode("idna")`: labels split at '.', U+3002, U+FF0E and U+FF61; pure-ASCII
/// labels unchanged (case kept), others nameprep-mapped and punycoded with "xn--". An empty host
/// stays empty and one trailing dot is kept (as '.'). Throws field_internal_error for an empty
/// label, a label over 63 octets, invalid UTF-8 or a label nameprep/punycode reject.
std::string idna_encode_host(std::string_view host);

/// pretix's normalize_email: nullopt for a missing or empty email; otherwise exactly one '@'
/// (else field_internal_error), local part unchanged, host through idna_encode_host.
std::optional<std::string> normalize_email(const std::optional<std::string>& email);

/// pretix's get_email_domain of a normalised email: the part after the '@'; nullopt without email.
std::optional<std::string> email_domain(const std::optional<std::string>& normalized_email);

}  // namespace tixsync::mapping
