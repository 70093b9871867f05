// The batch section of a REST object type ([providers.rest.objects.<type>.batch]): how many
// objects one call carries and how long the first waits for others, the batch read and batch
// write calls with their per-record input templates, and where an answer keeps its records,
// their external ids and id values, and its per-record errors with the ids they name.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mapping/assign_properties.hpp"
#include "providers/rest/json_template.hpp"
#include "providers/rest/settings_table.hpp"
#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

/// One batch call: method, URL, the body of the whole call ({inputs} is the list of the
/// records' inputs) and the input template of one record.
struct batch_endpoint {
  std::string method = "POST";
  text_template url;
  json_template body;
  json_template input;
};

/// [providers.rest.objects.<type>.batch].
struct batch_settings {
  /// The API's limit of inputs per call (`limit`, default 100, as HubSpot's batch endpoints).
  std::int64_t limit = 100;
  /// The most objects one call carries (1..limit).
  std::int64_t max_batch = 100;
  /// How long the first object of a batch waits for more before the call is sent.
  std::chrono::milliseconds max_linger{50};
  /// Reads the existing records (for update modes other than overwrite); absent: never read.
  std::optional<batch_endpoint> read;
  /// Writes every record (an upsert by id value); or else:
  std::optional<batch_endpoint> write;
  /// Creates the records the read did not find ...
  std::optional<batch_endpoint> create;
  /// ... and updates the ones it found (their input may use {external_id}).
  std::optional<batch_endpoint> update;
  json_path results;        ///< the records of an answer (default "results")
  json_path result_id;      ///< the external id inside a record (default: the object's `id`)
  json_path result_key;     ///< the id value inside a record, matched to the objects' id values
  json_path result_fields;  ///< the existing values inside a read record (default: `fields`)
  /// A boolean inside a written record that is true when the write created it (e.g. "new").
  std::optional<json_path> result_created;
  json_path errors;  ///< the per-record errors of an answer (default "errors")
  /// Where an error names its records' id values or external ids (default ["context.ids"];
  /// e.g. also "context.objectWriteTraceId" for creates).
  std::vector<json_path> error_ids;
  json_path error_message;  ///< the text of an error (default "message")
  /// Id values match without regard to case (an API that lower-cases e-mail addresses).
  bool ignore_case = false;
};

/// Reads the `batch` table of the object type table `object` (nothing when absent), using
/// `default_id` and `default_fields` (the object's `id` and `fields` paths) as defaults; every
/// problem is appended with its key path.
std::optional<batch_settings> read_batch_settings(settings_table& object,
                                                  const json_path& default_id,
                                                  const json_path& default_fields);

/// Whether a mapping with these properties needs the existing values: a mode other than
/// overwrite (if_empty, if_new, append) depends on them.
bool needs_existing_values(const std::vector<mapping::property_value>& properties);

}  // namespace tixsync::providers::rest
