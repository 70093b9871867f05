// Item JSON -> queue_item, state names, error signatures.
#include "persistence/queue_codec.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

namespace tixsync::persistence {
namespace {

using json = nlohmann::json;
constexpr std::size_t max_cause_length = 80;

constexpr const char* park_names[] = {"exceeded", "permanent", "config", "internal", "timeout"};

std::vector<std::string> string_list(const json& j) {
  std::vector<std::string> out;
  if (!j.is_array()) return out;  // the scripts' cjson writes an empty list as {}
  for (const auto& e : j) out.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  return out;
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid there.
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char c = byte(i);
  std::size_t n = c < 0x80           ? 1
                  : (c >> 5) == 0x6  ? 2
                  : (c >> 4) == 0xe  ? 3
                  : (c >> 3) == 0x1e ? 4
                                     : 0;
  if (n == 0 || i + n > text.size() || (n == 2 && c < 0xc2)) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xe0 && byte(i + 1) < 0xa0) || (c == 0xed && byte(i + 1) >= 0xa0))) return 0;
  if (n == 4 &&
      ((c == 0xf0 && byte(i + 1) < 0x90) || c > 0xf4 || (c == 0xf4 && byte(i + 1) >= 0x90))) {
    return 0;
  }
  return n;
}

}  // namespace

const char* to_string(park_state s) {
  return park_names[static_cast<int>(s)];
}

const char* to_string(item_state s) {
  switch (s) {
    case item_state::due:
      return "due";
    case item_state::scheduled:
      return "scheduled";
    case item_state::follow_up:
      return "follow_up";
    case item_state::in_flight:
      return "in_flight";
    case item_state::exceeded:
      return "exceeded";
    case item_state::permanent:
      return "permanent";
    case item_state::config:
      return "config";
    case item_state::internal:
      return "internal";
    case item_state::timeout:
      return "timeout";
  }
  return "unknown";
}

bool parse_park_state(const std::string& text, park_state& out) {
  for (int i = 0; i < 5; ++i) {
    if (text == park_names[i]) return out = static_cast<park_state>(i), true;
  }
  return false;
}

item_state as_item_state(park_state s) {
  return static_cast<item_state>(static_cast<int>(item_state::exceeded) + static_cast<int>(s));
}

status_or<queue_item> decode_item(const item_ref& ref, std::string_view text,
                                  const item_context& context) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return {persistence_errc::protocol_error, "queue item " + ref.id() + " is not a JSON object"};
  }
  try {
    queue_item item;
    item.ref = ref;
    item.trigger = j.value("trigger", "");
    item.triggered_ms = j.value("triggered", std::int64_t{0});
    item.not_before_ms = j.value("not_before", std::int64_t{0});
    item.attempts = j.value("attempts", 0);
    item.expiries = j.value("expiries", 0);
    item.deferrals = j.value("deferrals", 0);
    item.cause = j.value("cause", "");
    if (j.contains("errors")) item.errors = string_list(j["errors"]);
    item.full_message = j.value("full_message", "");
    item.parked_at_ms = j.value("parked_at", std::int64_t{0});
    item.node = j.value("node", "");
    item.token = j.value("token", std::int64_t{0});
    item.since_ms = j.value("since", std::int64_t{0});
    item.lease_until_ms = j.value("lease_until", std::int64_t{0});
    park_state parked;
    if (context.in_flight) {
      item.state = item_state::in_flight;
    } else if (parse_park_state(j.value("state", ""), parked)) {
      item.state = as_item_state(parked);
    } else if (context.has_running_twin) {
      item.state = item_state::follow_up;
    } else {
      item.state = item.not_before_ms > context.now_ms ? item_state::scheduled : item_state::due;
    }
    return item;
  } catch (const json::exception& e) {
    return {persistence_errc::protocol_error, "queue item " + ref.id() + ": " + e.what()};
  }
}

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = utf8_sequence(text, i);
    if (n == 0)
      out.push_back('?'), n = 1;
    else
      out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

std::string sanitize_cause(std::string_view cause) {
  std::string out;
  for (char c : cause) {
    if (out.size() >= max_cause_length) break;
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7f || c == '|' ? ' ' : c);
  }
  return valid_utf8(out);
}

std::string error_signature(const std::vector<std::string>& errors) {
  if (errors.empty()) return "";
  const std::string& text = errors.front();
  std::string out;
  for (std::size_t i = 0; i < text.size() && out.size() < max_cause_length;) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isdigit(c)) {
      std::size_t end = i;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      bool standalone =
          (i == 0 || !std::isalpha(static_cast<unsigned char>(text[i - 1]))) &&
          (end == text.size() || !std::isalpha(static_cast<unsigned char>(text[end])));
      out += (end - i == 3 && standalone) ? text.substr(i, 3) : std::string("#");
      i = end;
    } else if (c == '"' || c == '\'') {
      std::size_t close = text.find(text[i], i + 1);
      if (close == std::string::npos) close = text.size() - 1;
      out += "\"...\"";
      i = close + 1;
    } else {
      out.push_back(static_cast<char>(std::tolower(c)));
      ++i;
    }
  }
  return sanitize_cause(out);
}

}  // namespace tixsync::persistence
