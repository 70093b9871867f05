// The files an operator names (config, mappings, event bundles, orders, CA files): only regular
// files are read (a FIFO would block, /dev/zero never ends), whole reads are capped, and long
// files are read line by line with a bound on each line, so no input grows memory without end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tixsync::config {

/// The most read from a file that is read whole: a config, a mappings file, an event bundle.
inline constexpr std::size_t max_input_file_bytes = 16 * 1024 * 1024;

/// "16 MiB", "1 MiB", "512 KiB", "100 bytes".
std::string format_bytes(std::uint64_t bytes);

/// A regular file opened for reading, closed on destruction. Opening never blocks: a FIFO, a
/// device, a socket or a directory is refused before anything is read.
class input_file {
 public:
  explicit input_file(const std::string& path);
  ~input_file();
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;

  /// False when the file cannot be opened or is not a regular file; error() says why.
  bool ok() const { return fd_ >= 0; }
  /// Why it cannot be read, e.g. "not a regular file (a FIFO)" (without the path).
  const std::string& error() const { return error_; }
  /// The size when opened.
  std::uint64_t size() const { return size_; }

  /// The whole content when it has at most `max_bytes`; nullopt (and error()) otherwise.
  std::optional<std::string> read_all(std::size_t max_bytes);
  /// The next line without its "\n" and a trailing "\r"; false at the end (or a read error,
  /// then error() is set). At most `max_line` bytes of a line are kept: `too_long` says the line
  /// had more (the rest is skipped, never held).
  bool next_line(std::string& line, std::size_t max_line, bool& too_long);
  /// 1-based number of the line next_line() returned last.
  std::int64_t line_number() const { return line_number_; }
  /// Back to the first line.
  void rewind();

 private:
  bool fill();

  int fd_ = -1;
  std::string error_;
  std::uint64_t size_ = 0;
  std::vector<char> buffer_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  std::int64_t line_number_ = 0;
};

/// The whole regular file at `path` when it has at most `max_bytes`; otherwise nullopt and
/// `error` says why, e.g. "cannot read /dev/zero: not a regular file (a character device)".
std::optional<std::string> read_input_file(const std::string& path, std::size_t max_bytes,
                                           std::string& error);

}  // namespace tixsync::config
