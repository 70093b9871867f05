// One object's sync by the REST provider as a chain of HTTP exchanges: get by the previous
// external id (404 -> lookup) or lookup by id value, then create, update or nothing; each step
// is started by the completion of the one before, on the transport's thread. Internal to
// providers/rest (rest_provider.cpp starts it; tests go through rest_provider).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "providers/http/http_client.hpp"
#include "providers/log_sink.hpp"
#include "providers/provider.hpp"
#include "providers/rest/credentials.hpp"
#include "providers/rest/response_classification.hpp"
#include "providers/rest/rest_settings.hpp"

namespace tixsync::providers::rest {

/// Called before each HTTP call of a batch with `go`, which it calls exactly once: with nullopt
/// when the call may be sent (a rate token was taken, now or later, on any thread), or with the
/// error every object of the call is answered with. The guard gives one per HTTP call, as a
/// destination's quota counts requests, not the objects they carry.
using call_pacer = std::function<void(std::function<void(std::optional<sync_error>)> go)>;

/// What every object sync of one provider shares (immutable after construction).
struct rest_context {
  std::string provider_id;
  rest_settings settings;
  /// The list joiner ("" counts as native lists, as in the evaluation).
  std::optional<std::string> joiner;
  std::shared_ptr<http::http_transport> transport;
  log_sink log;
  redactor redact;
  /// Accept, extra headers, auth: shared by every request, not copied into each.
  std::shared_ptr<const http::header_list> headers;
  /// Paces the batch calls (empty: they go at once).
  call_pacer pace_batch_call;
};

/// The state of one object's sync; owned by the pending completion of its current request.
class rest_object_sync : public std::enable_shared_from_this<rest_object_sync> {
 public:
  /// Starts the chain; `done` is called exactly once, from the transport's thread (or inline
  /// for a request the transport refuses at once, or a configuration error).
  static void start(std::shared_ptr<const rest_context> context, object_request request,
                    object_completion done);

  rest_object_sync(std::shared_ptr<const rest_context> context, object_request request,
                   object_completion done, const object_settings& object);

 private:
  using handler = void (rest_object_sync::*)(const http_call&, http::http_result);

  void find_existing();
  void do_get();
  void on_get(const http_call& call, http::http_result result);
  void do_lookup();
  void on_lookup(const http_call& call, http::http_result result);
  /// `found` is the existing object (nullopt: a new one).
  void on_found(std::optional<json> found, const http_call& call,
                const http::http_response& response);
  void write();
  void on_created(const http_call& call, http::http_result result);
  /// A 409 on create: someone created the object meanwhile. Finds it (by the id in the error
  /// message and `get`, else by lookup) and writes again; only once per sync.
  void on_conflict(const http_call& call, const http::http_response& response);
  void on_updated(const http_call& call, http::http_result result);
  void succeed(const std::string& action);
  void fail(sync_error error);

  /// Sends a request of `settings` (with its header templates) carrying `body` (none when
  /// empty); `next` gets the result unless it failed (then the chain fails). A 404 reaches
  /// `next` when call.not_found_is_answer.
  void send(http_call call, const endpoint& settings, std::string body, handler next);
  /// The body of `call`: its template expanded; else the merged fields for a write (`writes`),
  /// or none.
  std::string body_of(const endpoint& call, bool writes) const;
  /// The failure of a call that got a non-2xx answer: a first 409 on create goes to
  /// on_conflict; the error gets the configured error message of the response.
  void on_failed(const http_call& call, const http::http_result& result, sync_error error);
  /// The text at the object's error_message path in an error response, if any.
  std::optional<std::string> error_message(const http::http_response& response) const;
  /// The JSON value of a placeholder for body templates.
  json placeholder_json(placeholder name) const;
  /// The idempotency key of this object's create (a hash: no personal data).
  std::string idempotency_key() const;
  /// One debug line per exchange: the call without its query, the status and the time taken.
  void log_exchange(const http_call& call, const http::http_result& result) const;
  /// The response body as JSON, or nullopt after failing the chain.
  std::optional<json> parse_body(const http_call& call, const http::http_response& response);

  std::shared_ptr<const rest_context> context_;
  object_request request_;
  object_completion done_;
  const object_settings& object_;
  placeholder_values values_;
  std::optional<json> existing_;
  json record_;                              ///< what create or update sends
  std::vector<std::string> property_names_;  ///< {property_names}, when a template uses it
  std::optional<std::size_t> lookup_matches_;
  bool conflict_seen_ = false;  ///< a create answered 409 once
};

}  // namespace tixsync::providers::rest
