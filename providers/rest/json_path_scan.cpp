// scan_value_at (see json_path_scan.hpp): simdjson's validating parser and a walk along the path
// for the common answer; nlohmann's SAX parser, with a handler that follows the path through the
// open containers, for every text simdjson refuses or whose value there is a float, so that
// nlohmann's verdict and number types stay the rule (the two parsers differ only at such edges:
// integers beyond 64 bits, a leading byte-order mark, "-0", nesting deeper than 1,024).
#include "providers/rest/json_path_scan.hpp"

#include <simdjson.h>

#include <string_view>
#include <vector>

namespace tixsync::providers::rest {
namespace {

/// The SAX handler. A frame per open container says whether the container lies on the path and,
/// for its next value, whether the key (object) or index (array) is the path's next segment.
class path_scanner : public nlohmann::json_sax<json> {
 public:
  explicit path_scanner(const std::vector<std::string>& segments) : segments_(segments) {}

  std::optional<json> value;

  bool null() override { return scalar(json()); }
  bool boolean(bool v) override { return scalar(json(v)); }
  bool number_integer(number_integer_t v) override { return scalar(json(v)); }
  bool number_unsigned(number_unsigned_t v) override { return scalar(json(v)); }
  bool number_float(number_float_t v, const string_t&) override { return scalar(json(v)); }
  bool string(string_t& v) override { return at_target() ? scalar(json(std::move(v))) : next(); }
  bool binary(binary_t&) override { return next(); }
  bool start_object(std::size_t) override { return open(false); }
  bool key(string_t& name) override {
    frame& f = frames_.back();
    f.next_on_path = f.on_path && name == segments_[frames_.size() - 1];
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct frame {
    bool array = false;
    bool on_path = false;       // the container is where the path leads (and goes on)
    bool next_on_path = false;  // for its next value
    std::size_t index = 0;      // of its next element, for arrays
  };

  /// Whether the value starting now is on the path (the root always is).
  bool on_path() const { return frames_.empty() || frames_.back().next_on_path; }
  bool at_target() const { return on_path() && frames_.size() == segments_.size(); }

  bool scalar(json v) {
    if (at_target()) value = std::move(v);
    return next();
  }

  bool open(bool array) {
    const bool target = at_target();
    if (target) value = array ? json::array() : json::object();
    frame f;
    f.array = array;
    f.on_path = on_path() && !target;
    frames_.push_back(f);
    if (array) index_matches();
    return true;
  }

  bool close() {
    frames_.pop_back();
    return next();
  }

  // After a value: the next element of an array may be the one on the path.
  bool next() {
    if (!frames_.empty() && frames_.back().array) {
      frames_.back().index++;
      index_matches();
    }
    return true;
  }

  // As json_path::find: the next element is on the path when the segment names its index.
  void index_matches() {
    frame& f = frames_.back();
    if (!f.on_path) return;
    f.next_on_path = json_path::array_index(segments_[frames_.size() - 1]) == f.index;
  }

  const std::vector<std::string>& segments_;
  std::vector<frame> frames_;
};

scanned_value scan_with_nlohmann(const std::string& text, const json_path& path) {
  path_scanner scanner(path.segments());
  scanned_value out;
  out.is_json = json::sax_parse(text, &scanner);
  if (out.is_json) out.value = std::move(scanner.value);
  return out;
}

/// The element at `path` below `at` (the last of repeated keys, as nlohmann keeps), or false.
bool walk(simdjson::dom::element& at, const std::vector<std::string>& segments) {
  for (const auto& segment : segments) {
    if (at.is_object()) {
      bool found = false;
      for (auto field : simdjson::dom::object(at)) {
        if (field.key == segment) {
          at = field.value;
          found = true;  // and on: a later repeat of the key wins
        }
      }
      if (!found) return false;
    } else if (at.is_array()) {
      const auto index = json_path::array_index(segment);
      if (!index) return false;
      simdjson::dom::element element;
      if (simdjson::dom::array(at).at(*index).get(element) != simdjson::SUCCESS) return false;
      at = element;
    } else {
      return false;
    }
  }
  return true;
}

/// Answers of up to this size are parsed by the I/O thread's reused parser; a larger one gets a
/// parser of its own, so one huge answer does not keep its memory for the thread's life.
constexpr std::size_t reused_parser_limit = 64 * 1024;

}  // namespace

scanned_value scan_value_at(const std::string& text, const json_path& path) {
  thread_local simdjson::dom::parser reused;
  simdjson::dom::parser own;
  simdjson::dom::parser& parser = text.size() <= reused_parser_limit ? reused : own;
  simdjson::dom::element at;
  if (parser.parse(text).get(at) != simdjson::SUCCESS) return scan_with_nlohmann(text, path);
  scanned_value out;
  out.is_json = true;
  if (!walk(at, path.segments())) return out;
  switch (at.type()) {
    case simdjson::dom::element_type::STRING:
      out.value = json(std::string(std::string_view(at)));
      break;
    case simdjson::dom::element_type::INT64: {
      // nlohmann reads a non-negative integer as unsigned, and "-0" as signed: a zero, which
      // simdjson reads alike either way, is left to nlohmann.
      const std::int64_t v = int64_t(at);
      if (v == 0) return scan_with_nlohmann(text, path);
      out.value = v < 0 ? json(v) : json(static_cast<std::uint64_t>(v));
      break;
    }
    case simdjson::dom::element_type::UINT64:
      out.value = json(uint64_t(at));
      break;
    case simdjson::dom::element_type::BOOL:
      out.value = json(bool(at));
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      out.value = json();
      break;
    case simdjson::dom::element_type::OBJECT:
      out.value = json::object();
      break;
    case simdjson::dom::element_type::ARRAY:
      out.value = json::array();
      break;
    case simdjson::dom::element_type::DOUBLE:
      return scan_with_nlohmann(text, path);  // "-0" is an integer to nlohmann
  }
  return out;
}

}  // namespace tixsync::providers::rest
