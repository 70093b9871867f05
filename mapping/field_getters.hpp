// The value rules of the source fields whose getters are more than one line (pretix's lambdas in
// sourcefields.py, including its quirks). Used by the catalogue in source_fields.cpp; each
// function reads only what its field declares and throws field_internal_error for broken input.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping::field_getters {

/// The input or field_internal_error("... input is missing") — never a null dereference.
const order& need_order(const field_inputs& in);
const position& need_position(const field_inputs& in);
const event_bundle& need_event(const field_inputs& in);

/// The context's language, "en" without a context.
const std::string& language(const field_inputs& in);

/// The add-on parent of the input position, nullptr for a non-add-on.
const position* parent(const field_inputs& in);

/// pretix's OrderPosition.attendee_name: build_name of the parts with the event's scheme as the
/// fallback; nullopt for empty parts. Data without parts falls back to the API's attendee_name.
std::optional<std::string> attendee_name_of(const position& pos, const std::string& scheme);

json attendee_name(const field_inputs& in, const std::string& scheme);
json attendee_name_part(const field_inputs& in, const std::string& part);
json attendee_email(const field_inputs& in);
json attendee_or_order_email(const field_inputs& in);
/// company/street/zipcode/city: own if non-empty, else the parent's as is, else null.
json attendee_address(const field_inputs& in, std::optional<std::string> position::*member);
json attendee_country(const field_inputs& in, const std::string& scheme);

/// An invoice-address string, "" when the order has no address.
json invoice_address_text(const field_inputs& in, std::string invoice_address::*member);
/// pretix's InvoiceAddress.name: build_name(...) or "".
std::string invoice_address_name_of(const order& o, const std::string& scheme);
json invoice_address_name_part(const field_inputs& in, const std::string& part);

json order_email(const field_inputs& in);
json order_email_domain(const field_inputs& in);
json event_order_code(const field_inputs& in);
json payment_date(const field_inputs& in);
json presale_order_url(const field_inputs& in);
json presale_ticket_url(const field_inputs& in);

json product(const field_inputs& in);
json product_is_admission(const field_inputs& in);
json voucher_code(const field_inputs& in);
json ticket_id(const field_inputs& in);
json ticket_status(const field_inputs& in);
json checkin_date(const field_inputs& in, std::int64_t list_id);

json event_name(const field_inputs& in);
/// event_date_from (`to` false) / event_date_to of the position's sub-event, else the event.
json event_date(const field_inputs& in, bool to);

/// What a question_<identifier> getter needs, precomputed when the catalogue is built.
struct question_spec {
  enum class kind { text, boolean, choice };
  std::int64_t id = 0;
  kind value_kind = kind::text;
  /// (option id, identifier) for C/M, to map answers that carry option ids only.
  std::vector<std::pair<std::int64_t, std::string>> options;
};
json question_answer(const field_inputs& in, const question_spec& question);

/// The auto-generated given (family false) / family name: split of the position's own name.
json legacy_attendee_name_split(const field_inputs& in, const std::string& scheme, bool family);
json legacy_invoice_name_split(const field_inputs& in, const std::string& scheme, bool family);

}  // namespace tixsync::mapping::field_getters
