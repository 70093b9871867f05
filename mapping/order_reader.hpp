// Reads pretix REST API JSON into the model of order.hpp with simdjson on-demand: one order
// resource, or an event bundle laid out like tests/data/event.json. The only place in tixsync
// that includes simdjson. Every error names what is wrong and where (the key path).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "mapping/order.hpp"

namespace tixsync::mapping {

/// The most an order's JSON may have, on every path an order comes in (the enqueue command, the
/// feed of `run`, the API, orders fetched from pretix): pretix's orders are a few KiB, and each
/// is stored whole as a snapshot.
inline constexpr std::size_t max_order_bytes = 1024 * 1024;

/// A parse problem: `path` is the key path to the offending value (e.g.
/// "positions[1].answers[0].options[2]"), `message` says what is wrong there.
struct read_error {
  std::string path;
  std::string message;

  /// "<path>: <message>" (or just the message when path is empty).
  std::string to_string() const;
};

/// Reads orders and event bundles. Holds one simdjson parser that it reuses, so keep one reader
/// per thread and call it many times; not thread-safe.
class order_reader {
 public:
  order_reader();
  ~order_reader();
  order_reader(const order_reader&) = delete;
  order_reader& operator=(const order_reader&) = delete;

  /// Parses one pretix order resource. On failure returns false, fills `error` and leaves `out`
  /// in an unspecified but valid state. Missing optional keys take pretix's defaults (null,
  /// empty); a required key that is missing or of the wrong type is an error.
  /// Rules shared by both readers: keys may come in any order and unknown keys are ignored (but
  /// must still be valid JSON, nested at most 1024 levels); a JSON null counts as a missing key
  /// except for required keys; money given as a JSON number keeps its text ("12.50"); a leading
  /// UTF-8 byte order mark is skipped; anything after the root object is an error. An order of
  /// more than max_order_bytes is refused unread.
  bool read_order(std::string_view json, order& out, read_error& error);

  /// Parses an event bundle: {"organizer", "event": {...}, "settings": {...}, "items": [...],
  /// "questions": [...], "checkinlists": [...], "subevents": [...], "vouchers": [...]}.
  /// Only "organizer" and "event" are required; missing lists are empty.
  bool read_event_bundle(std::string_view json, event_bundle& out, read_error& error);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::mapping
