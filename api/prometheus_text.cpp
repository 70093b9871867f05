// The Prometheus text format writer: escaping and number formatting follow the exposition
// format's rules, so a standard parser reads every line back.
#include "api/prometheus_text.hpp"

#include <cmath>
#include <cstdio>

namespace tixsync::api {
namespace {

void append_labels(std::string& out, const metric_labels& labels, const std::string* le) {
  if (labels.empty() && le == nullptr) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += escape_label_value(value);
    out += '"';
  }
  if (le != nullptr) {
    if (!first) out += ',';
    out += "le=\"" + *le + "\"";
  }
  out += '}';
}

}  // namespace

std::string format_metric_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.0f", value);
    return buffer;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", value);
  return buffer;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void prometheus_text::family(std::string_view name, std::string_view type,
                             std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  for (char c : help) {  // HELP escapes only backslash and newline
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void prometheus_text::sample(std::string_view name, const metric_labels& labels, double value) {
  out_ += name;
  append_labels(out_, labels, nullptr);
  out_ += ' ';
  out_ += format_metric_value(value);
  out_ += '\n';
}

void prometheus_text::histogram(std::string_view name, const metric_labels& labels,
                                const providers::histogram_snapshot& snapshot) {
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
    const std::string le = format_metric_value(snapshot.upper_bounds[i]);
    out_ += bucket;
    append_labels(out_, labels, &le);
    out_ += ' ' + format_metric_value(static_cast<double>(snapshot.cumulative[i])) + '\n';
  }
  const std::string inf = "+Inf";
  out_ += bucket;
  append_labels(out_, labels, &inf);
  out_ += ' ' + format_metric_value(static_cast<double>(snapshot.count)) + '\n';
  sample(std::string(name) + "_sum", labels, snapshot.sum_seconds);
  sample(std::string(name) + "_count", labels, static_cast<double>(snapshot.count));
}

}  // namespace tixsync::api
