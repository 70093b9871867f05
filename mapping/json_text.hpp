// JSON text written directly, byte for byte as nlohmann::json's compact dump() writes it (UTF-8
// kept, control characters escaped, invalid UTF-8 replaced by U+FFFD), at a fraction of its cost:
// request bodies, stored results and fingerprints are written for every object synced. Also the
// UTF-8 checks that decide when nlohmann's own replacement rules must run instead.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace tixsync::mapping {

/// The length of the UTF-8 sequence starting at text[i], or 0 when none valid starts there.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

/// True when `text` is valid UTF-8.
bool is_valid_utf8(std::string_view text);

/// Appends `text` as a JSON string literal, as dump() writes a string.
void append_json_string(std::string& out, std::string_view text);

/// Appends `value` as value.dump(-1, ' ', false, replace) writes it; floats and binary values go
/// through dump() itself.
void append_json(std::string& out, const nlohmann::json& value);

/// `value` as value.dump(-1, ' ', false, replace) writes it.
std::string json_text(const nlohmann::json& value);

}  // namespace tixsync::mapping
