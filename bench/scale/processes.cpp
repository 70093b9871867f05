// Child processes of scale_bench (fork/exec, stopped by PID), the mock CRM child, /proc readings
// and the run's deadline (processes.hpp).
#include "bench/scale/processes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/http_fetch.hpp"

namespace tixsync::bench::scale {
namespace {

std::atomic<int> interrupted{0};

extern "C" void on_interrupt(int signo) {
  interrupted.store(signo);
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

run_deadline::run_deadline(std::chrono::seconds limit)
    : until_(std::chrono::steady_clock::now() + limit) {}

void run_deadline::check(const std::string& waiting_for) const {
  if (const int signo = interrupted.load()) {
    throw std::runtime_error("interrupted by signal " + std::to_string(signo) + " while " +
                             waiting_for);
  }
  if (std::chrono::steady_clock::now() > until_) {
    throw std::runtime_error("the run's time limit (--timeout) passed while " + waiting_for);
  }
}

void run_deadline::catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

machine_cpu read_machine_cpu() {
  std::istringstream line(read_text("/proc/stat"));
  std::string cpu;
  line >> cpu;
  double value = 0, total = 0, idle = 0;
  // user nice system idle iowait irq softirq steal
  for (int i = 0; i < 8 && line >> value; ++i) {
    total += value;
    if (i == 3 || i == 4) idle += value;
  }
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  return {(total - idle) / tick, total / tick};
}

double process_cpu_seconds(pid_t pid) {
  const std::string text = read_text("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = text.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Field 3 (state) is the first after the command name; utime and stime are 14 and 15.
  for (int i = 3; fields >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) {
      stime = std::stod(field);
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::uint64_t process_peak_rss(pid_t pid) {
  std::istringstream lines(read_text("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream value(line.substr(6));
      std::uint64_t kb = 0;
      value >> kb;
      return kb * 1024;
    }
  }
  return 0;
}

child_process::child_process(std::vector<std::string> argv, std::string out_path,
                             std::string err_path)
    : out_path_(std::move(out_path)), err_path_(std::move(err_path)) {
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed for " + argv.at(0));
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the driver
    if (getppid() != parent) _exit(127);
    const int out = open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0) _exit(126);
    dup2(out, 1);
    dup2(err, 2);
    // The driver's signal mask and handlers are not the child's.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    execv(raw[0], raw.data());
    _exit(127);
  }
}

child_process::~child_process() {
  stop(std::chrono::seconds(10));
}

bool child_process::running() {
  if (pid_ <= 0) return false;
  if (waitpid(pid_, nullptr, WNOHANG) == pid_) pid_ = -1;
  return pid_ > 0;
}

int child_process::stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return -3;
  kill(pid_, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

std::string child_process::err_text() const {
  return read_text(err_path_);
}

std::string child_process::out_text() const {
  return read_text(out_path_);
}

mock_crm_child::mock_crm_child(const std::string& binary, int latency_ms, int threads,
                               const std::string& dir, const run_deadline& deadline)
    : process_({binary, "mock-crm", "--port", "0", "--latency-ms", std::to_string(latency_ms),
                "--threads", std::to_string(threads)},
               dir + "/mock.out", dir + "/mock.err") {
  const std::string prefix = "mock-crm listening on http://127.0.0.1:";
  for (int i = 0; i < 2000; ++i) {
    const std::string out = process_.out_text();
    const auto end = out.find('\n');
    if (end != std::string::npos) {
      if (out.rfind(prefix, 0) != 0) throw std::runtime_error("mock-crm printed: " + out);
      port_ = std::stoi(out.substr(prefix.size(), end - prefix.size()));
      return;
    }
    if (!process_.running()) {
      throw std::runtime_error("mock-crm exited at start: " + process_.err_text());
    }
    deadline.check("waiting for mock-crm to listen");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error("mock-crm printed no port within 20 s");
}

nlohmann::json mock_crm_child::stats() const {
  const auto r = testing::fetch("GET", port_, "/_mock/stats");
  if (r.status != 200) throw std::runtime_error("mock-crm /_mock/stats: " + r.error);
  return nlohmann::json::parse(r.body);
}

nlohmann::json mock_crm_child::dump() const {
  const auto r =
      testing::fetch("GET", port_, "/_mock/dump", "", {}, std::chrono::milliseconds(120000));
  if (r.status != 200) throw std::runtime_error("mock-crm /_mock/dump: " + r.error);
  return nlohmann::json::parse(r.body);
}

double api_requests(const nlohmann::json& stats, const std::string& method) {
  double n = 0;
  const auto& routes = stats.at("requests").at("by_route");
  for (const auto& [route, count] : routes.items()) {
    const auto space = route.find(' ');
    if (route.compare(space + 1, 5, "/api/") != 0) continue;
    if (!method.empty() && route.compare(0, space, method) != 0) continue;
    n += count.get<double>();
  }
  return n;
}

}  // namespace tixsync::bench::scale
