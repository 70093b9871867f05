// The calls of one batch of objects of one REST object type, gathered from many orders: a batch
// read of the existing records when an update mode needs them, the merge of every object exactly
// as the per-object chain merges it, one batch write, and each object's own outcome from the
// answer (matched by id value). Internal to providers/rest (the batch collector starts it).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/rest/batch_answer.hpp"
#include "providers/rest/rest_object_sync.hpp"

namespace tixsync::providers::rest {

/// One object handed to the batched path, with the key its id value is matched by.
struct batch_entry {
  object_request request;
  object_completion done;
  std::string key;
  std::chrono::steady_clock::time_point arrived;
};

/// The state of one batch; owned by the completion of its current request.
class batch_call : public std::enable_shared_from_this<batch_call> {
 public:
  /// Called once when every object of the batch has its outcome, with their keys.
  using on_finished = std::function<void(std::vector<std::string> keys)>;

  /// Starts the batch; every entry's completion is called exactly once. `paced`: a rate token
  /// for its first call was taken already (the batcher takes it before it fills the batch).
  static void start(std::shared_ptr<const rest_context> context, const object_settings& object,
                    std::vector<batch_entry> entries, on_finished finished, bool paced = false);

  batch_call(std::shared_ptr<const rest_context> context, const object_settings& object,
             std::vector<batch_entry> entries, on_finished finished, bool paced = false);
  /// Reports the keys to `finished`.
  ~batch_call();

 private:
  struct member {
    batch_entry entry;
    placeholder_values values;
    std::vector<std::string> property_names;
    std::optional<json> existing;
    bool was_read = false;
    json record;
    bool settled = false;
  };
  using next_step = void (batch_call::*)(const http_call&, http::http_response,
                                         const std::vector<member*>&);

  void read_existing();
  void on_read(const http_call& call, http::http_response response,
               const std::vector<member*>& readers);
  /// Merges every member still open; upserts them, or creates the new and updates the others.
  void write();
  void on_written(const http_call& call, http::http_response response,
                  const std::vector<member*>& writers);
  /// The outcome of one written member from what the answer says about it.
  void settle(member& m, const record_answer* answer, const http_call& call,
              const http::http_response& response);

  /// Sends `endpoint` with the inputs of `members` (expanded from the call's input template; a
  /// member whose input fails to expand fails alone); `next` gets a 2xx answer, anything else
  /// fails the members sent (still open) with its error. False when no member was left to send.
  /// The call takes its rate token first (rest_context::pace_batch_call); a refused token fails
  /// the members with the refusal.
  bool send(const batch_endpoint& endpoint, const std::vector<member*>& members, next_step next);
  /// Sends the built request; `next` or the failure of `members` as for send().
  void transmit(http::http_request request, const http_call& call,
                const std::vector<member*>& members, next_step next);
  /// The JSON value of a batch-level placeholder ({inputs}, {property_names}, ...).
  json call_placeholder(placeholder name, const json& inputs) const;
  /// The answer matched to `members` (their keys, and their external ids as aliases), or
  /// nullopt after failing them all (not JSON, no records list).
  std::optional<matched_answer> match(const http_call& call, const http::http_response& response,
                                      const std::vector<member*>& members);
  std::vector<member*> all_members();
  bool endpoint_is_create(const batch_endpoint& endpoint) const;

  void succeed(member& m, const std::string& action);
  void fail(member& m, sync_error error);
  void fail_all(const std::vector<member*>& members, const sync_error& error);
  void log_exchange(const http_call& call, const http::http_result& result,
                    std::size_t records) const;
  void warn(const std::string& text) const;

  std::shared_ptr<const rest_context> context_;
  const object_settings& object_;
  const batch_settings& batch_;
  std::vector<member> members_;
  on_finished finished_;
  placeholder_values call_values_;                ///< {base_url}, {object_type}
  std::vector<std::string> call_property_names_;  ///< every member's names, each once
  bool token_at_hand_ = false;                    ///< the next call's token was taken
};

}  // namespace tixsync::providers::rest
