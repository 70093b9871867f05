// The catalogue of pretix sync source fields for one event (pretix's
// sourcefields.get_data_fields): key, label, category, required input, type, options and the getter
// that computes the value with pretix's exact rules. Build it once per event and reuse it.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/order.hpp"

namespace tixsync::mapping {

using json = nlohmann::json;

/// Which pretix object a field reads.
enum class field_input { order, position, event, event_or_subevent };

/// "order", "position", "event", "event_or_subevent".
const char* to_string(field_input input);

/// Settings of the evaluation that are not in the pretix data.
struct evaluation_context {
  /// Shop base URL, e.g. "https://tickets.example.org" (no trailing slash needed). When empty,
  /// order links use the order's API `url` and ticket links derive from it.
  std::string shop_base_url;
  /// The worker's language for localised fields (pretix's periodic task uses "en").
  std::string language = "en";
};

/// What a getter may read. An Order mapping has order+event; an OrderPosition mapping has all.
struct field_inputs {
  const mapping::order* order = nullptr;
  const mapping::position* position = nullptr;
  const event_bundle* event = nullptr;
  const mapping::subevent* subevent = nullptr;  ///< the position's sub-event, when it has one
  const evaluation_context* context = nullptr;
};

/// Raised by a getter for pretix's "any other exception" cases (e.g. a malformed email, a legacy
/// name split on a null name); the sync parks the job as `internal`.
struct field_internal_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct source_field {
  std::string key;       ///< e.g. "attendee_name", "question_DIET", "checkin_date_501"
  std::string label;     ///< human label in English, as pretix's mapping editor shows it
  std::string category;  ///< group in the mapping editor, e.g. "Attendee details"
  field_input input = field_input::order;
  std::string type;  ///< question type code: S N B C M W CC ...
  /// Allowed values for C/M-like fields: (identifier, label). Empty when the field has none.
  std::vector<std::pair<std::string, std::string>> options;
  /// Computes the value: null, bool, string or a list of strings. May throw
  /// field_internal_error. Requires the input named by `input` to be set.
  std::function<json(const field_inputs&)> get;
};

/// All fields available for one event, in pretix's catalogue order, with lookup by key.
class field_catalogue {
 public:
  explicit field_catalogue(const event_bundle& event);

  const std::vector<source_field>& fields() const { return fields_; }
  /// nullptr when the key is unknown.
  const source_field* find(const std::string& key) const;

 private:
  std::vector<source_field> fields_;
  std::unordered_map<std::string, std::size_t> index_;
};

/// Every key a catalogue has whatever the event: the static fields under every name scheme
/// (so every attendee_name_<part> and invoice_address_name_<part>), without the dynamic ones.
const std::set<std::string>& static_field_keys();

/// Whether some event can have a field `key`: a static key, or one of the dynamic patterns
/// question_<identifier> and checkin_date_<list id>.
bool field_key_possible(const std::string& key);

}  // namespace tixsync::mapping
