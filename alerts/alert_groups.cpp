// Grouping and rate limiting of alerts, and the text of each message (order codes only, never
// the data of an order).
#include "alerts/alert_groups.hpp"

#include <ctime>

namespace tixsync::alerts {
namespace {

constexpr std::size_t orders_per_message = 10;

std::string iso_time(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

std::string plural(std::uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

alert_groups::alert_groups(std::string node, std::chrono::milliseconds interval,
                           std::size_t max_groups)
    : node_(std::move(node)), interval_ms_(interval.count()), max_groups_(max_groups) {}

alert_groups::group* alert_groups::find_or_add(const std::string& key) {
  auto it = groups_.find(key);
  if (it != groups_.end()) return &it->second;
  if (groups_.size() >= max_groups_) {
    ++dropped_;
    return nullptr;
  }
  return &groups_[key];
}

void alert_groups::count_held_back(const group& g, std::int64_t now_ms) {
  if (g.last_sent_ms != 0 && now_ms - g.last_sent_ms < interval_ms_) ++suppressed_;
}

void alert_groups::parked(const std::string& provider, const std::string& state,
                          const std::string& cause, const std::string& event,
                          const std::string& order, std::int64_t now_ms) {
  group* g = find_or_add("parked:" + provider + ":" + state + ":" + cause);
  if (!g) return;
  g->kind = "jobs_parked";
  g->provider = provider;
  g->state = state;
  g->cause = cause;
  count_held_back(*g, now_ms);
  if (g->count++ == 0) g->first_ms = now_ms;
  if (g->orders.size() < orders_per_message) g->orders.push_back(event + "/" + order);
}

void alert_groups::circuit(const std::string& provider, bool opened, std::int64_t now_ms) {
  group* g = find_or_add("circuit:" + provider);
  if (!g) return;
  g->kind = "circuit";
  g->provider = provider;
  count_held_back(*g, now_ms);
  if (g->count++ == 0) g->first_ms = now_ms;
  if (g->changes.size() < 20) g->changes.push_back(opened ? "opened" : "closed");
  g->state = opened ? "open" : "closed";  // the newest state
}

std::vector<alert_message> alert_groups::due(std::int64_t now_ms) {
  std::vector<alert_message> out;
  for (auto& [key, g] : groups_) {
    if (g.count == 0) continue;
    if (g.last_sent_ms != 0 && now_ms - g.last_sent_ms < interval_ms_) continue;
    out.push_back(render(key, g, now_ms));
    g.count = 0;
    g.orders.clear();
    g.changes.clear();
    g.last_sent_ms = now_ms;
  }
  return out;
}

alert_message alert_groups::render(const std::string& key, group& g, std::int64_t now_ms) const {
  nlohmann::json body{{"kind", g.kind},
                      {"node", node_},
                      {"provider", g.provider},
                      {"count", g.count},
                      {"since", iso_time(g.first_ms)},
                      {"until", iso_time(now_ms)}};
  std::string text;
  if (g.kind == "circuit") {
    std::string changes;
    for (const auto& c : g.changes) changes += (changes.empty() ? "" : ", then ") + c;
    body["state"] = g.state;
    body["changes"] = g.changes;
    text = "tixsync " + node_ + ": the circuit of provider " + g.provider + " " + changes +
           " (now " + g.state + ")";
  } else {
    body["state"] = g.state;
    body["cause"] = g.cause;
    body["orders"] = g.orders;
    text = "tixsync " + node_ + ": " + plural(g.count, "job", "jobs") + " of provider " +
           g.provider + " parked as " + g.state + " (cause " + g.cause + ")";
    if (!g.orders.empty()) {
      text += ", e.g. ";
      for (std::size_t i = 0; i < g.orders.size(); ++i) text += (i ? ", " : "") + g.orders[i];
    }
    if (g.last_sent_ms != 0) text += "; since the last message";
  }
  body["text"] = text;
  return {key, std::move(body)};
}

}  // namespace tixsync::alerts
