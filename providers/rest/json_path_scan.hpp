// Reading one value out of a JSON text without building the document: a created object's
// external id at its configured path, from an answer that often echoes the whole object. The
// whole text is still checked to be JSON; only the value at the path is kept.
#pragma once

#include <optional>
#include <string>

#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

struct scanned_value {
  bool is_json = false;  ///< the whole text is one valid JSON document
  /// The value at the path when it is a string, number, boolean or null (the last one, when an
  /// object repeats the key, as parsing the document would keep); an empty object or array
  /// stands for an object or array there (its content is not kept). nullopt when absent.
  std::optional<json> value;
};

/// The value at `path` in `text`, as json_path::find would find it in the parsed document
/// (scalars; containers see scanned_value::value).
scanned_value scan_value_at(const std::string& text, const json_path& path);

}  // namespace tixsync::providers::rest
