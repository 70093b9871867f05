// The in-memory pretix data model that sync works on: the event bundle (event resource plus its
// settings, items, questions, check-in lists, sub-events and vouchers) and the order with its
// positions, answers, check-ins and payments. Filled by order_reader (simdjson); read by the
// source-field getters. Plain data, owning its strings, no behaviour beyond small lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tixsync::mapping {

/// pretix multi-lingual text: language code -> string, in the order the JSON object listed them.
struct localized_text {
  std::vector<std::pair<std::string, std::string>> entries;

  /// pretix's LazyI18nString lookup: exact language if non-empty, then the base language (before
  /// '-'), then any "base-..." variant in object order, then "en", then the first entry's value
  /// (even if empty), else "".
  std::string localize(const std::string& language) const;
};

/// A person name as stored by pretix: parts keyed by name ("given_name", "_scheme", "_legacy" ...),
/// in object order. An empty vector is pretix's `{}` (and also what a JSON null becomes).
struct name_parts {
  std::vector<std::pair<std::string, std::string>> parts;

  bool empty() const { return parts.empty(); }
  /// The part's value, or nullptr when the key is absent.
  const std::string* find(const std::string& key) const;
};

// ---------------------------------------------------------------------------------------------
// Event bundle
// ---------------------------------------------------------------------------------------------

struct item_variation {
  std::int64_t id = 0;
  localized_text value;
};

struct item {
  std::int64_t id = 0;
  localized_text name;
  std::optional<std::string> internal_name;
  bool admission = false;
  std::vector<item_variation> variations;
};

struct question_option {
  std::int64_t id = 0;
  std::string identifier;
  std::int64_t position = 0;
  localized_text answer;
};

struct question {
  std::int64_t id = 0;
  localized_text label;  ///< the resource's "question" key
  std::string type;      ///< N S T B C M F D H W CC TEL
  std::string identifier;
  std::int64_t position = 0;
  std::vector<question_option> options;
};

struct checkin_list {
  std::int64_t id = 0;
  std::string name;
};

struct subevent {
  std::int64_t id = 0;
  localized_text name;
  std::string date_from;                ///< as in the API (ISO 8601 with offset)
  std::optional<std::string> date_to;
};

struct voucher {
  std::int64_t id = 0;
  std::string code;
};

/// What the event's settings endpoint tells sync (name scheme and locales).
struct event_settings {
  std::string name_scheme = "full";  ///< pretix's default for events without the setting
  std::string locale = "en";
  std::vector<std::string> locales;
};

struct event_bundle {
  std::string organizer;
  std::string slug;
  localized_text name;
  std::string date_from;  ///< as in the API
  std::optional<std::string> date_to;
  bool has_subevents = false;
  std::string timezone;
  std::string currency;
  std::string public_url;  ///< may be empty
  event_settings settings;
  std::vector<item> items;
  std::vector<question> questions;  ///< in the order the endpoint listed them
  std::vector<checkin_list> checkin_lists;
  std::vector<subevent> subevents;
  std::vector<voucher> vouchers;

  const item* find_item(std::int64_t id) const;
  const question* find_question(std::int64_t id) const;
  const subevent* find_subevent(std::int64_t id) const;
  const voucher* find_voucher(std::int64_t id) const;
};

// ---------------------------------------------------------------------------------------------
// Order
// ---------------------------------------------------------------------------------------------

struct checkin {
  std::int64_t id = 0;
  std::int64_t list = 0;
  std::string datetime;  ///< as in the API
  std::string type;      ///< "entry" or "exit"
};

struct answer {
  std::int64_t question = 0;
  std::string question_identifier;
  std::string text;  ///< the resource's "answer" key
  std::vector<std::int64_t> options;
  std::vector<std::string> option_identifiers;
};

struct position {
  std::int64_t id = 0;
  std::int64_t positionid = 0;
  bool canceled = false;
  std::int64_t item = 0;
  std::optional<std::int64_t> variation;
  std::string price;
  std::optional<std::string> attendee_name;
  name_parts attendee_name_parts;
  std::optional<std::string> attendee_email;
  std::optional<std::string> company, street, zipcode, city, country, state;
  std::optional<std::int64_t> voucher;
  std::optional<std::int64_t> addon_to;
  std::optional<std::int64_t> subevent;
  std::string secret;
  /// Not in pretix's REST API; accepted when an integration supplies it, for presale_ticket_url.
  std::optional<std::string> web_secret;
  std::vector<checkin> checkins;
  std::vector<answer> answers;
};

struct payment {
  std::int64_t local_id = 0;
  std::string state;
  std::string amount;
  std::optional<std::string> created;
  std::optional<std::string> payment_date;  ///< datetime as in the API, or null
  std::string provider;
};

struct invoice_address {
  bool is_business = false;
  std::string company;
  std::string name;
  mapping::name_parts name_parts;
  std::string street, zipcode, city, country, state;
  std::string vat_id;
  std::string internal_reference;
};

struct order {
  std::string code;
  std::string event;   ///< event slug
  std::string status;  ///< n p e c
  bool testmode = false;
  /// The channel the order was placed through ("web" when pretix's answer has none).
  std::string sales_channel = "web";
  /// Placed in an event that approves orders: true while awaiting approval (status n) and after
  /// a denial (status c).
  bool require_approval = false;
  std::string secret;
  std::string url;  ///< customer order page as the API gives it (may be empty)
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::string locale;
  std::string datetime;  ///< as in the API
  std::optional<std::string> expires;
  std::optional<std::string> last_modified;
  std::string total;
  std::optional<invoice_address> address;  ///< null when the order has none
  std::vector<position> positions;         ///< in API order (positionid, then id)
  std::vector<payment> payments;

  const position* find_position(std::int64_t id) const;
};

}  // namespace tixsync::mapping
