// pretix's normalize_email / get_email_domain. The host goes through the same steps as CPython's
// encodings.idna codec: an all-ASCII host is only length-checked, otherwise every label is run
// through libidn's IDNA 2003 ToASCII (nameprep with unassigned code points allowed, no STD3 rules).
#include "mapping/email.hpp"

#include <idna.h>

#include <cstdint>
#include <vector>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {

namespace {

constexpr std::size_t max_label_octets = 63;

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) > 0x7F) return false;
  }
  return true;
}

[[noreturn]] void fail(std::string_view host, const std::string& why) {
  throw field_internal_error("cannot IDNA-encode email host '" + std::string(host) + "': " + why);
}

/// CPython's ASCII fast path: every label but the last needs 1..63 octets, the last (empty after
/// a trailing dot) at most 63.
void check_ascii_labels(std::string_view host) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t dot = host.find('.', start);
    const std::size_t length = (dot == std::string_view::npos ? host.size() : dot) - start;
    if (length > max_label_octets) fail(host, "label too long");
    if (dot == std::string_view::npos) return;
    if (length == 0) fail(host, "empty label");
    start = dot + 1;
  }
}

/// Strict UTF-8 decoding (no overlongs, surrogates or code points above U+10FFFF).
std::vector<std::uint32_t> decode_utf8(std::string_view text) {
  std::vector<std::uint32_t> out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t cp = lead;
    if (lead >= 0xC2 && lead < 0xE0) {
      extra = 1, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead < 0xF0) {
      extra = 2, cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead < 0xF5) {
      extra = 3, cp = lead & 0x07;
    } else if (lead >= 0x80) {
      fail(text, "invalid UTF-8");
    }
    if (text.size() - i <= extra) fail(text, "invalid UTF-8");
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) fail(text, "invalid UTF-8");
      cp = (cp << 6) | (next & 0x3F);
    }
    if ((extra == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10FFFF))) {
      fail(text, "invalid UTF-8");
    }
    out.push_back(cp);
    i += extra + 1;
  }
  return out;
}

bool is_idna_dot(std::uint32_t cp) {
  return cp == 0x2E || cp == 0x3002 || cp == 0xFF0E || cp == 0xFF61;
}

/// CPython's ToASCII for one label, appended to `out`.
void append_label(const std::uint32_t* label, std::size_t length, std::string_view host,
                  std::string& out) {
  bool ascii = true;
  for (std::size_t i = 0; i < length; ++i) {
    if (label[i] > 0x7F) ascii = false;
    // libidn works on NUL-terminated strings; Python would keep the NUL. Refuse it.
    if (label[i] == 0) fail(host, "NUL character in label");
  }
  if (ascii) {
    if (length == 0 || length > max_label_octets) fail(host, "label empty or too long");
    for (std::size_t i = 0; i < length; ++i) out += static_cast<char>(label[i]);
    return;
  }
  char encoded[max_label_octets + 2] = {};
  const int rc = idna_to_ascii_4i(label, length, encoded, IDNA_ALLOW_UNASSIGNED);
  if (rc != IDNA_SUCCESS) fail(host, idna_strerror(static_cast<Idna_rc>(rc)));
  out += encoded;
}

std::string encode_unicode_host(std::string_view host) {
  const std::vector<std::uint32_t> cps = decode_utf8(host);
  std::vector<std::pair<std::size_t, std::size_t>> labels;  // (start, length)
  std::size_t start = 0;
  for (std::size_t i = 0; i <= cps.size(); ++i) {
    if (i == cps.size() || is_idna_dot(cps[i])) {
      labels.emplace_back(start, i - start);
      start = i + 1;
    }
  }
  const bool trailing_dot = labels.size() > 1 && labels.back().second == 0;
  if (trailing_dot) labels.pop_back();
  std::string out;
  out.reserve(host.size() + 8);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += '.';
    append_label(cps.data() + labels[i].first, labels[i].second, host, out);
  }
  if (trailing_dot) out += '.';
  return out;
}

}  // namespace

std::string idna_encode_host(std::string_view host) {
  if (host.empty()) return {};
  if (is_ascii(host)) {
    check_ascii_labels(host);
    return std::string(host);
  }
  return encode_unicode_host(host);
}

std::optional<std::string> normalize_email(const std::optional<std::string>& email) {
  if (!email || email->empty()) return std::nullopt;
  const std::size_t at = email->find('@');
  if (at == std::string::npos || email->find('@', at + 1) != std::string::npos) {
    throw field_internal_error("malformed email '" + *email + "': expected exactly one '@'");
  }
  const std::string_view host = std::string_view(*email).substr(at + 1);
  // An ASCII host encodes to itself, so the address stays as it is (no rebuilding).
  if (is_ascii(host)) {
    if (!host.empty()) check_ascii_labels(host);
    return email;
  }
  std::string out = email->substr(0, at + 1);
  out += encode_unicode_host(host);
  return out;
}

std::optional<std::string> email_domain(const std::optional<std::string>& normalized_email) {
  if (!normalized_email || normalized_email->empty()) return std::nullopt;
  const std::size_t at = normalized_email->find('@');
  if (at == std::string::npos || normalized_email->find('@', at + 1) != std::string::npos) {
    throw field_internal_error("malformed email '" + *normalized_email +
                               "': expected exactly one '@'");
  }
  return normalized_email->substr(at + 1);
}

}  // namespace tixsync::mapping
