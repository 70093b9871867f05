// Parses Prometheus text exposition with the reference Python parser (Debian's
// python3-prometheus-client), so tests check /metrics output against a real parser rather than
// against our own reading of the format. Returns every sample as name{labels} -> value.
#pragma once

#include <map>
#include <string>

namespace tixsync::testing {

struct parsed_metrics {
  bool ok = false;
  std::string error;  ///< the parser's complaint when !ok
  /// "name{k=v,k2=v2}" (labels sorted by name) -> value; also "#TYPE name" -> type.
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
  /// The sample's value, or -1 when absent.
  double value(const std::string& key) const;
};

parsed_metrics parse_prometheus_text(const std::string& text);

}  // namespace tixsync::testing
