// Tests pretix's email normalisation: IDNA 2003 host conversion exactly as Python's "idna" codec
// (expected values produced with CPython), the one-'@' rule and the email domain.
#include "mapping/email.hpp"

#include <gtest/gtest.h>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {
namespace {

std::string normalized(const std::string& email) {
  return normalize_email(email).value();
}

TEST(email, reference_examples) {
  EXPECT_EQ(normalized("anonymous@🌈.example.org"), "anonymous@xn--og8h.example.org");
  EXPECT_EQ(normalized("Noah@Ärzte.Example"), "Noah@xn--rzte-koa.Example");
  EXPECT_EQ(normalized("kai@straße.example"), "kai@strasse.example");
  EXPECT_EQ(normalized("ops-team@EXAMPLE.NET"), "ops-team@EXAMPLE.NET");
  EXPECT_EQ(normalized("sofia@müller-bau.example"), "sofia@xn--mller-bau-q9a.example");
  EXPECT_EQ(normalized("rafael@josé.example"), "rafael@xn--jos-dma.example");
  EXPECT_EQ(normalized("jonas@bücher.example"), "jonas@xn--bcher-kva.example");
}

TEST(email, local_part_is_kept_byte_for_byte) {
  EXPECT_EQ(normalized("Jürgen.Groß+Tag@bücher.example"), "Jürgen.Groß+Tag@xn--bcher-kva.example");
  EXPECT_EQ(normalized("@example.org"), "@example.org");
}

TEST(email, missing_or_empty_email_is_null) {
  EXPECT_FALSE(normalize_email(std::nullopt).has_value());
  EXPECT_FALSE(normalize_email(std::string()).has_value());
}

TEST(email, empty_host_passes) {
  EXPECT_EQ(normalized("a@"), "a@");
  EXPECT_EQ(idna_encode_host(""), "");
}

TEST(email, needs_exactly_one_at) {
  EXPECT_THROW(normalize_email(std::string("no-at.example")), field_internal_error);
  EXPECT_THROW(normalize_email(std::string("a@b@example.org")), field_internal_error);
  EXPECT_THROW(normalize_email(std::string("@@")), field_internal_error);
}

TEST(email, nameprep_mapping_and_normalisation) {
  EXPECT_EQ(idna_encode_host("ＡＢＣ.example"), "abc.example");
  EXPECT_EQ(idna_encode_host("ß.de"), "ss.de");
  EXPECT_EQ(idna_encode_host("Bücher.DE"), "xn--bcher-kva.DE");
  EXPECT_EQ(idna_encode_host("ﬁ.example"), "fi.example");
  EXPECT_EQ(idna_encode_host("x\u00adn.example"), "xn.example");  // soft hyphen maps to nothing
  EXPECT_EQ(idna_encode_host("İstanbul.tr"), "xn--istanbul-o0e.tr");
  EXPECT_EQ(idna_encode_host("ΑΒΓ.gr"), "xn--mxacd.gr");
  EXPECT_EQ(idna_encode_host("ПРИМЕР.рф"), "xn--e1afmkfd.xn--p1ai");
  EXPECT_EQ(idna_encode_host("例え.テスト"), "xn--r8jz45g.xn--zckzah");
  EXPECT_EQ(idna_encode_host("אב.com"), "xn--4dbc.com");
}

TEST(email, ascii_hosts_are_only_length_checked) {
  EXPECT_EQ(idna_encode_host("Mixed.CASE.example"), "Mixed.CASE.example");
  EXPECT_EQ(idna_encode_host("under_score.example"), "under_score.example");
  EXPECT_EQ(idna_encode_host("example.org."), "example.org.");
  EXPECT_EQ(idna_encode_host("a b.ü"), "a b.xn--tda");
}

TEST(email, alternative_dots_separate_labels) {
  EXPECT_EQ(idna_encode_host("faß．de"), "fass.de");
  EXPECT_EQ(idna_encode_host("bücher｡example"), "xn--bcher-kva.example");
  EXPECT_EQ(idna_encode_host("a\u3002b.c"), "a.b.c");
  EXPECT_EQ(idna_encode_host("bücher.example\u3002"), "xn--bcher-kva.example.");
  EXPECT_EQ(idna_encode_host("ü."), "xn--tda.");
}

TEST(email, label_lengths) {
  const std::string label63(63, 'a');
  EXPECT_EQ(idna_encode_host(label63 + ".ü"), label63 + ".xn--tda");
  EXPECT_EQ(idna_encode_host(label63 + ".example"), label63 + ".example");
  EXPECT_THROW(idna_encode_host(std::string(64, 'a') + ".example"), field_internal_error);
  EXPECT_THROW(idna_encode_host("example." + std::string(64, 'a')), field_internal_error);
  EXPECT_THROW(idna_encode_host(std::string(64, 'a') + ".ü"), field_internal_error);
  std::string long_unicode;
  for (int i = 0; i < 60; ++i) long_unicode += "ü";
  EXPECT_THROW(idna_encode_host(long_unicode), field_internal_error);
  std::string emoji;
  for (int i = 0; i < 20; ++i) emoji += "😀";
  EXPECT_EQ(idna_encode_host(emoji + ".com"), "xn--e28haaaaaaaaaaaaaaaaaaa.com");
}

TEST(email, empty_labels_are_errors_except_one_trailing_dot) {
  EXPECT_THROW(idna_encode_host("a..example"), field_internal_error);
  EXPECT_THROW(idna_encode_host(".example"), field_internal_error);
  EXPECT_THROW(idna_encode_host("."), field_internal_error);
  EXPECT_THROW(idna_encode_host("example.."), field_internal_error);
  EXPECT_THROW(idna_encode_host("a..ü"), field_internal_error);
  EXPECT_THROW(idna_encode_host("\u3002"), field_internal_error);
  EXPECT_THROW(idna_encode_host("\u200b.ü"), field_internal_error);  // maps to an empty label
}

TEST(email, nameprep_rejections) {
  EXPECT_THROW(idna_encode_host("xn--ü.x"), field_internal_error);                // ACE prefix
  EXPECT_THROW(idna_encode_host("\u05d0a.com"), field_internal_error);            // bidi
  EXPECT_THROW(idna_encode_host("a\u0080b.ü"), field_internal_error);             // prohibited
  EXPECT_THROW(idna_encode_host("b\xc3(.example"), field_internal_error);         // invalid UTF-8
  EXPECT_THROW(idna_encode_host("b\xed\xa0\x80.example"), field_internal_error);  // surrogate
}

TEST(email, malformed_email_error_names_the_address) {
  try {
    normalize_email(std::string("x@a..ü"));
    FAIL() << "expected field_internal_error";
  } catch (const field_internal_error& e) {
    EXPECT_NE(std::string(e.what()).find("a..ü"), std::string::npos) << e.what();
  }
}

TEST(email, domain_of_normalised_email) {
  EXPECT_EQ(email_domain(normalize_email(std::string("jonas@bücher.example"))),
            std::optional<std::string>("xn--bcher-kva.example"));
  EXPECT_EQ(email_domain(std::string("a@")), std::optional<std::string>(""));
  EXPECT_FALSE(email_domain(std::nullopt).has_value());
  EXPECT_FALSE(email_domain(normalize_email(std::nullopt)).has_value());
}

}  // namespace
}  // namespace tixsync::mapping
