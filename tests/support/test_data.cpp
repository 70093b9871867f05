// Reads files under tests/data/ for the tests.
#include "tests/support/test_data.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tixsync::testing {

std::string test_data_path(const std::string& name) {
  return std::string(TIXSYNC_TEST_DATA_DIR) + "/" + name;
}

std::string read_test_data(const std::string& name) {
  std::ifstream in(test_data_path(name), std::ios::binary);
  if (!in) throw std::runtime_error("test data file missing: " + test_data_path(name));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> read_test_data_lines(const std::string& name) {
  std::istringstream in(read_test_data(name));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace tixsync::testing
