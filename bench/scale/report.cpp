// The table and the side-by-side comparison of scale_bench runs (report.hpp).
#include "bench/scale/report.hpp"

#include <fstream>
#include <map>
#include <stdexcept>

namespace tixsync::bench::scale {
namespace {

using json = nlohmann::json;

std::string text_of(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buffer[64];
    const double d = v.get<double>();
    std::snprintf(buffer, sizeof buffer,
                  d == static_cast<double>(static_cast<long long>(d)) ? "%.0f" : "%.3g", d);
    if (d >= 1000 || d <= -1000) std::snprintf(buffer, sizeof buffer, "%.0f", d);
    return buffer;
  }
  return v.dump();
}

void flatten(const json& v, const std::string& prefix, std::map<std::string, json>& out) {
  if (v.is_object()) {
    for (const auto& [key, inner] : v.items()) {
      flatten(inner, prefix.empty() ? key : prefix + "." + key, out);
    }
  } else {
    out[prefix] = v;
  }
}

void window_rows(const json& f, const std::string& title, std::FILE* out) {
  auto row = [&](const char* name, const json& value) {
    std::fprintf(out, "  %-40s %14s\n", name, text_of(value).c_str());
  };
  std::fprintf(out, "%s\n", title.c_str());
  row("orders synced / expected",
      json(text_of(f.value("synced", json())) + " / " + text_of(f.value("orders", json()))));
  row("orders/s", f.value("orders_per_s", json()));
  row("objects/s", f.value("objects_per_s", json()));
  row("HTTP requests/s (at the mock)", f.value("http_requests_per_s", json()));
  row("HTTP requests per order", f.value("http_requests_per_order", json()));
  const json latency = f.value("latency", json::object());
  row("enqueue-to-synced p50 ms", latency.value("p50_ms", json()));
  row("enqueue-to-synced p90 ms", latency.value("p90_ms", json()));
  row("enqueue-to-synced p99 ms", latency.value("p99_ms", json()));
  row("node CPU ms per synced order", f.value("node_cpu_ms_per_order", json()));
  row("node CPU s (per node)", f.value("node_cpu_s", json()));
  row("node peak RSS MB (per node)", f.value("node_peak_rss_mb", json()));
  row("mock / redis CPU ms per order",
      json(text_of(f.value("mock_cpu_ms_per_order", json())) + " / " +
           text_of(f.value("redis_cpu_ms_per_order", json()))));
  row("Redis commands per order", f.value("redis_commands_per_order", json()));
  row("AOF bytes per order", f.value("aof_bytes_per_order", json()));
  row("Redis peak MB", f.value("redis_peak_mb", json()));
  row("cores used by the fleet / machine busy",
      json(text_of(f.value("fleet_cores_used", json())) + " / " +
           text_of(f.value("machine_busy_fraction", json()))));
}

}  // namespace

void print_table(const json& f, std::FILE* out) {
  std::fprintf(
      out, "scenario %s: %s orders x %s positions, L = %s ms, %s node(s)%s -> %s\n",
      text_of(f.value("scenario", json())).c_str(), text_of(f.value("orders", json())).c_str(),
      text_of(f.value("positions", json())).c_str(), text_of(f.value("latency_ms", json())).c_str(),
      text_of(f.value("nodes", json())).c_str(),
      f.value("change_detection", false) ? ", change detection on" : "",
      f.value("ok", false) ? "OK" : "PROBLEMS");
  if (f.contains("enqueue")) {
    const auto& e = f["enqueue"];
    std::fprintf(out, "enqueue before the nodes start\n");
    std::fprintf(out, "  %-40s %14s\n", "orders/s",
                 text_of(e.value("orders_per_s", json())).c_str());
    std::fprintf(out, "  %-40s %14s\n", "Redis bytes per queued order",
                 text_of(e.value("redis_bytes_per_queued_order", json())).c_str());
    std::fprintf(out, "  %-40s %14s\n", "  (snapshot bytes per order)",
                 text_of(e.value("snapshot_bytes", json())).c_str());
    std::fprintf(out, "  %-40s %14s\n", "Redis commands per order",
                 text_of(e.value("redis_commands_per_order", json())).c_str());
    std::fprintf(out, "  %-40s %14s\n", "AOF bytes per order",
                 text_of(e.value("aof_bytes_per_order", json())).c_str());
  }
  window_rows(f, "sync (nodes started -> last order synced)", out);
  if (f.contains("resync")) window_rows(f["resync"], "re-sync of the same orders", out);
  for (const char* part : {"big_event", "small_events", "small_events_during_backlog"}) {
    if (!f.contains(part)) continue;
    const auto& l = f[part];
    std::fprintf(out, "  %-40s %14s\n", (std::string(part) + " p50/p99/max ms").c_str(),
                 (text_of(l.value("p50_ms", json())) + "/" + text_of(l.value("p99_ms", json())) +
                  "/" + text_of(l.value("max_ms", json())))
                     .c_str());
  }
  for (const auto& p : f.value("problems", json::array())) {
    std::fprintf(out, "PROBLEM: %s\n", p.get<std::string>().c_str());
  }
}

json read_run(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot be read");
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] != '{') continue;
    json run = json::parse(line, nullptr, false);
    if (run.is_discarded() || !run.is_object()) {
      throw std::runtime_error(path + ":" + std::to_string(number) + ": not a JSON object");
    }
    return run;
  }
  throw std::runtime_error(path + ": no JSON line (a line starting with '{')");
}

void print_compare(const json& a, const json& b, const std::string& name_a,
                   const std::string& name_b, std::FILE* out) {
  std::map<std::string, json> fa, fb;
  flatten(a, "", fa);
  flatten(b, "", fb);
  std::map<std::string, std::pair<json, json>> rows;
  for (const auto& [k, v] : fa) rows[k].first = v;
  for (const auto& [k, v] : fb) rows[k].second = v;
  std::fprintf(out, "%-52s %16s %16s %8s\n", "figure", name_a.substr(0, 16).c_str(),
               name_b.substr(0, 16).c_str(), "B/A");
  for (const auto& [key, pair] : rows) {
    if (pair.first.is_array() && pair.second.is_array() && key == "problems") continue;
    std::string ratio;
    if (pair.first.is_number() && pair.second.is_number() && pair.first.get<double>() != 0) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.2f",
                    pair.second.get<double>() / pair.first.get<double>());
      ratio = buffer;
    }
    std::fprintf(out, "%-52s %16s %16s %8s\n", key.c_str(), text_of(pair.first).c_str(),
                 text_of(pair.second).c_str(), ratio.c_str());
  }
}

}  // namespace tixsync::bench::scale
