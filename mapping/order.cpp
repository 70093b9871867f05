// The small lookups of the pretix data model: pretix's multi-lingual text lookup (i18nfield's
// LazyI18nString.localize with "en" as the installation default), name-part access and the
// by-id searches in the event bundle and the order.
#include "mapping/order.hpp"

#include <string_view>

namespace tixsync::mapping {

namespace {

/// The installation's default language (pretix's settings.LANGUAGE_CODE).
constexpr std::string_view default_language = "en";

const std::string* find_entry(const localized_text& text, std::string_view language) {
  for (const auto& [key, value] : text.entries) {
    if (key == language) return &value;
  }
  return nullptr;
}

const std::string* find_non_empty(const localized_text& text, std::string_view language) {
  const std::string* value = find_entry(text, language);
  return value != nullptr && !value->empty() ? value : nullptr;
}

/// A non-empty "base-..." variant other than `language` itself, in object order.
const std::string* find_variant(const localized_text& text, std::string_view base,
                                std::string_view language) {
  for (const auto& [key, value] : text.entries) {
    if (key == language || value.empty()) continue;
    if (key.size() > base.size() && key.compare(0, base.size(), base) == 0 &&
        key[base.size()] == '-') {
      return &value;
    }
  }
  return nullptr;
}

template <typename T>
const T* find_by_id(const std::vector<T>& list, std::int64_t id) {
  for (const T& element : list) {
    if (element.id == id) return &element;
  }
  return nullptr;
}

}  // namespace

std::string localized_text::localize(const std::string& language) const {
  const std::string_view lang = language;
  const std::string_view base = lang.substr(0, lang.find('-'));
  if (const std::string* v = find_non_empty(*this, lang)) return *v;
  if (const std::string* v = find_non_empty(*this, base)) return *v;
  if (const std::string* v = find_variant(*this, base, lang)) return *v;
  if (const std::string* v = find_non_empty(*this, default_language)) return *v;
  if (!entries.empty()) return entries.front().second;
  return {};
}

const std::string* name_parts::find(const std::string& key) const {
  for (const auto& [name, value] : parts) {
    if (name == key) return &value;
  }
  return nullptr;
}

const item* event_bundle::find_item(std::int64_t id) const {
  return find_by_id(items, id);
}

const question* event_bundle::find_question(std::int64_t id) const {
  return find_by_id(questions, id);
}

const subevent* event_bundle::find_subevent(std::int64_t id) const {
  return find_by_id(subevents, id);
}

const voucher* event_bundle::find_voucher(std::int64_t id) const {
  return find_by_id(vouchers, id);
}

const position* order::find_position(std::int64_t id) const {
  return find_by_id(positions, id);
}

}  // namespace tixsync::mapping
