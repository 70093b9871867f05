// scan_value_at (see json_path_scan.hpp): nlohmann's SAX parser with a handler that follows the
// path through the open containers and keeps only the value where the path ends.
#include "providers/rest/json_path_scan.hpp"

#include <algorithm>
#include <cctype>
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

  // As json_path::find: a segment of fewer than 10 digits is an index.
  void index_matches() {
    frame& f = frames_.back();
    if (!f.on_path) return;
    const std::string& segment = segments_[frames_.size() - 1];
    const bool digits = !segment.empty() && segment.size() < 10 &&
                        std::all_of(segment.begin(), segment.end(), [](char c) {
                          return std::isdigit(static_cast<unsigned char>(c));
                        });
    f.next_on_path = digits && std::stoul(segment) == f.index;
  }

  const std::vector<std::string>& segments_;
  std::vector<frame> frames_;
};

}  // namespace

scanned_value scan_value_at(const std::string& text, const json_path& path) {
  path_scanner scanner(path.segments());
  scanned_value out;
  out.is_json = json::sax_parse(text, &scanner);
  if (out.is_json) out.value = std::move(scanner.value);
  return out;
}

}  // namespace tixsync::providers::rest
