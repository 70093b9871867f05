// The HubSpot-shaped mock CRM's routes and guard. Written from HubSpot's public developer
// documentation: "Using the object APIs", "Create a batch of objects" (and the batch read, update
// and upsert references), "CRM search" and "Expanded Filtering Capabilities and Error Messaging
// in HubSpot's Search API", "Associations v4" ("association details"), "Error handling"
// (multi-status errors), "Simplifying batch update response codes for CRM v3 APIs", "API usage
// guidelines and limits", "Increasing our API limits" (190 requests per 10 s), "Rate limit
// information headers will be included in HTTP responses", "CRM Search API Rate Limit Increase",
// "OAuth token endpoint" and "Refresh an access token".
//
//   POST  /crm/v3/objects/{type}                 201 record | 400 | 409 CONFLICT (unique value)
//   GET   /crm/v3/objects/{type}/{id}            ?idProperty=P&properties=a,b ; 404
//   OBJECT_NOT_FOUND PATCH /crm/v3/objects/{type}/{id}            ?idProperty=P ; 200 | 404 | 409
//   POST  /crm/v3/objects/{type}/batch/read      200 COMPLETE | 207 with errors[] OBJECT_NOT_FOUND
//   POST  /crm/v3/objects/{type}/batch/create    201 | 207 with errors[] per failing input
//   POST  /crm/v3/objects/{type}/batch/update    200 | 207
//   POST  /crm/v3/objects/{type}/batch/upsert    200 | 207 ; results carry "new"; an input with
//                                                associations fails alone (VALIDATION_ERROR)
//   POST  /crm/v3/objects/{type}/search          {total, results, paging.next.after}
//   PUT   /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}
//   GET   /crm/v4/objects/{from}/{fromId}/associations/{to}
//   POST  /oauth/v1/token                        form: grant_type refresh_token |
//   client_credentials
//                                                | authorization_code, client_id, client_secret
// Batch results come back in reverse input order, always: HubSpot does not promise input order,
// so clients must match results by id or idProperty value. More than 100 inputs is a 400.
// Search requests count against their own per-second limit only; every other /crm request counts
// against the per-token rolling window. Rate-limit headers are on every /crm answer.
#include "app/mock_crm_hubspot.hpp"

#include <atomic>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <stdexcept>

#include "api/http_server.hpp"
#include "api/json_response.hpp"
#include "app/mock_crm_hubspot_store.hpp"

namespace tixsync::app {
namespace {

constexpr std::size_t max_batch_inputs = 100;

/// The kinds of calls the stats count.
const char* const call_kinds[] = {
    "create",       "get",    "update",    "batch_read",        "batch_create", "batch_update",
    "batch_upsert", "search", "associate", "associations_read", "oauth_token"};

/// A HubSpot error answer: the error's fields plus a correlationId.
api::http_response error_answer(const hubspot_error& e, const std::string& correlation) {
  auto body = e.to_json();
  body["correlationId"] = correlation;
  return api::json_response(e.status, body);
}

hubspot_error bad_request(std::string message) {
  return {400, "VALIDATION_ERROR", std::move(message), nlohmann::json::object()};
}

/// The property names of a "properties" list: a JSON array of strings or comma-separated query
/// values.
std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const auto piece = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!piece.empty()) out.push_back(piece);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

/// The record with only the asked-for properties (plus the ones HubSpot always returns); all of
/// them when none are asked for.
nlohmann::json select_properties(nlohmann::json record, const std::vector<std::string>& names) {
  if (names.empty()) return record;
  nlohmann::json kept = nlohmann::json::object();
  const auto& all = record["properties"];
  for (const char* always : {"hs_object_id", "createdate", "hs_lastmodifieddate"}) {
    if (all.contains(always)) kept[always] = all[always];
  }
  for (const auto& name : names) kept[name] = all.contains(name) ? all[name] : nullptr;
  record["properties"] = std::move(kept);
  return record;
}

std::vector<std::string> names_of(const nlohmann::json& body) {
  std::vector<std::string> out;
  const auto it = body.find("properties");
  if (it == body.end() || !it->is_array()) return out;
  for (const auto& n : *it) {
    if (n.is_string()) out.push_back(n.get<std::string>());
  }
  return out;
}

/// An input's id as text: a string's content, a number's digits.
std::string id_text(const nlohmann::json& id) {
  return id.is_string() ? id.get<std::string>() : id.is_null() ? "" : id.dump();
}

/// "CONTACT" for contacts, "TICKET" for tickets: how HubSpot's messages name an object type.
std::string object_name(const std::string& type) {
  auto name = hubspot_store::canonical_type(type);
  if (name.size() > 1 && name.back() == 's') name.pop_back();
  if (name == "companie") name = "company";
  for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

}  // namespace

std::string mock_crm_hubspot_options::problem() const {
  if (threads < 1) return "threads must be at least 1";
  if (rate_limit < 1) return "the rate limit must be at least 1 request per window";
  if (rate_window.count() < 1) return "the rate window must be at least 1 ms";
  if (search_rate_limit < 1) return "the search rate limit must be at least 1 per second";
  if (daily_limit < 1) return "the daily limit must be at least 1";
  if (token_ttl.count() < 1) return "the token ttl must be positive";
  if (record_fail_rate < 0 || record_fail_rate > 1) return "record_fail_rate must be 0 to 1";
  if (client_id.empty() != client_secret.empty()) {
    return "an OAuth client needs both a client id and a client secret";
  }
  for (const auto& [type, property] : unique) {
    if (type.empty() || property.empty()) return "a unique property needs TYPE:PROPERTY";
  }
  return faults.problem();
}

struct mock_crm_hubspot::impl {
  explicit impl(mock_crm_hubspot_options o)
      : options(std::move(o)),
        faults(options.faults, options.seed),
        quota(options.rate_limit, options.rate_window, options.daily_limit),
        search_quota(options.search_rate_limit, std::chrono::seconds(1), options.daily_limit),
        tokens(options.token, options.token_ttl, options.seed),
        record_dice(options.seed) {
    tokens.set_guarding(!options.token.empty() || !options.client_id.empty());
    for (const auto& [type, property] : options.unique) store.add_unique(type, property);
    for (const char* kind : call_kinds) calls[kind] = std::make_unique<counter>(0);
  }
  using counter = std::atomic<std::uint64_t>;
  using handler = std::function<api::http_response(const api::http_request&)>;

  api::router routes();
  /// Registers a /crm or /oauth route: counted as `kind`, with faults, latency, token, quota
  /// (`search` picks the search limit, `quota` false: none) and idempotency for creates.
  void add(api::router& r, const std::string& method, const std::string& pattern,
           const std::string& kind, bool quota, handler h);
  void finish(const fault_decision& decision, const std::string& kind, bool quota, const handler& h,
              const api::http_request& request, const api::responder& reply);
  /// The 401 for a request without a valid token, or nullopt; `key` receives the token.
  std::optional<api::http_response> refuse_token(const api::http_request& request,
                                                 std::string& key);
  api::http_response rate_limited(const std::string& kind, const quota_verdict& v);
  api::http_response idempotent(const api::http_request& request, const handler& h);
  std::string correlation();
  /// Keeps the largest number of inputs one batch call carried.
  void note_inputs(std::size_t n);
  /// A per-record fault: the marker value or the record dice.
  std::optional<hubspot_error> record_fault(const nlohmann::json& properties);

  api::http_response create(const api::http_request& q);
  api::http_response get(const api::http_request& q);
  api::http_response update(const api::http_request& q);
  api::http_response batch_read(const api::http_request& q);
  api::http_response batch_write(const api::http_request& q, const std::string& kind);
  api::http_response search(const api::http_request& q);
  api::http_response associate(const api::http_request& q);
  api::http_response associations(const api::http_request& q);
  api::http_response oauth_token(const api::http_request& q);
  /// The body as a JSON object, or the 400 saying why not.
  std::optional<nlohmann::json> body_of(const api::http_request& q, api::http_response& error);
  /// A batch body whose "inputs" is an array of at most 100 (the size is noted in the stats),
  /// or the 400 saying why not.
  std::optional<nlohmann::json> batch_body(const api::http_request& q, api::http_response& error);
  /// One input of a batch write: its result or its error.
  hubspot_write write_one(const std::string& type, const std::string& kind,
                          const nlohmann::json& input, const std::string& default_id_property);

  nlohmann::json stats_json() const;
  void reset_all();

  mock_crm_hubspot_options options;
  hubspot_store store;
  fault_injector faults;
  rolling_quota quota;
  rolling_quota search_quota;
  token_registry tokens;
  std::map<std::string, std::unique_ptr<counter>> calls;
  counter rate_limited_count{0}, search_rate_limited_count{0}, unauthorized{0},
      idempotent_replays{0}, record_errors{0}, max_inputs{0}, correlations{0};
  std::mutex record_dice_mutex;
  std::mt19937_64 record_dice;
  std::mutex idempotency_mutex;
  std::map<std::string, api::http_response> idempotency;
  std::unique_ptr<api::http_server> server;  // last: stopped first
};

std::string mock_crm_hubspot::impl::correlation() {
  char text[48];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(correlations.fetch_add(1) + 1));
  return text;
}

void mock_crm_hubspot::impl::add(api::router& r, const std::string& method,
                                 const std::string& pattern, const std::string& kind, bool quota,
                                 handler h) {
  // A body of the right shape with a value of the wrong type (a string limit, a numeric
  // idProperty) is the client's mistake: a 400 saying what, never a 500.
  auto shared = std::make_shared<const handler>([this,
                                                 h = std::move(h)](const api::http_request& q) {
    try {
      return h(q);
    } catch (const nlohmann::json::exception& e) {
      return error_answer(bad_request(std::string("malformed input: ") + e.what()), correlation());
    }
  });
  r.add(method, pattern, [this, kind, quota, shared](api::http_request q, api::responder reply) {
    calls.at(kind)->fetch_add(1, std::memory_order_relaxed);
    if (faults.in_outage()) {
      auto response = error_answer(
          {503, "SERVICE_UNAVAILABLE", "service unavailable (mock outage)", {}}, correlation());
      response.set_header("Retry-After", "1");
      reply.send(std::move(response));
      return;
    }
    const auto decision = faults.decide();
    if (decision.delay.count() == 0) return finish(decision, kind, quota, *shared, q, reply);
    auto kept = std::make_shared<api::http_request>(std::move(q));
    server->after(decision.delay, [this, decision, kind, quota, shared, kept, reply] {
      finish(decision, kind, quota, *shared, *kept, reply);
    });
  });
}

void mock_crm_hubspot::impl::finish(const fault_decision& decision, const std::string& kind,
                                    bool quota_applies, const handler& h,
                                    const api::http_request& request, const api::responder& reply) {
  switch (decision.kind) {
    case fault_kind::close:
      reply.close_connection();
      return;
    case fault_kind::rate_limit: {
      auto response = rate_limited("fault", quota.peek("", hubspot_clock::now()));
      response.set_header("Retry-After", decision.retry_after);
      reply.send(std::move(response));
      return;
    }
    case fault_kind::fail:
      reply.send(error_answer({503, "SERVICE_UNAVAILABLE", "service unavailable (mock fault)", {}},
                              correlation()));
      return;
    case fault_kind::reject:
      reply.send(
          error_answer({422, "VALIDATION_ERROR", "unprocessable (mock fault)", {}}, correlation()));
      return;
    case fault_kind::none:
      break;
  }
  if (!quota_applies) return void(reply.send(h(request)));
  std::string key;
  if (auto refusal = refuse_token(request, key)) return void(reply.send(std::move(*refusal)));
  const auto now = hubspot_clock::now();
  const bool is_search = kind == "search";
  const auto verdict = is_search ? search_quota.take(key, now) : quota.take(key, now);
  const auto shown = is_search ? quota.peek(key, now) : verdict;
  auto response = verdict.allowed ? idempotent(request, h) : rate_limited(kind, verdict);
  for (auto& [name, value] : ratelimit_header_list(shown, options.headers)) {
    response.set_header(name, value);
  }
  reply.send(std::move(response));
}

std::optional<api::http_response> mock_crm_hubspot::impl::refuse_token(
    const api::http_request& request, std::string& key) {
  const auto header = request.header("Authorization");
  if (header && header->size() > 7 && api::equals_ignoring_case(header->substr(0, 7), "Bearer ")) {
    key = header->substr(7);
  }
  if (!tokens.guarding()) return std::nullopt;
  std::chrono::milliseconds ago{0};
  const auto state = tokens.check(key, hubspot_clock::now(), &ago);
  if (state == token_state::valid) return std::nullopt;
  unauthorized.fetch_add(1, std::memory_order_relaxed);
  hubspot_error e{401,
                  "INVALID_AUTHENTICATION",
                  "Authentication credentials not found. This API supports OAuth 2.0 "
                  "authentication.",
                  {}};
  if (state == token_state::expired) {
    e.category = "EXPIRED_AUTHENTICATION";
    e.message = "The OAuth token used to make this call expired " +
                std::to_string(ago.count() / 1000) + " second(s) ago.";
  }
  auto response = error_answer(e, correlation());
  response.set_header("WWW-Authenticate", "Bearer");
  return response;
}

api::http_response mock_crm_hubspot::impl::rate_limited(const std::string& kind,
                                                        const quota_verdict& v) {
  const bool search = kind == "search";
  const bool daily = !search && v.daily_remaining == 0;
  (search ? search_rate_limited_count : rate_limited_count).fetch_add(1);
  const std::string policy = search ? "SECONDLY" : daily ? "DAILY" : "TEN_SECONDLY_ROLLING";
  const std::string message = search  ? "You have reached your secondly limit."
                              : daily ? "You have reached your daily limit."
                                      : "You have reached your ten_secondly_rolling limit.";
  nlohmann::json body{{"status", "error"},         {"message", message},
                      {"errorType", "RATE_LIMIT"}, {"correlationId", correlation()},
                      {"policyName", policy},      {"groupName", "crm"}};
  auto response = api::json_response(429, body);
  const auto wait = search ? std::chrono::milliseconds(1000) : v.reset;
  response.set_header("Retry-After",
                      std::to_string(std::max<std::int64_t>(1, (wait.count() + 999) / 1000)));
  return response;
}

api::http_response mock_crm_hubspot::impl::idempotent(const api::http_request& request,
                                                      const handler& h) {
  const auto key = request.header("Idempotency-Key");
  const bool creates =
      request.method == "POST" && (request.route == "/crm/v3/objects/{type}" ||
                                   request.route.find("/batch/create") != std::string::npos);
  if (!options.honour_idempotency_key || !key || key->empty() || !creates) return h(request);
  // Held across the create: a second request with the key waits for the first answer.
  std::lock_guard<std::mutex> lock(idempotency_mutex);
  const auto slot = request.path + "\n" + *key;
  if (auto it = idempotency.find(slot); it != idempotency.end()) {
    idempotent_replays.fetch_add(1);
    return it->second;
  }
  auto response = h(request);
  if (response.status < 500) idempotency.emplace(slot, response);
  return response;
}

std::optional<hubspot_error> mock_crm_hubspot::impl::record_fault(
    const nlohmann::json& properties) {
  bool marked = false;
  if (properties.is_object() && !options.fail_marker.empty()) {
    for (const auto& [name, value] : properties.items()) {
      marked = marked || (value.is_string() && value.get<std::string>() == options.fail_marker);
    }
  }
  if (!marked && options.record_fail_rate > 0) {
    std::lock_guard<std::mutex> lock(record_dice_mutex);
    marked = static_cast<double>(record_dice() >> 11) * 0x1.0p-53 < options.record_fail_rate;
  }
  if (!marked) return std::nullopt;
  record_errors.fetch_add(1);
  return hubspot_error{400, "VALIDATION_ERROR",
                       "Property values were not valid (mock record fault)",
                       nlohmann::json::object()};
}

std::optional<nlohmann::json> mock_crm_hubspot::impl::body_of(const api::http_request& q,
                                                              api::http_response& error) {
  std::string problem;
  auto body = api::parse_json_body(q, problem);
  if (!body || !body->is_object()) {
    error =
        error_answer(bad_request(body ? "the body must be a JSON object" : problem), correlation());
    return std::nullopt;
  }
  return body;
}

api::http_response mock_crm_hubspot::impl::create(const api::http_request& q) {
  api::http_response error;
  auto body = body_of(q, error);
  if (!body) return error;
  const auto properties = body->value("properties", nlohmann::json::object());
  if (auto fault = record_fault(properties)) return error_answer(*fault, correlation());
  auto out = store.create(q.param("type"), properties,
                          body->value("associations", nlohmann::json::array()));
  if (!out.record) return error_answer(out.error, correlation());
  return api::json_response(201, *out.record);
}

api::http_response mock_crm_hubspot::impl::get(const api::http_request& q) {
  const auto id_property = q.query_param("idProperty").value_or("");
  auto found = store.find(q.param("type"), q.param("id"), id_property);
  if (!found) {
    return error_answer({404,
                         "OBJECT_NOT_FOUND",
                         "Object not found.  objectId are usually numeric.",
                         {{"id", {q.param("id")}}}},
                        correlation());
  }
  std::vector<std::string> names;
  for (const auto& [name, value] : q.query) {
    if (name != "properties") continue;
    for (auto& n : split_names(value)) names.push_back(std::move(n));
  }
  return api::json_response(200, select_properties(std::move(*found), names));
}

api::http_response mock_crm_hubspot::impl::update(const api::http_request& q) {
  api::http_response error;
  auto body = body_of(q, error);
  if (!body) return error;
  const auto properties = body->value("properties", nlohmann::json::object());
  if (auto fault = record_fault(properties)) return error_answer(*fault, correlation());
  auto out = store.update(q.param("type"), q.param("id"), q.query_param("idProperty").value_or(""),
                          properties);
  if (!out.record) return error_answer(out.error, correlation());
  return api::json_response(200, *out.record);
}

/// The common answer of the batch endpoints: results in reverse input order, and with errors a
/// 207 carrying errors[] and numErrors.
static api::http_response batch_answer(int ok_status, std::vector<nlohmann::json> results,
                                       nlohmann::json errors, const std::string& at) {
  nlohmann::json reversed = nlohmann::json::array();
  for (auto it = results.rbegin(); it != results.rend(); ++it) reversed.push_back(std::move(*it));
  nlohmann::json body{{"status", "COMPLETE"},
                      {"results", std::move(reversed)},
                      {"requestedAt", at},
                      {"startedAt", at},
                      {"completedAt", at}};
  if (errors.empty()) return api::json_response(ok_status, body);
  body["numErrors"] = errors.size();
  body["errors"] = std::move(errors);
  return api::json_response(207, body);
}

std::optional<nlohmann::json> mock_crm_hubspot::impl::batch_body(const api::http_request& q,
                                                                 api::http_response& error) {
  auto body = body_of(q, error);
  if (!body) return std::nullopt;
  const auto it = body->find("inputs");
  hubspot_error problem;
  if (it == body->end() || !it->is_array()) {
    problem = bad_request("the body needs an array of inputs");
  } else {
    note_inputs(it->size());
    if (it->size() > max_batch_inputs) {
      problem = bad_request("Too many inputs: " + std::to_string(it->size()) +
                            " (a batch takes at most " + std::to_string(max_batch_inputs) + ")");
      problem.context = {{"inputs", {std::to_string(it->size())}}};
    }
  }
  if (problem.status == 0) return body;
  error = error_answer(problem, correlation());
  return std::nullopt;
}

api::http_response mock_crm_hubspot::impl::batch_read(const api::http_request& q) {
  api::http_response error;
  auto body = batch_body(q, error);
  if (!body) return error;
  const auto& inputs = (*body)["inputs"];
  const auto id_property = body->value("idProperty", std::string());
  const auto names = names_of(*body);
  std::vector<nlohmann::json> results;
  nlohmann::json missing = nlohmann::json::array();
  for (const auto& input : inputs) {
    const auto id = input.is_object() ? id_text(input.value("id", nlohmann::json())) : "";
    auto found = store.find(q.param("type"), id, id_property);
    if (found) {
      results.push_back(select_properties(std::move(*found), names));
    } else {
      missing.push_back(id);
    }
  }
  nlohmann::json errors = nlohmann::json::array();
  if (!missing.empty()) {
    errors.push_back({{"status", "error"},
                      {"category", "OBJECT_NOT_FOUND"},
                      {"message", "Could not get some " + object_name(q.param("type")) +
                                      " objects, they may be deleted or not exist. Check that "
                                      "ids are valid."},
                      {"context", {{"ids", missing}}}});
  }
  return batch_answer(200, std::move(results), std::move(errors), hubspot_now());
}

hubspot_write mock_crm_hubspot::impl::write_one(const std::string& type, const std::string& kind,
                                                const nlohmann::json& input,
                                                const std::string& default_id_property) {
  if (!input.is_object())
    return {std::nullopt, bad_request("every input must be an object"), false};
  const auto properties = input.value("properties", nlohmann::json::object());
  if (auto fault = record_fault(properties)) return {std::nullopt, *fault, false};
  if (kind == "batch_create") {
    return store.create(type, properties, input.value("associations", nlohmann::json::array()));
  }
  const auto id_it = input.find("id");
  if (id_it == input.end() || !(id_it->is_string() || id_it->is_number())) {
    return {std::nullopt, bad_request("every input needs an id"), false};
  }
  // HubSpot's upsert input is id, idProperty, properties and objectWriteTraceId: associations
  // are not written by it, so an input carrying them is refused rather than written without.
  if (kind == "batch_upsert" && input.contains("associations")) {
    return {std::nullopt,
            bad_request("batch/upsert takes no associations (an input has id, idProperty, "
                        "properties, objectWriteTraceId): create the record with them, or write "
                        "them with the associations API"),
            false};
  }
  const auto id = id_text(*id_it);
  const auto id_property = input.value("idProperty", default_id_property);
  return kind == "batch_update" ? store.update(type, id, id_property, properties)
                                : store.upsert(type, id, id_property, properties);
}

api::http_response mock_crm_hubspot::impl::batch_write(const api::http_request& q,
                                                       const std::string& kind) {
  api::http_response error;
  auto body = batch_body(q, error);
  if (!body) return error;
  const auto& inputs = (*body)["inputs"];
  const auto default_id_property = body->value("idProperty", std::string());
  std::vector<nlohmann::json> results;
  nlohmann::json errors = nlohmann::json::array();
  for (const auto& input : inputs) {
    auto out = write_one(q.param("type"), kind, input, default_id_property);
    if (out.record) {
      if (kind == "batch_upsert") (*out.record)["new"] = out.created;
      results.push_back(std::move(*out.record));
      continue;
    }
    // The error names its input: by id (update, upsert) and by objectWriteTraceId when given.
    auto e = out.error.to_json();
    if (input.is_object() && input.contains("id") && !e["context"].contains("ids")) {
      e["context"]["ids"] = {id_text(input["id"])};
    }
    if (input.is_object() && input.contains("objectWriteTraceId")) {
      e["context"]["objectWriteTraceId"] = {input["objectWriteTraceId"]};
    }
    errors.push_back(std::move(e));
  }
  return batch_answer(kind == "batch_create" ? 201 : 200, std::move(results), std::move(errors),
                      hubspot_now());
}

api::http_response mock_crm_hubspot::impl::search(const api::http_request& q) {
  api::http_response error;
  auto body = body_of(q, error);
  if (!body) return error;
  const auto limit = body->value("limit", 10);
  std::size_t after = 0;
  const auto after_it = body->find("after");
  if (after_it != body->end() && after_it->is_string()) {
    try {
      after = std::stoul(after_it->get<std::string>());
    } catch (const std::exception&) {
      return error_answer(bad_request("after must be a number in a string"), correlation());
    }
  } else if (after_it != body->end() && after_it->is_number_unsigned()) {
    after = after_it->get<std::size_t>();
  }
  if (limit < 1 || limit > 200) {
    return error_answer(bad_request("limit must be 1 to 200"), correlation());
  }
  hubspot_error problem;
  auto found =
      store.search(q.param("type"), body->value("filterGroups", nlohmann::json::array()), problem);
  if (problem.status != 0) return error_answer(problem, correlation());
  const auto names = names_of(*body);
  nlohmann::json results = nlohmann::json::array();
  for (std::size_t i = after; i < found.size() && i < after + limit; ++i) {
    results.push_back(select_properties(std::move(found[i]), names));
  }
  nlohmann::json answer{{"total", found.size()}, {"results", std::move(results)}};
  if (after + limit < found.size()) {
    const auto next = std::to_string(after + limit);
    answer["paging"] = {{"next", {{"after", next}, {"link", q.path + "?after=" + next}}}};
  }
  return api::json_response(200, answer);
}

api::http_response mock_crm_hubspot::impl::associate(const api::http_request& q) {
  const auto from = q.param("from"), to = q.param("to");
  const hubspot_association_type type{"HUBSPOT_DEFINED",
                                      hubspot_store::default_association_type(from, to)};
  if (auto problem = store.associate(from, q.param("fromId"), to, q.param("toId"), type)) {
    return error_answer(*problem, correlation());
  }
  const auto at = hubspot_now();
  nlohmann::json spec{{"associationCategory", type.category}, {"associationTypeId", type.type_id}};
  nlohmann::json result{{"from", {{"id", q.param("fromId")}}},
                        {"to", {{"id", q.param("toId")}}},
                        {"associationSpec", spec}};
  return api::json_response(
      200, {{"status", "COMPLETE"}, {"results", {result}}, {"startedAt", at}, {"completedAt", at}});
}

api::http_response mock_crm_hubspot::impl::associations(const api::http_request& q) {
  auto found = store.associations(q.param("from"), q.param("fromId"), q.param("to"));
  if (!found) {
    return error_answer({404,
                         "OBJECT_NOT_FOUND",
                         "Object not found.  objectId are usually numeric.",
                         {{"id", {q.param("fromId")}}}},
                        correlation());
  }
  return api::json_response(200, {{"results", std::move(*found)}});
}

api::http_response mock_crm_hubspot::impl::oauth_token(const api::http_request& q) {
  // HubSpot's v1 token endpoint answers its errors as {"status": CODE, "message"}.
  const auto refuse = [this](const char* status, const std::string& message) {
    return api::json_response(
        400, {{"status", status}, {"message", message}, {"correlationId", correlation()}});
  };
  std::string problem;
  const auto form = parse_form(q.body, problem);
  if (!form) return refuse("BAD_REQUEST", "the form body is malformed: " + problem);
  const auto field = [&](const char* name) {
    const auto it = form->find(name);
    return it == form->end() ? std::string() : it->second;
  };
  if (options.client_id.empty() || field("client_id") != options.client_id) {
    return refuse("BAD_CLIENT_ID", "missing or unknown client_id");
  }
  if (field("client_secret") != options.client_secret) {
    return refuse("BAD_CLIENT_SECRET", "the client_secret does not match the client");
  }
  const auto grant = field("grant_type");
  std::string refresh;
  if (grant == "refresh_token") {
    refresh = field("refresh_token");
    if (!tokens.known_refresh(refresh)) {
      return refuse("BAD_REFRESH_TOKEN", "missing or unknown refresh token");
    }
  } else if (grant == "authorization_code") {
    if (field("code").empty()) return refuse("BAD_AUTH_CODE", "missing authorization code");
    refresh = tokens.issue_refresh();
  } else if (grant != "client_credentials") {
    return refuse("BAD_GRANT_TYPE",
                  "grant_type must be refresh_token, authorization_code or client_credentials");
  }
  const auto ttl_seconds = std::max<std::int64_t>(1, (tokens.ttl().count() + 999) / 1000);
  nlohmann::json answer{{"token_type", "bearer"},
                        {"access_token", tokens.issue_access(hubspot_clock::now())},
                        {"expires_in", ttl_seconds}};
  if (!refresh.empty()) answer["refresh_token"] = refresh;
  return api::json_response(200, answer);
}

void mock_crm_hubspot::impl::note_inputs(std::size_t n) {
  auto seen = max_inputs.load();
  while (n > seen && !max_inputs.compare_exchange_weak(seen, n)) {
  }
}

api::router mock_crm_hubspot::impl::routes() {
  api::router r;
  using request = api::http_request;
  const std::string objects = "/crm/v3/objects/{type}";
  add(r, "POST", objects, "create", true, [this](const request& q) { return create(q); });
  add(r, "GET", objects + "/{id}", "get", true, [this](const request& q) { return get(q); });
  add(r, "PATCH", objects + "/{id}", "update", true,
      [this](const request& q) { return update(q); });
  add(r, "POST", objects + "/batch/read", "batch_read", true,
      [this](const request& q) { return batch_read(q); });
  for (const char* verb : {"create", "update", "upsert"}) {
    const std::string kind = std::string("batch_") + verb;
    add(r, "POST", objects + "/batch/" + verb, kind, true,
        [this, kind](const request& q) { return batch_write(q, kind); });
  }
  add(r, "POST", objects + "/search", "search", true,
      [this](const request& q) { return search(q); });
  const std::string v4 = "/crm/v4/objects/{from}/{fromId}/associations";
  add(r, "PUT", v4 + "/default/{to}/{toId}", "associate", true,
      [this](const request& q) { return associate(q); });
  add(r, "GET", v4 + "/{to}", "associations_read", true,
      [this](const request& q) { return associations(q); });
  add(r, "POST", "/oauth/v1/token", "oauth_token", false,
      [this](const request& q) { return oauth_token(q); });
  r.add_sync("GET", "/_mock/stats",
             [this](const request&) { return api::json_response(200, stats_json()); });
  r.add_sync("GET", "/_mock/dump",
             [this](const request&) { return api::json_response(200, store.dump()); });
  r.add_sync("GET", "/_mock/faults",
             [this](const request&) { return api::json_response(200, faults.settings_json()); });
  r.add_sync("POST", "/_mock/faults", [this](const request& q) {
    std::string problem;
    auto body = api::parse_json_body(q, problem);
    if (body) problem = faults.apply(*body);
    if (!problem.empty()) return api::error_response(400, problem);
    return api::json_response(200, faults.settings_json());
  });
  r.add_sync("POST", "/_mock/reset", [this](const request&) {
    reset_all();
    return api::http_response::empty(204);
  });
  return r;
}

nlohmann::json mock_crm_hubspot::impl::stats_json() const {
  nlohmann::json by_kind = nlohmann::json::object();
  std::uint64_t total = 0;
  for (const auto& [kind, count] : calls) {
    by_kind[kind] = count->load();
    total += count->load();
  }
  const auto totals = store.totals();
  return {{"requests", {{"total", total}, {"by_kind", by_kind}}},
          {"objects", store.counts()},
          {"created", totals["created"]},
          {"updated", totals["updated"]},
          {"records_written",
           totals["created"].get<std::uint64_t>() + totals["updated"].get<std::uint64_t>()},
          {"record_errors", record_errors.load()},
          {"rate_limited", rate_limited_count.load()},
          {"search_rate_limited", search_rate_limited_count.load()},
          {"unauthorized", unauthorized.load()},
          {"idempotent_replays", idempotent_replays.load()},
          {"max_inputs_per_call", max_inputs.load()},
          {"faults_injected", faults.injected_json()},
          {"faults", faults.settings_json()}};
}

void mock_crm_hubspot::impl::reset_all() {
  store.clear();
  faults.reset();
  quota.clear();
  search_quota.clear();
  tokens.clear();
  {
    std::lock_guard<std::mutex> lock(idempotency_mutex);
    idempotency.clear();
  }
  for (auto& entry : calls) entry.second->store(0);
  for (auto* c : {&rate_limited_count, &search_rate_limited_count, &unauthorized,
                  &idempotent_replays, &record_errors, &max_inputs}) {
    c->store(0);
  }
  std::lock_guard<std::mutex> lock(record_dice_mutex);
  record_dice.seed(options.seed);
}

mock_crm_hubspot::mock_crm_hubspot(mock_crm_hubspot_options options) {
  if (auto problem = options.problem(); !problem.empty()) {
    throw std::invalid_argument("HubSpot mock CRM: " + problem);
  }
  impl_ = std::make_unique<impl>(std::move(options));
  api::server_options server;
  server.listen_address = impl_->options.listen_address;
  server.port = impl_->options.port;
  server.threads = impl_->options.threads;
  server.max_body_bytes = impl_->options.max_body_bytes;
  server.server_name = "tixsync-mock-crm-hubspot";
  server.max_connections = impl_->options.max_connections;
  impl_->server = std::make_unique<api::http_server>(server, impl_->routes());
}

mock_crm_hubspot::~mock_crm_hubspot() {
  stop();
}

void mock_crm_hubspot::start() {
  impl_->server->start();
}

void mock_crm_hubspot::stop() {
  impl_->server->stop();
}

std::uint16_t mock_crm_hubspot::port() const {
  return impl_->server->port();
}

std::string mock_crm_hubspot::url() const {
  const auto& address = impl_->options.listen_address;
  const bool v6 = address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port());
}

nlohmann::json mock_crm_hubspot::stats() const {
  return impl_->stats_json();
}

nlohmann::json mock_crm_hubspot::dump() const {
  return impl_->store.dump();
}
}  // namespace tixsync::app
