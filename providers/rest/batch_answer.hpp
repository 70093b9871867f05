// Reading the answer of a batch call: its records matched to the batch's objects by id value
// (never by position), its per-record errors by the id values they name, and what matches no
// object. A pure function of the answer's JSON, tested on its own.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "providers/rest/batch_settings.hpp"

namespace tixsync::providers::rest {

/// What an answer says about one object's record.
struct record_answer {
  /// The record the answer returns for it; unset when none.
  std::optional<json> record;
  /// The messages of the errors that name it.
  std::vector<std::string> errors;
  /// The answer returns more than one record for it.
  bool ambiguous = false;
};

/// A batch answer matched to the objects asked for.
struct matched_answer {
  /// Per asked key: what the answer says (an asked key the answer never mentions is absent).
  std::map<std::string, record_answer> by_key;
  /// Records whose id value no object of the batch has (or that have none).
  std::size_t unknown_records = 0;
  /// Errors that name no object of the batch (or no id at all).
  std::size_t unknown_errors = 0;
};

/// The key an id value is matched by: its text (a string as it is, a number in digits; nullopt
/// for anything else), lower-cased with `ignore_case`.
std::optional<std::string> match_key(const json& id_value, bool ignore_case);

/// Matches `answer` (a parsed 2xx answer) to `keys`: records at settings.results (a list; null
/// or absent counts as empty when errors are present) by their id value at result_key, errors at
/// settings.errors (a list; absent: none) by the ids at each of error_ids (a list or one value),
/// which name a key or one of `aliases` (another id of a key's record, e.g. its external id).
/// Returns nullopt with `problem` set when the answer has no records list at all or its errors
/// are not a list.
std::optional<matched_answer> match_answer(const json& answer, const std::vector<std::string>& keys,
                                           const std::map<std::string, std::string>& aliases,
                                           const batch_settings& settings, std::string& problem);

}  // namespace tixsync::providers::rest
