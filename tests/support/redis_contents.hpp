// What a test's Redis holds, searched as text: the keys whose name or content mentions a string
// (erasure tests: nothing about a forgotten order may remain). For the small keyspaces of tests.
#pragma once

#include <string>
#include <vector>

#include "persistence/redis_connection.hpp"

namespace tixsync::testing {

/// The content of `key` as text: a string's value, a hash's fields and values, a list's or a
/// sorted set's members ("" for other types).
inline std::string redis_key_text(persistence::redis_connection& c, const std::string& key) {
  auto type = c.command({"TYPE", key});
  if (!type.ok()) return "";
  std::vector<std::string> read;
  if (type->str == "string") read = {"GET", key};
  if (type->str == "hash") read = {"HGETALL", key};
  if (type->str == "list") read = {"LRANGE", key, "0", "-1"};
  if (type->str == "zset") read = {"ZRANGE", key, "0", "-1"};
  if (type->str == "set") read = {"SMEMBERS", key};
  if (read.empty()) return "";
  auto value = c.command(read);
  if (!value.ok()) return "";
  std::string text = value->str;
  for (const auto& e : value->elements) text += e.str + "\n";
  return text;
}

/// The keys whose name or content mentions `text`, in KEYS order.
inline std::vector<std::string> keys_mentioning(persistence::redis_connection& c,
                                                const std::string& text) {
  std::vector<std::string> out;
  auto keys = c.command({"KEYS", "*"});
  if (!keys.ok()) return {"(KEYS failed: " + keys.error().to_string() + ")"};
  for (const auto& k : keys->elements) {
    if (k.str.find(text) != std::string::npos ||
        redis_key_text(c, k.str).find(text) != std::string::npos) {
      out.push_back(k.str);
    }
  }
  return out;
}

}  // namespace tixsync::testing
