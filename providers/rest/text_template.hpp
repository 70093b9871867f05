// The templates of the HTTP providers' settings: URLs, links and display names with placeholders
// such as {id_value} or {external_id}, parsed and checked once when the provider is built and
// expanded per object (values percent-encoded inside URLs). Also the dotted paths ("results.0",
// "data.id") that pick values out of response JSON.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tixsync::providers::rest {

using json = nlohmann::json;

/// The names a template may use.
enum class placeholder {
  id_value,     ///< the pretix id value (text)
  id_field,     ///< the external id field of the mapping
  external_id,  ///< the external system's id of the object (get, update, link, display name)
  object_type,  ///< the external object type
  order_code,
  event,        ///< the event slug
  organizer,    ///< the organizer slug
  position_id,  ///< the position id ("" for Order objects)
  mapping_id,
  base_url,        ///< the provider's base URL, inserted as is (never encoded)
  property_names,  ///< the external fields the object's write sets (a list; text: joined by ",")
  // Only in JSON body templates:
  properties,    ///< the merged fields that create or update writes (an object)
  associations,  ///< the association items of the object (a list)
  // Only in association item templates:
  association_id,       ///< the associated object's external id (or link)
  association_type,     ///< the associated object's external object type
  association_type_id,  ///< the association's configured type_id (null when not set)
  // Only in the bodies of batch calls:
  inputs,  ///< the per-record inputs of the batch (a list)
};

/// The name without braces, e.g. "id_value".
const char* to_string(placeholder name);

/// The placeholders of an object's own values (its id, order, event, mapping; no external id),
/// which every object call and every record of a batch may use.
const std::vector<placeholder>& object_placeholders();
/// `allowed` plus what a create or update body may use: {properties} and {associations}.
std::vector<placeholder> with_write_values(std::vector<placeholder> allowed);

/// The values of one object's placeholders.
struct placeholder_values {
  std::string id_value;
  std::string id_field;
  std::string external_id;
  std::string object_type;
  std::string order_code;
  std::string event;
  std::string organizer;
  std::string position_id;
  std::string mapping_id;
  std::string base_url;
  std::string property_names;  ///< joined by ","

  /// The text of `name`; "" for the placeholders that only JSON templates have.
  const std::string& get(placeholder name) const;
};

/// Percent-encodes everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~).
std::string percent_encode(const std::string& text);

/// A parsed template: literal text and placeholders; "{{" and "}}" stand for literal braces.
class text_template {
 public:
  text_template() = default;

  /// Parses `text`, allowing only the `allowed` placeholders. Each problem (unknown or not
  /// allowed placeholder, unbalanced brace) is appended to `problems` as a message.
  static text_template parse(const std::string& text, const std::vector<placeholder>& allowed,
                             std::vector<std::string>& problems);

  /// The text with the placeholders replaced; with `url_encode`, values are percent-encoded
  /// (all but {base_url}).
  std::string expand(const placeholder_values& values, bool url_encode) const;
  /// The text with each placeholder replaced by `text_of(name)`.
  std::string expand(const std::function<std::string(placeholder)>& text_of) const;

  /// The placeholder when the template is exactly one placeholder and nothing else.
  std::optional<placeholder> single() const;

  /// Whether the template uses `name`.
  bool uses(placeholder name) const;
  /// The template as written.
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  struct part {
    std::string literal;
    std::optional<placeholder> name;  ///< set for a placeholder, else `literal` is used
  };
  std::string text_;
  std::vector<part> parts_;
};

/// A dotted path into JSON: object keys, and array indexes for numeric segments ("results.0",
/// "data.id"); "" is the document itself.
class json_path {
 public:
  json_path() = default;
  /// Parses `text`; appends a message to `problems` for empty segments ("a..b", ".a").
  static json_path parse(const std::string& text, std::vector<std::string>& problems);

  /// The value at the path, or nullptr when a segment is missing or the type does not fit.
  const json* find(const json& document) const;
  const std::string& text() const { return text_; }
  /// The keys and indexes, in order ("" has none).
  const std::vector<std::string>& segments() const { return segments_; }
  /// The array index a segment names: fewer than 10 digits; nullopt for any other segment (a
  /// key). The one rule for find() and for the readers that walk a text without a document.
  static std::optional<std::size_t> array_index(const std::string& segment);

 private:
  std::string text_;
  std::vector<std::string> segments_;
};

}  // namespace tixsync::providers::rest
