// Item JSON -> queue_item, state names, error signatures.
#include "persistence/queue_codec.hpp"

#include <cctype>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "mapping/json_text.hpp"

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

/// Reads the item JSON the scripts' cjson writes in the common case: one flat object whose
/// values are integers or strings without escapes (and an empty errors list). False for
/// anything else, which the caller then parses with nlohmann::json. Claims decode an item per
/// order, so this is on the hot path.
class plain_item_reader {
 public:
  explicit plain_item_reader(std::string_view text) : text_(text) {}

  bool read(queue_item& item, std::string& state) {
    if (!eat('{')) return false;
    if (eat('}')) return at_end();
    do {
      std::string_view key, str;
      std::int64_t number = 0;
      if (!read_string(key) || !eat(':')) return false;
      const char c = peek();
      if (c == '"') {
        if (!read_string(str) || !assign_string(key, str, item, state)) return false;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (!read_integer(number) || !assign_number(key, number, item)) return false;
      } else if (key == "errors" &&
                 (text_.substr(at_, 2) == "{}" || text_.substr(at_, 2) == "[]")) {
        at_ += 2;  // cjson writes an empty list as {}
      } else {
        return false;
      }
    } while (eat(','));
    return eat('}') && at_end();
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++at_;
    return true;
  }
  bool at_end() const { return at_ == text_.size(); }

  bool read_string(std::string_view& out) {
    if (!eat('"')) return false;
    const std::size_t begin = at_;
    while (at_ < text_.size() && text_[at_] != '"') {
      const auto u = static_cast<unsigned char>(text_[at_]);
      if (text_[at_] == '\\' || u < 0x20) return false;
      ++at_;
    }
    if (at_ == text_.size()) return false;
    out = text_.substr(begin, at_ - begin);
    ++at_;
    return true;
  }

  bool read_integer(std::int64_t& out) {
    const bool negative = eat('-');
    const std::size_t begin = at_;
    std::uint64_t value = 0;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
      if (at_ - begin >= 18) return false;  // beyond what the queue stores
      value = value * 10 + static_cast<std::uint64_t>(text_[at_] - '0');
      ++at_;
    }
    const char next = peek();
    if (at_ == begin || next == '.' || next == 'e' || next == 'E') return false;
    out = negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
    return true;
  }

  static bool assign_string(std::string_view key, std::string_view value, queue_item& item,
                            std::string& state) {
    std::string* target = key == "trigger"        ? &item.trigger
                          : key == "cause"        ? &item.cause
                          : key == "full_message" ? &item.full_message
                          : key == "node"         ? &item.node
                          : key == "state"        ? &state
                                                  : nullptr;
    if (target) {
      target->assign(value.data(), value.size());
      return true;
    }
    // A known number field holding a string: let the full parser report it.
    return !is_number_field(key);
  }

  static bool is_number_field(std::string_view key) {
    return key == "triggered" || key == "not_before" || key == "attempts" || key == "expiries" ||
           key == "deferrals" || key == "parked_at" || key == "token" || key == "since" ||
           key == "lease_until";
  }

  static bool assign_number(std::string_view key, std::int64_t value, queue_item& item) {
    const auto small = [&](int& out) {
      if (value < INT32_MIN || value > INT32_MAX) return false;
      out = static_cast<int>(value);
      return true;
    };
    if (key == "triggered") return item.triggered_ms = value, true;
    if (key == "not_before") return item.not_before_ms = value, true;
    if (key == "attempts") return small(item.attempts);
    if (key == "expiries") return small(item.expiries);
    if (key == "deferrals") return small(item.deferrals);
    if (key == "parked_at") return item.parked_at_ms = value, true;
    if (key == "token") return item.token = value, true;
    if (key == "since") return item.since_ms = value, true;
    if (key == "lease_until") return item.lease_until_ms = value, true;
    // A known string field holding a number: let the full parser report it.
    return key != "trigger" && key != "cause" && key != "full_message" && key != "node" &&
           key != "state" && key != "errors";
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

bool read_plain_item(std::string_view text, queue_item& item, std::string& state) {
  return plain_item_reader(text).read(item, state);
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
  queue_item item;
  std::string state;
  if (!read_plain_item(text, item, state)) {
    // Anything the fast reader does not take (escapes, errors, other types) is parsed in full.
    item = queue_item{};
    json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return {persistence_errc::protocol_error, "queue item " + ref.id() + " is not a JSON object"};
    }
    try {
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
      state = j.value("state", "");
    } catch (const json::exception& e) {
      return {persistence_errc::protocol_error, "queue item " + ref.id() + ": " + e.what()};
    }
  }
  item.ref = ref;
  park_state parked;
  if (context.in_flight) {
    item.state = item_state::in_flight;
  } else if (parse_park_state(state, parked)) {
    item.state = as_item_state(parked);
  } else if (context.has_running_twin) {
    item.state = item_state::follow_up;
  } else {
    item.state = item.not_before_ms > context.now_ms ? item_state::scheduled : item_state::due;
  }
  return item;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::size_t n = mapping::utf8_sequence_length(text, i);
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
