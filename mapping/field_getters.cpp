// The value rules of pretix's source fields (sourcefields.py), quirks included: parent fallbacks
// of add-ons, attendee_country returning the parent's name, latest entry scan, payment_date over
// all payments, "" for missing answers. Every input is checked before it is read.
#include "mapping/field_getters.hpp"

#include <algorithm>

#include "mapping/datetime.hpp"
#include "mapping/email.hpp"
#include "mapping/person_name.hpp"

namespace tixsync::mapping::field_getters {

namespace {

const std::string english = "en";

json optional_to_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

/// For computed values: the string moves into the json instead of being copied.
json optional_to_json(std::optional<std::string>&& value) {
  return value ? json(std::move(*value)) : json(nullptr);
}

bool non_empty(const std::optional<std::string>& value) {
  return value && !value->empty();
}

const item& need_item(const field_inputs& in) {
  const position& pos = need_position(in);
  const item* found = need_event(in).find_item(pos.item);
  if (found == nullptr) {
    throw field_internal_error("product " + std::to_string(pos.item) + " of position " +
                               std::to_string(pos.id) + " is not in the event data");
  }
  return *found;
}

/// The answer to `question_id` among the position's answers, nullptr when unanswered.
const answer* find_answer(const position& pos, std::int64_t question_id) {
  for (const answer& a : pos.answers) {
    if (a.question == question_id) return &a;
  }
  return nullptr;
}

json choice_value(const answer& a, const question_spec& question) {
  json list = json::array();
  if (!a.option_identifiers.empty() || a.options.empty()) {
    for (const std::string& identifier : a.option_identifiers) list.push_back(identifier);
    return list;
  }
  // Answers that carry option ids only: map them with the question's options.
  for (const std::int64_t option_id : a.options) {
    const auto it = std::find_if(question.options.begin(), question.options.end(),
                                 [&](const auto& option) { return option.first == option_id; });
    if (it == question.options.end()) {
      throw field_internal_error("option " + std::to_string(option_id) + " of question " +
                                 std::to_string(question.id) + " is not in the event data");
    }
    list.push_back(it->second);
  }
  return list;
}

/// The order page path prefix of a presale URL ("https://host/org/event" in
/// "https://host/org/event/order/CODE/SECRET/"), or nullopt when the URL has another shape.
std::optional<std::string> presale_prefix(const std::string& order_url, const std::string& code) {
  const std::string marker = "/order/" + code + "/";
  const std::size_t at = order_url.rfind(marker);
  if (at == std::string::npos) return std::nullopt;
  return order_url.substr(0, at);
}

/// "{base}/{organizer}/{event}" from the context's shop base URL, or nullopt without one.
std::optional<std::string> configured_prefix(const field_inputs& in) {
  if (in.context == nullptr || in.context->shop_base_url.empty()) return std::nullopt;
  std::string base = in.context->shop_base_url;
  if (base.back() == '/') base.pop_back();
  const event_bundle& event = need_event(in);
  return base + "/" + event.organizer + "/" + event.slug;
}

/// Where order and ticket pages live: the configured base, else derived from the order's API url,
/// else the event's public URL.
std::optional<std::string> shop_prefix(const field_inputs& in, const order& o) {
  if (std::optional<std::string> configured = configured_prefix(in)) return configured;
  if (std::optional<std::string> derived = presale_prefix(o.url, o.code)) return derived;
  if (in.event != nullptr && !in.event->public_url.empty()) {
    std::string url = in.event->public_url;
    if (url.back() == '/') url.pop_back();
    return url;
  }
  return std::nullopt;
}

std::string split_part(const std::string& name, bool family) {
  split_name parts = split_name_on_last_space(name);
  return family ? std::move(parts.family) : std::move(parts.given);
}

}  // namespace

const order& need_order(const field_inputs& in) {
  if (in.order == nullptr) throw field_internal_error("the order input is missing");
  return *in.order;
}

const position& need_position(const field_inputs& in) {
  if (in.position == nullptr) throw field_internal_error("the position input is missing");
  return *in.position;
}

const event_bundle& need_event(const field_inputs& in) {
  if (in.event == nullptr) throw field_internal_error("the event input is missing");
  return *in.event;
}

const std::string& language(const field_inputs& in) {
  return in.context != nullptr ? in.context->language : english;
}

const position* parent(const field_inputs& in) {
  const position& pos = need_position(in);
  if (!pos.addon_to) return nullptr;
  const position* found = need_order(in).find_position(*pos.addon_to);
  if (found == nullptr) {
    throw field_internal_error("position " + std::to_string(pos.id) + " is an add-on to position " +
                               std::to_string(*pos.addon_to) + ", which the order does not list");
  }
  return found;
}

std::optional<std::string> attendee_name_of(const position& pos, const std::string& scheme) {
  if (pos.attendee_name_parts.empty()) return pos.attendee_name;
  return build_name(pos.attendee_name_parts, scheme);
}

json attendee_name(const field_inputs& in, const std::string& scheme) {
  std::optional<std::string> own = attendee_name_of(need_position(in), scheme);
  if (non_empty(own)) return std::move(*own);
  const position* p = parent(in);
  return p != nullptr ? optional_to_json(attendee_name_of(*p, scheme)) : json(nullptr);
}

json attendee_name_part(const field_inputs& in, const std::string& part) {
  const position& pos = need_position(in);
  const name_parts* parts = &pos.attendee_name_parts;
  if (parts->empty()) {
    const position* p = parent(in);
    if (p == nullptr) return "";
    parts = &p->attendee_name_parts;
  }
  const std::string* value = parts->find(part);
  return value != nullptr ? *value : std::string();
}

json attendee_email(const field_inputs& in) {
  const position& pos = need_position(in);
  if (non_empty(pos.attendee_email)) return optional_to_json(normalize_email(pos.attendee_email));
  const position* p = parent(in);
  return p != nullptr ? optional_to_json(normalize_email(p->attendee_email)) : json(nullptr);
}

json attendee_or_order_email(const field_inputs& in) {
  const position& pos = need_position(in);
  if (non_empty(pos.attendee_email)) return optional_to_json(normalize_email(pos.attendee_email));
  const position* p = parent(in);
  if (p != nullptr && non_empty(p->attendee_email)) {
    return optional_to_json(normalize_email(p->attendee_email));
  }
  return optional_to_json(normalize_email(need_order(in).email));
}

json attendee_address(const field_inputs& in, std::optional<std::string> position::*member) {
  const position& pos = need_position(in);
  if (non_empty(pos.*member)) return *(pos.*member);
  const position* p = parent(in);
  return p != nullptr ? optional_to_json(p->*member) : json(nullptr);
}

json attendee_country(const field_inputs& in, const std::string& scheme) {
  const position& pos = need_position(in);
  if (non_empty(pos.country)) return *pos.country;
  const position* p = parent(in);
  if (p == nullptr) return "";
  // pretix's quirk: str(parent.attendee_name), "None" when the parent has no name.
  const std::optional<std::string> name = attendee_name_of(*p, scheme);
  return name ? *name : std::string("None");
}

json invoice_address_text(const field_inputs& in, std::string invoice_address::*member) {
  const order& o = need_order(in);
  return o.address ? (*o.address).*member : std::string();
}

std::string invoice_address_name_of(const order& o, const std::string& scheme) {
  if (!o.address) return {};
  if (o.address->name_parts.empty()) return o.address->name;
  return build_name(o.address->name_parts, scheme).value_or(std::string());
}

json invoice_address_name_part(const field_inputs& in, const std::string& part) {
  const order& o = need_order(in);
  if (!o.address) return "";
  const std::string* value = o.address->name_parts.find(part);
  return value != nullptr ? *value : std::string();
}

json order_email(const field_inputs& in) {
  return optional_to_json(normalize_email(need_order(in).email));
}

json order_email_domain(const field_inputs& in) {
  return optional_to_json(email_domain(normalize_email(need_order(in).email)));
}

json event_order_code(const field_inputs& in) {
  const order& o = need_order(in);
  std::string slug = !o.event.empty() ? o.event : need_event(in).slug;
  // Slugs are ASCII (pretix validates them), so an ASCII upper-casing equals Python's upper().
  for (char& c : slug) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return slug + "-" + o.code;
}

json payment_date(const field_inputs& in) {
  const order& o = need_order(in);
  if (o.status == "n") return nullptr;
  std::optional<utc_datetime> latest;
  for (const payment& p : o.payments) {
    if (!p.payment_date || p.payment_date->empty()) continue;
    const std::optional<utc_datetime> value = parse_datetime(*p.payment_date);
    if (!value) {
      throw field_internal_error("malformed payment_date '" + *p.payment_date + "' of payment " +
                                 std::to_string(p.local_id));
    }
    if (!latest || *latest < *value) latest = value;
  }
  return latest ? json(format_isoformat_utc(*latest)) : json(nullptr);
}

json presale_order_url(const field_inputs& in) {
  const order& o = need_order(in);
  if (std::optional<std::string> prefix = configured_prefix(in)) {
    return *prefix + "/order/" + o.code + "/" + o.secret + "/";
  }
  if (!o.url.empty()) return o.url;
  if (std::optional<std::string> prefix = shop_prefix(in, o)) {
    return *prefix + "/order/" + o.code + "/" + o.secret + "/";
  }
  return "";
}

json presale_ticket_url(const field_inputs& in) {
  const position& pos = need_position(in);
  const order& o = need_order(in);
  if (!pos.web_secret || pos.web_secret->empty()) return presale_order_url(in);
  const std::optional<std::string> prefix = shop_prefix(in, o);
  if (!prefix) return presale_order_url(in);
  return *prefix + "/ticket/" + o.code + "/" + std::to_string(pos.positionid) + "/" +
         *pos.web_secret + "/";
}

json product(const field_inputs& in) {
  const position& pos = need_position(in);
  const item& it = need_item(in);
  std::string name = it.internal_name && !it.internal_name->empty()
                         ? *it.internal_name
                         : it.name.localize(language(in));
  if (!pos.variation) return name;
  for (const item_variation& variation : it.variations) {
    if (variation.id == *pos.variation) {
      name += " \u2013 ";
      name += variation.value.localize(language(in));
      return name;
    }
  }
  throw field_internal_error("variation " + std::to_string(*pos.variation) + " of product " +
                             std::to_string(it.id) + " is not in the event data");
}

json product_is_admission(const field_inputs& in) {
  return need_item(in).admission;
}

json voucher_code(const field_inputs& in) {
  const position& pos = need_position(in);
  if (!pos.voucher) return "";
  const voucher* found = need_event(in).find_voucher(*pos.voucher);
  if (found == nullptr) {
    throw field_internal_error("voucher " + std::to_string(*pos.voucher) + " of position " +
                               std::to_string(pos.id) + " is not in the event data");
  }
  return found->code;
}

json ticket_id(const field_inputs& in) {
  return need_order(in).code + "-" + std::to_string(need_position(in).positionid);
}

json ticket_status(const field_inputs& in) {
  const position& pos = need_position(in);
  return json::array({pos.canceled ? std::string("c") : need_order(in).status});
}

json checkin_date(const field_inputs& in, std::int64_t list_id) {
  std::optional<utc_datetime> latest;
  for (const checkin& c : need_position(in).checkins) {
    // pretix's Checkin.type defaults to "entry"; data without a type counts as an entry.
    if (c.list != list_id || (c.type != "entry" && !c.type.empty())) continue;
    const std::optional<utc_datetime> value = parse_datetime(c.datetime);
    if (!value) {
      throw field_internal_error("malformed datetime '" + c.datetime + "' of check-in " +
                                 std::to_string(c.id));
    }
    if (!latest || *latest < *value) latest = value;
  }
  return latest ? json(format_isoformat_utc(*latest)) : json(nullptr);
}

json event_name(const field_inputs& in) {
  return need_event(in).name.localize(language(in));
}

json event_date(const field_inputs& in, bool to) {
  const event_bundle& event = need_event(in);
  const std::string* from = &event.date_from;
  const std::optional<std::string>* until = &event.date_to;
  const subevent* sub = in.subevent;
  if (sub == nullptr && in.position != nullptr && in.position->subevent) {
    sub = event.find_subevent(*in.position->subevent);
    if (sub == nullptr) {
      throw field_internal_error("sub-event " + std::to_string(*in.position->subevent) +
                                 " is not in the event data");
    }
  }
  if (sub != nullptr) from = &sub->date_from, until = &sub->date_to;
  if (!to) return from->empty() ? json(nullptr) : json(api_datetime_to_isoformat(*from));
  return non_empty(*until) ? json(api_datetime_to_isoformat(**until)) : json(nullptr);
}

json question_answer(const field_inputs& in, const question_spec& question) {
  const answer* a = find_answer(need_position(in), question.id);
  if (a == nullptr) {
    const position* p = parent(in);
    if (p != nullptr) a = find_answer(*p, question.id);
  }
  if (a == nullptr) return "";
  switch (question.value_kind) {
    case question_spec::kind::choice:
      return choice_value(*a, question);
    case question_spec::kind::boolean:
      return a->text == "True";
    case question_spec::kind::text:
      break;
  }
  return a->text;
}

json legacy_attendee_name_split(const field_inputs& in, const std::string& scheme, bool family) {
  const position& pos = need_position(in);
  const std::optional<std::string> name = attendee_name_of(pos, scheme);
  if (!name) {
    // pretix calls rsplit on None here and fails with an AttributeError.
    throw field_internal_error("position " + std::to_string(pos.id) +
                               " has no attendee name to split");
  }
  return split_part(*name, family);
}

json legacy_invoice_name_split(const field_inputs& in, const std::string& scheme, bool family) {
  return split_part(invoice_address_name_of(need_order(in), scheme), family);
}

}  // namespace tixsync::mapping::field_getters
