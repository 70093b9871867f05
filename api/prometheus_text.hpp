// Writes metrics in the Prometheus text exposition format (version 0.0.4): one # HELP and # TYPE
// line per family followed by its samples, label values escaped, histograms as cumulative
// _bucket{le=...} samples with _sum and _count. The /metrics endpoint fills one per scrape.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "providers/latency_histogram.hpp"

namespace tixsync::api {

/// Label name/value pairs of one sample, in the order they are written.
using metric_labels = std::vector<std::pair<std::string, std::string>>;

class prometheus_text {
 public:
  /// Starts a family: `type` is "counter", "gauge" or "histogram". Samples of the family follow.
  void family(std::string_view name, std::string_view type, std::string_view help);
  /// One sample line `name{labels} value` (name may carry a suffix such as _total).
  void sample(std::string_view name, const metric_labels& labels, double value);
  /// The samples of one histogram series: _bucket per bound and +Inf, _sum, _count.
  void histogram(std::string_view name, const metric_labels& labels,
                 const providers::histogram_snapshot& snapshot);

  const std::string& text() const { return out_; }
  /// The content type of the format.
  static constexpr const char* content_type = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::string out_;
};

/// A number as Prometheus writes it: integers without a fraction, "+Inf", "-Inf", "NaN".
std::string format_metric_value(double value);
/// A label value with \\, \" and \n escaped.
std::string escape_label_value(std::string_view value);

}  // namespace tixsync::api
