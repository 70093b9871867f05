// The processes scale_bench starts and measures: a generic child (fork/exec, output to files,
// killed with the driver via PR_SET_PDEATHSIG, stopped by PID with a bounded wait), the
// `tixsync mock-crm` child with its port and stats, and per-process CPU time and peak RSS read
// from /proc. Also the run's deadline, which every wait checks.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tixsync::bench::scale {

/// The whole run's time bound and the driver's interruption (SIGINT/SIGTERM): check() throws
/// std::runtime_error saying what was awaited when either has come.
class run_deadline {
 public:
  explicit run_deadline(std::chrono::seconds limit);
  /// Throws when the deadline passed or the driver was interrupted.
  void check(const std::string& waiting_for) const;
  /// Installs the SIGINT/SIGTERM handler that makes check() throw.
  static void catch_interrupts();

 private:
  std::chrono::steady_clock::time_point until_;
};

/// Unix milliseconds now (the clock the nodes use in the audit log).
std::int64_t unix_ms();

/// CPU time of the whole machine from the first line of /proc/stat, in seconds over all cores.
struct machine_cpu {
  double busy_s = 0;  ///< everything but idle and iowait
  double total_s = 0;
};
machine_cpu read_machine_cpu();

/// User + system CPU seconds of `pid` (/proc/<pid>/stat); 0 when it cannot be read.
double process_cpu_seconds(pid_t pid);
/// Peak resident set size (VmHWM of /proc/<pid>/status) in bytes; 0 when it cannot be read.
std::uint64_t process_peak_rss(pid_t pid);

/// One child process: stdout and stderr go to files; it dies with the driver.
class child_process {
 public:
  /// Starts argv[0] with argv; throws std::runtime_error when fork fails.
  child_process(std::vector<std::string> argv, std::string out_path, std::string err_path);
  /// stop() with a short grace.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// False once it has exited (reaps it).
  bool running();
  /// SIGTERM, a wait of at most `grace`, then SIGKILL; the exit code, -1 after a signal, -3
  /// when it had already been stopped.
  int stop(std::chrono::seconds grace);
  /// What it wrote to stderr / stdout so far.
  std::string err_text() const;
  std::string out_text() const;

 private:
  pid_t pid_ = -1;
  std::string out_path_, err_path_;
};

/// `tixsync mock-crm --port 0 --latency-ms L --threads T` as a child.
class mock_crm_child {
 public:
  /// Starts it and reads its port from the first line it prints (bounded by `deadline`).
  mock_crm_child(const std::string& binary, int latency_ms, int threads, const std::string& dir,
                 const run_deadline& deadline);
  int port() const { return port_; }
  pid_t pid() const { return process_.pid(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  /// GET /_mock/stats; throws when it does not answer.
  nlohmann::json stats() const;
  /// GET /_mock/dump (bounded by 120 s); throws when it does not answer.
  nlohmann::json dump() const;
  int stop(std::chrono::seconds grace) { return process_.stop(grace); }

 private:
  child_process process_;
  int port_ = 0;
};

/// Requests the node made to the mock: every route under /api/, summed (the driver's /_mock
/// requests excluded), from a stats answer. By method when `method` is not empty.
double api_requests(const nlohmann::json& stats, const std::string& method = "");

}  // namespace tixsync::bench::scale
