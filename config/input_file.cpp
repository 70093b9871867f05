// Opening without blocking, the regular-file check, capped whole reads and bounded line reads.
#include "config/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tixsync::config {
namespace {

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a plain file";
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) {
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

input_file::input_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    error_ = std::strerror(errno);
    return;
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    error_ = std::string("not a regular file (") + kind_of(info.st_mode) + ")";
    ::close(fd);
    return;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  fd_ = fd;
  size_ = static_cast<std::uint64_t>(info.st_size);
}

input_file::~input_file() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> input_file::read_all(std::size_t max_bytes) {
  if (!ok()) return std::nullopt;
  std::string out;
  char chunk[65536];
  for (;;) {
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return error_ = std::strerror(errno), std::nullopt;
    if (n == 0) return out;
    // The size at open is not trusted: the file may grow while it is read.
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      error_ = "larger than " + format_bytes(max_bytes) + ", the most read from such a file";
      return std::nullopt;
    }
    out.append(chunk, static_cast<std::size_t>(n));
  }
}

bool input_file::fill() {
  if (eof_ || !ok()) return false;
  if (buffer_.empty()) buffer_.resize(65536);
  for (;;) {
    const ssize_t n = ::read(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_ = std::strerror(errno);
    if (n <= 0) return eof_ = true, false;
    begin_ = 0;
    end_ = static_cast<std::size_t>(n);
    return true;
  }
}

bool input_file::next_line(std::string& line, std::size_t max_line, bool& too_long) {
  line.clear();
  too_long = false;
  bool any = false;
  for (;;) {
    if (begin_ == end_ && !fill()) break;
    any = true;
    const char* start = buffer_.data() + begin_;
    const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - begin_));
    const std::size_t length = newline ? static_cast<std::size_t>(newline - start) : end_ - begin_;
    const std::size_t room = max_line - std::min(max_line, line.size());
    if (length > room) too_long = true;
    line.append(start, std::min(length, room));
    begin_ += length + (newline ? 1 : 0);
    if (newline) break;
  }
  if (!any) return false;
  ++line_number_;
  if (!too_long && !line.empty() && line.back() == '\r') line.pop_back();
  return true;
}

void input_file::rewind() {
  if (!ok()) return;
  ::lseek(fd_, 0, SEEK_SET);
  begin_ = end_ = 0;
  eof_ = false;
  line_number_ = 0;
}

std::optional<std::string> read_input_file(const std::string& path, std::size_t max_bytes,
                                           std::string& error) {
  input_file file(path);
  std::optional<std::string> text = file.read_all(max_bytes);
  if (!text) error = "cannot read " + path + ": " + file.error();
  return text;
}

}  // namespace tixsync::config
