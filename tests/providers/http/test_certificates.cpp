// Test CA and server certificates (see test_certificates.hpp): small config files written next
// to the keys, so the system's openssl.cnf plays no part, and EC P-256 keys, which are quick.
#include "tests/providers/http/test_certificates.hpp"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "tests/support/command.hpp"

namespace tixsync::testing {
namespace {

const char* const openssl_binary = "/usr/bin/openssl";

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

test_certificates::test_certificates() {
  char name[] = "/tmp/tixsync-tls-XXXXXX";
  if (mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = name;
  write_file(dir_ + "/ca.cnf",
             "[req]\n"
             "distinguished_name = dn\n"
             "prompt = no\n"
             "[dn]\n"
             "CN = tixsync test CA\n"
             "[v3_ca]\n"
             "basicConstraints = critical,CA:TRUE\n"
             "keyUsage = critical,keyCertSign,cRLSign\n"
             "subjectKeyIdentifier = hash\n");
  openssl({"req", "-x509", "-config", dir_ + "/ca.cnf", "-extensions", "v3_ca", "-newkey", "ec",
           "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", dir_ + "/ca.key",
           "-out", dir_ + "/ca.pem", "-days", "2"});
  make_server("localhost", "DNS:localhost,IP:127.0.0.1", "2");
  make_server("other.example", "DNS:other.example", "3");
}

test_certificates::~test_certificates() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

server_tls_files test_certificates::localhost() const {
  return {dir_ + "/localhost.pem", dir_ + "/localhost.key"};
}

server_tls_files test_certificates::other_host() const {
  return {dir_ + "/other.example.pem", dir_ + "/other.example.key"};
}

void test_certificates::make_server(const std::string& name, const std::string& alt_names,
                                    const std::string& serial) const {
  const std::string base = dir_ + "/" + name;
  write_file(base + ".cnf",
             "[req]\n"
             "distinguished_name = dn\n"
             "prompt = no\n"
             "[dn]\n"
             "CN = " +
                 name +
                 "\n"
                 "[ext]\n"
                 "basicConstraints = CA:FALSE\n"
                 "keyUsage = critical,digitalSignature\n"
                 "extendedKeyUsage = serverAuth\n"
                 "subjectAltName = " +
                 alt_names + "\n");
  openssl({"req", "-new", "-config", base + ".cnf", "-newkey", "ec", "-pkeyopt",
           "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", base + ".key", "-out",
           base + ".csr"});
  openssl({"x509", "-req", "-in", base + ".csr", "-CA", dir_ + "/ca.pem", "-CAkey",
           dir_ + "/ca.key", "-set_serial", serial, "-days", "2", "-extfile", base + ".cnf",
           "-extensions", "ext", "-out", base + ".pem"});
}

void test_certificates::openssl(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{openssl_binary};
  argv.insert(argv.end(), args.begin(), args.end());
  const command_result result = run_command(argv, "", std::chrono::seconds(60));
  if (result.exit_code != 0) {
    throw std::runtime_error("openssl " + args.front() + " failed (exit " +
                             std::to_string(result.exit_code) + "): " + result.err);
  }
}

}  // namespace tixsync::testing
