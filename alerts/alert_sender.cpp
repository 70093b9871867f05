// The alert sender's thread: circuit watching, due messages, delivery with a bounded wait.
#include "alerts/alert_sender.hpp"

#include <future>

#include "providers/http/http_client.hpp"

namespace tixsync::alerts {
namespace {

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "host[:port]" of an http(s) URL, for log lines (the path may hold a token).
std::string host_of(const std::string& url) {
  const auto start = url.find("://");
  if (start == std::string::npos) return "?";
  const auto end = url.find_first_of("/?#", start + 3);
  std::string host =
      url.substr(start + 3, end == std::string::npos ? std::string::npos : end - start - 3);
  const auto at = host.rfind('@');
  return at == std::string::npos ? host : host.substr(at + 1);
}

}  // namespace

alert_sender::alert_sender(sender_options options)
    : options_(std::move(options)),
      host_(host_of(options_.url)),
      groups_(options_.node, options_.min_interval) {
  providers::http::client_options client;
  client.total_timeout = options_.timeout;
  client.read_timeout = options_.timeout;
  client.max_connections_per_host = 2;
  client.max_response_bytes = 64 * 1024;
  client_ = std::make_unique<providers::http::http_client>(client);
  thread_ = std::thread([this] { run(); });
}

alert_sender::~alert_sender() {
  stop();
}

void alert_sender::parked(const std::string& provider, const std::string& state,
                          const std::string& cause, const std::string& event,
                          const std::string& order) {
  std::lock_guard<std::mutex> lock(mutex_);
  groups_.parked(provider, state, cause, event, order, unix_ms());
}

void alert_sender::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  client_->stop();
}

sender_stats alert_sender::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {sent_.load(), failed_.load(), groups_.suppressed(), groups_.dropped()};
}

void alert_sender::watch_circuits(std::int64_t now_ms) {
  if (!options_.circuits) return;
  for (const auto& now : options_.circuits()) {
    auto it = last_circuits_.find(now.provider);
    const circuit_reading before =
        it == last_circuits_.end() ? circuit_reading{now.provider} : it->second;
    const bool opened = now.times_opened > before.times_opened;
    std::lock_guard<std::mutex> lock(mutex_);
    if (opened) groups_.circuit(now.provider, true, now_ms);
    if (now.closed && (opened || !before.closed)) groups_.circuit(now.provider, false, now_ms);
    last_circuits_[now.provider] = now;
  }
}

void alert_sender::run() {
  bool last_round = false;
  while (!last_round) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait_for(lock, options_.tick, [this] { return stopping_; });
      last_round = stopping_;
    }
    const std::int64_t now = unix_ms();
    watch_circuits(now);
    std::vector<alert_message> due;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      due = groups_.due(now);
    }
    for (const auto& message : due) deliver(message);
  }
}

void alert_sender::deliver(const alert_message& message) {
  providers::http::http_request request;
  request.method = "POST";
  request.url = options_.url;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = message.body.dump();
  auto done = std::make_shared<std::promise<providers::http::http_result>>();
  auto result = done->get_future();
  client_->send(std::move(request),
                [done](providers::http::http_result r) { done->set_value(std::move(r)); });
  // The client's own total timeout ends every request; the extra second only guards the wait.
  if (result.wait_for(options_.timeout + std::chrono::seconds(1)) != std::future_status::ready) {
    const auto failed = ++failed_;
    if (options_.log) {
      options_.log("alert " + message.group + " to " + host_ + ": no answer (not resent; " +
                   std::to_string(failed) + " not delivered so far)");
    }
    return;
  }
  const auto r = result.get();
  if (r.ok() && r.response->status >= 200 && r.response->status < 300) {
    ++sent_;
    return;
  }
  const auto failed = ++failed_;
  if (options_.log) {
    options_.log("alert " + message.group + " to " + host_ + " not delivered: " +
                 (r.ok() ? "HTTP " + std::to_string(r.response->status) : r.error->message) +
                 " (not resent; " + std::to_string(failed) + " not delivered so far)");
  }
}

}  // namespace tixsync::alerts
