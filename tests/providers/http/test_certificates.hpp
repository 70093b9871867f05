// Throwaway TLS material for the HTTPS tests: a CA and two server certificates it signed, made
// with the `openssl` command line tool in a temporary folder that is removed again.
#pragma once

#include <string>
#include <vector>

#include "tests/providers/http/loopback_server.hpp"

namespace tixsync::testing {

class test_certificates {
 public:
  /// Creates the files; throws std::runtime_error with openssl's output when that fails.
  test_certificates();
  ~test_certificates();
  test_certificates(const test_certificates&) = delete;
  test_certificates& operator=(const test_certificates&) = delete;

  /// PEM of the test CA, for client_options::ca_file.
  std::string ca_file() const { return dir_ + "/ca.pem"; }
  /// For "localhost" and 127.0.0.1 (subjectAltName DNS:localhost, IP:127.0.0.1).
  server_tls_files localhost() const;
  /// For "other.example" only: a host-name mismatch when reached as 127.0.0.1 or localhost.
  server_tls_files other_host() const;

 private:
  void openssl(const std::vector<std::string>& args) const;
  void make_server(const std::string& name, const std::string& alt_names,
                   const std::string& serial) const;

  std::string dir_;
};

}  // namespace tixsync::testing
