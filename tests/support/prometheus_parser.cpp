// Runs /usr/bin/python3 with prometheus_client.parser over the text (on stdin) and reads back one
// "TYPE name type" or "SAMPLE key value" line per family and sample.
#include "tests/support/prometheus_parser.hpp"

#include <sstream>

#include "tests/support/command.hpp"

namespace tixsync::testing {

double parsed_metrics::value(const std::string& key) const {
  auto it = samples.find(key);
  return it == samples.end() ? -1 : it->second;
}

parsed_metrics parse_prometheus_text(const std::string& text) {
  static const char* script = R"PY(
import sys
from prometheus_client.parser import text_string_to_metric_families
try:
    for family in text_string_to_metric_families(sys.stdin.read()):
        print("TYPE", family.name, family.type)
        for s in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
            print("SAMPLE", f"{s.name}{{{labels}}}", repr(float(s.value)))
except Exception as e:
    print("ERROR", e)
    sys.exit(1)
)PY";
  auto r = run_command({"/usr/bin/python3", "-c", script}, text, std::chrono::seconds(30));
  parsed_metrics out;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "TYPE") {
      std::string name, type;
      words >> name >> type;
      out.types[name] = type;
    } else if (kind == "SAMPLE") {
      // The key may contain spaces inside label values: the value is the last word.
      const auto last_space = line.rfind(' ');
      const std::string key = line.substr(7, last_space - 7);
      out.samples[key] = std::stod(line.substr(last_space + 1));
    } else if (kind == "ERROR") {
      out.error = line.substr(6);
    }
  }
  out.ok = r.exit_code == 0;
  if (!out.ok && out.error.empty()) out.error = r.err;
  return out;
}

}  // namespace tixsync::testing
