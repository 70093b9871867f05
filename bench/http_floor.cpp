// The CPU an order's HTTP exchanges cost on their own, without queue, mapping, actors or Redis:
// the peer benchmark's six exchanges per order of two positions (per object a lookup by GET, then
// a create by POST with a JSON body like the one tixsync's mapping sends) against the running Node
// mock CRM (bench/peer/mockcrm/server.js, which answers the lookup of a new object with 404), N
// orders, K of them in flight over at most C keep-alive connections. Two ways to make the same
// requests:
//   client  tixsync's HTTP client (providers/http: Asio and Beast on one I/O thread), as the node
//           uses it;
//   raw     the least a program can do: one thread, epoll, non-blocking sockets, each request one
//           send(), each response read into a buffer and framed by its Content-Length;
// so that the node's CPU per order can be split into what the exchanges cost at the least, what
// the client adds, and what everything else costs. Prints one JSON line: orders/s and CPU
// milliseconds per order of this process (user, system) and of the mock (from its /stats; 0 when
// the server has none). Not part of the test suite; see bench/README.md.
// Usage: http_floor --url http://127.0.0.1:PORT [--mode client|raw] [--orders N]
//                   [--in-flight K] [--connections C]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/bench_support.hpp"
#include "providers/http/http_client.hpp"

namespace {

using namespace tixsync;
using steady = std::chrono::steady_clock;

constexpr const char* usage =
    "usage: http_floor --url http://127.0.0.1:PORT [--mode client|raw] [--orders N]\n"
    "                  [--in-flight K] [--connections C]\n"
    "  --url          the mock CRM's base URL (a loopback address)\n"
    "  --mode         client: tixsync's HTTP client; raw: one epoll thread (default client)\n"
    "  --orders       orders of 2 positions, 6 exchanges each (default 20000)\n"
    "  --in-flight    orders in flight (default 2000)\n"
    "  --connections  keep-alive connections at most (default 1000)\n";

struct options {
  std::string url;
  std::string mode = "client";
  std::size_t orders = 20000;
  std::size_t in_flight = 2000;
  std::size_t connections = 1000;
};

/// One object's two requests, as tixsync's REST provider writes them for the peer benchmark's
/// mapping (the same header fields, bodies of the same shape and size).
struct object_requests {
  std::string type, lookup_target, body;
};

/// The three objects of order `order`, appended to `out`.
void add_objects(std::size_t order, std::vector<object_requests>& out) {
  const std::string code = bench::order_code("FLOOR", order);
  out.push_back({"ticketorders", "/api/ticketorders?code=" + code,
                 R"({"code":")" + code + R"(","email":"buyer.)" + std::to_string(order) +
                     R"(@example.org","order_date":"2025-05-02T09:13:44.123000+00:00",)"
                     R"("status":"p","total":"178.00"})"});
  for (int position = 1; position <= 2; ++position) {
    const std::string ticket = code + "-" + std::to_string(position);
    out.push_back({"tickets", "/api/tickets?ticket_code=" + ticket,
                   R"({"attendee_email":"guest.)" + ticket +
                       R"(@example.org","attendee_name":"Ada Lovelace","order_code":")" + code +
                       R"(","price":"89.00","product":"Festival Pass – Weekend",)"
                       R"("ticket_code":")" +
                       ticket + R"("})"});
  }
}

/// User and system CPU seconds of this process.
std::pair<double, double> cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return {seconds(usage.ru_utime), seconds(usage.ru_stime)};
}

/// The mock's own CPU seconds from GET /stats (process.cpu_user_s + cpu_system_s), or 0.
double mock_cpu_seconds(providers::http::http_client& client, const std::string& url) {
  std::mutex mutex;
  std::condition_variable changed;
  bool done = false;
  double seconds = 0;
  providers::http::http_request request;
  request.url = url + "/stats";
  client.send(request, [&](providers::http::http_result result) {
    if (result.ok() && result.response->status == 200) {
      const auto stats = nlohmann::json::parse(result.response->body, nullptr, false);
      if (stats.is_object() && stats.contains("process")) {
        seconds =
            stats["process"].value("cpu_user_s", 0.0) + stats["process"].value("cpu_system_s", 0.0);
      }
    }
    std::lock_guard<std::mutex> lock(mutex);
    done = true;
    changed.notify_all();
  });
  std::unique_lock<std::mutex> lock(mutex);
  changed.wait_for(lock, std::chrono::seconds(10), [&] { return done; });
  return seconds;
}

// --- client: tixsync's HTTP client ---------------------------------------------------------

class client_run {
 public:
  client_run(const options& opts, const std::vector<object_requests>& objects,
             providers::http::http_client& client)
      : opts_(opts), objects_(objects), client_(client) {}

  /// Syncs every order; returns false when an exchange failed or the run took over 10 minutes.
  bool run() {
    for (std::size_t i = 0; i < opts_.in_flight && i < opts_.orders; ++i) start_next_order();
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, std::chrono::minutes(10), [&] {
      return finished_ == opts_.orders || failed_;
    }) && !failed_;
  }

 private:
  void start_next_order() {
    const std::size_t order = next_order_++;
    if (order >= opts_.orders) return;
    auto left = std::make_shared<std::atomic<int>>(3);
    for (std::size_t k = 0; k < 3; ++k) lookup(objects_[3 * order + k], left);
  }

  void lookup(const object_requests& object, std::shared_ptr<std::atomic<int>> left) {
    providers::http::http_request request;
    request.url = opts_.url + object.lookup_target;
    request.headers = {{"Accept", "application/json"}};
    client_.send(std::move(request), [this, &object, left](providers::http::http_result r) {
      if (!r.ok() || r.response->status != 404) return fail();
      create(object, left);
    });
  }

  void create(const object_requests& object, std::shared_ptr<std::atomic<int>> left) {
    providers::http::http_request request;
    request.method = "POST";
    request.url = opts_.url + "/api/" + object.type;
    request.headers = {{"Accept", "application/json"}, {"Content-Type", "application/json"}};
    request.body = object.body;
    client_.send(std::move(request), [this, left](providers::http::http_result r) {
      if (!r.ok() || r.response->status != 201) return fail();
      if (--*left == 0) order_done();
    });
  }

  void order_done() {
    start_next_order();
    std::lock_guard<std::mutex> lock(mutex_);
    if (++finished_ == opts_.orders) changed_.notify_all();
  }

  void fail() {
    std::lock_guard<std::mutex> lock(mutex_);
    failed_ = true;
    changed_.notify_all();
  }

  const options& opts_;
  const std::vector<object_requests>& objects_;
  providers::http::http_client& client_;
  std::atomic<std::size_t> next_order_{0};
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t finished_ = 0;
  bool failed_ = false;
};

// --- raw: one epoll thread ------------------------------------------------------------------

/// One keep-alive connection of the raw loop and the exchange it carries.
struct raw_connection {
  int fd = -1;
  std::string in;          ///< what arrived of the current response
  int step = 0;            ///< 0: lookup sent, 1: create sent
  std::size_t object = 0;  ///< index into the run's objects
};

class raw_run {
 public:
  raw_run(const options& opts, const std::vector<object_requests>& objects)
      : opts_(opts), objects_(objects) {
    const auto colon = opts.url.rfind(':');
    const std::string host = opts.url.substr(7, colon - 7);
    port_ = static_cast<std::uint16_t>(std::stoi(opts.url.substr(colon + 1)));
    if (host != "127.0.0.1")
      throw std::invalid_argument("--mode raw needs --url http://127.0.0.1:PORT");
    const std::string host_field = opts.url.substr(7);
    // The wire bytes are made before the clock starts: the least a client can do is send them.
    for (const auto& object : objects) {
      lookups_.push_back("GET " + object.lookup_target + " HTTP/1.1\r\nHost: " + host_field +
                         "\r\nAccept: application/json\r\nUser-Agent: tixsync\r\n\r\n");
      creates_.push_back("POST /api/" + object.type + " HTTP/1.1\r\nHost: " + host_field +
                         "\r\nAccept: application/json\r\nContent-Type: application/json\r\n"
                         "User-Agent: tixsync\r\nContent-Length: " +
                         std::to_string(object.body.size()) + "\r\n\r\n" + object.body);
    }
  }

  bool run() {
    epoll_ = epoll_create1(0);
    const std::size_t count = std::min(opts_.connections, opts_.in_flight * 3);
    conns_.resize(count);
    // Objects to sync, in order; each connection takes the next one when it is free.
    for (std::size_t i = 0; i < count; ++i) {
      if (!open(conns_[i]) || !take_next(conns_[i])) break;
    }
    const auto give_up = steady::now() + std::chrono::minutes(10);
    std::vector<epoll_event> events(256);
    while (done_objects_ < objects_.size() && steady::now() < give_up && !failed_) {
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 1000);
      for (int i = 0; i < n; ++i) on_readable(*static_cast<raw_connection*>(events[i].data.ptr));
    }
    for (auto& c : conns_) {
      if (c.fd >= 0) ::close(c.fd);
    }
    ::close(epoll_);
    return done_objects_ == objects_.size() && !failed_;
  }

 private:
  bool open(raw_connection& c) {
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port_);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(c.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
        errno != EINPROGRESS) {
      return false;
    }
    // Connected by the time the first request is sent: loopback connects at once, and a send
    // that fails with EAGAIN is counted as a failure of the run.
    pollfd wait{c.fd, POLLOUT, 0};
    ::poll(&wait, 1, 2000);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.ptr = &c;
    return epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &event) == 0;
  }

  /// Gives `c` the next object's lookup; false when every object is taken.
  bool take_next(raw_connection& c) {
    if (next_object_ >= objects_.size()) return false;
    c.object = next_object_++;
    c.step = 0;
    send_request(c, lookups_[c.object]);
    return true;
  }

  void send_request(raw_connection& c, const std::string& wire) {
    if (::send(c.fd, wire.data(), wire.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(wire.size())) {
      failed_ = true;
    }
  }

  void on_readable(raw_connection& c) {
    char buffer[16384];
    const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      if (n < 0 && errno == EAGAIN) return;
      failed_ = true;
      return;
    }
    c.in.append(buffer, static_cast<std::size_t>(n));
    const auto head_end = c.in.find("\r\n\r\n");
    if (head_end == std::string::npos) return;
    const auto length_at = c.in.find("ontent-Length: ");  // either case of the C
    const auto lower_at = c.in.find("ontent-length: ");
    const auto at = length_at < head_end ? length_at : lower_at;
    if (at == std::string::npos || at > head_end) return void(failed_ = true);
    const std::size_t length = std::strtoul(c.in.c_str() + at + 15, nullptr, 10);
    if (c.in.size() < head_end + 4 + length) return;
    const int status = std::atoi(c.in.c_str() + 9);
    c.in.clear();
    if (c.step == 0) {
      if (status != 404) return void(failed_ = true);
      c.step = 1;
      send_request(c, creates_[c.object]);
      return;
    }
    if (status != 201) return void(failed_ = true);
    ++done_objects_;
    take_next(c);
  }

  const options& opts_;
  const std::vector<object_requests>& objects_;
  std::vector<std::string> lookups_, creates_;
  std::uint16_t port_ = 0;
  int epoll_ = -1;
  std::deque<raw_connection> conns_;
  std::size_t next_object_ = 0, done_objects_ = 0;
  bool failed_ = false;
};

std::size_t positive(const char* name, const char* text) {
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (*text == '\0' || *end != '\0' || value <= 0) {
    std::fprintf(stderr, "http_floor: %s expects a positive number, got '%s'\n", name, text);
    std::exit(2);
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "http_floor: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--url")
      opts.url = value("--url");
    else if (arg == "--mode")
      opts.mode = value("--mode");
    else if (arg == "--orders")
      opts.orders = positive("--orders", value("--orders"));
    else if (arg == "--in-flight")
      opts.in_flight = positive("--in-flight", value("--in-flight"));
    else if (arg == "--connections")
      opts.connections = positive("--connections", value("--connections"));
    else
      bench::help_or_unknown_option("http_floor", arg, usage);
  }
  if (opts.url.rfind("http://127.", 0) != 0 || opts.mode.empty() ||
      (opts.mode != "client" && opts.mode != "raw")) {
    std::fprintf(stderr, "http_floor: --url http://127.x.x.x:PORT and --mode client|raw\n%s",
                 usage);
    return 2;
  }
  providers::http::client_options client_options;
  client_options.max_connections_per_host = opts.connections;
  providers::http::http_client client(client_options);

  std::vector<object_requests> objects;
  objects.reserve(3 * opts.orders);
  for (std::size_t i = 0; i < opts.orders; ++i) add_objects(i, objects);
  std::optional<raw_run> raw;
  std::optional<client_run> through_client;  // outlives the run: stopped with the client below
  try {
    if (opts.mode == "raw")
      raw.emplace(opts, objects);
    else
      through_client.emplace(opts, objects, client);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "http_floor: %s\n", e.what());
    return 2;
  }

  const double mock_before = mock_cpu_seconds(client, opts.url);
  const auto [user_before, system_before] = cpu_seconds();
  const auto started = steady::now();
  const bool ok = raw ? raw->run() : through_client->run();
  const double wall = std::chrono::duration<double>(steady::now() - started).count();
  const auto [user_after, system_after] = cpu_seconds();
  const double user = user_after - user_before, system = system_after - system_before;
  const double mock = mock_cpu_seconds(client, opts.url) - mock_before;
  client.stop();
  if (!ok) {
    std::fprintf(stderr, "http_floor: the run failed (an exchange did not get 404, then 201)\n");
    return 1;
  }
  const double n = static_cast<double>(opts.orders);
  std::printf(
      "{\"mode\":\"%s\",\"orders\":%zu,\"in_flight\":%zu,\"connections\":%zu,"
      "\"orders_per_s\":%.0f,\"cpu_ms_per_order\":%.4f,\"user_ms_per_order\":%.4f,"
      "\"system_ms_per_order\":%.4f,\"mock_cpu_ms_per_order\":%.4f}\n",
      opts.mode.c_str(), opts.orders, opts.in_flight, opts.connections, n / wall,
      1e3 * (user + system) / n, 1e3 * user / n, 1e3 * system / n, 1e3 * mock / n);
  return 0;
}
