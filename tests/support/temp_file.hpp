// A temporary file for a test: created with the given content (and an optional suffix such as
// ".toml"), removed when it goes out of scope.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace tixsync::testing {

class temp_file {
 public:
  explicit temp_file(const std::string& content, const std::string& suffix = "") {
    std::string name = "/tmp/tixsync-test-XXXXXX" + suffix;
    int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
    if (fd >= 0) close(fd);
    path_ = name;
    std::ofstream(path_) << content;
  }
  ~temp_file() { std::remove(path_.c_str()); }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace tixsync::testing
