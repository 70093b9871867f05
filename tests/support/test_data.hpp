// Where the tests find their data (tests/data/, copies of the shared pretix fixtures plus the
// project's own cases) and small helpers to read it.
#pragma once

#include <string>
#include <vector>

namespace tixsync::testing {

/// Absolute path of a file under tests/data/.
std::string test_data_path(const std::string& name);

/// The whole content of a file under tests/data/; fails the test (throws) when it is missing.
std::string read_test_data(const std::string& name);

/// The whole content of the file at `path` ("" when it cannot be read).
std::string read_text(const std::string& path);

/// The non-empty lines of a JSON-lines file under tests/data/.
std::vector<std::string> read_test_data_lines(const std::string& name);

}  // namespace tixsync::testing
