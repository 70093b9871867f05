// queue_store: what a person does with items: retry (due now, fresh attempts) and cancel, for
// single items, lists of items, or every parked item of one cause.
#include "persistence/queue_internal.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::persistence {

status queue_store::retry(const item_ref& ref, std::int64_t now_ms, const std::string& who) {
  auto results = retry_many({ref}, now_ms, who);
  if (!results) return results.error();
  return results->front();
}

status queue_store::cancel(const item_ref& ref, std::int64_t now_ms, const std::string& who) {
  auto results = cancel_many({ref}, now_ms, who);
  if (!results) return results.error();
  return results->front();
}

status_or<std::vector<status>> queue_store::retry_many(const std::vector<item_ref>& refs,
                                                       std::int64_t now_ms,
                                                       const std::string& who) {
  return person_action("retry", refs, now_ms, who);
}

status_or<std::vector<status>> queue_store::cancel_many(const std::vector<item_ref>& refs,
                                                        std::int64_t now_ms,
                                                        const std::string& who) {
  return person_action("cancel", refs, now_ms, who);
}

status_or<std::vector<status>> queue_store::person_action(const char* script,
                                                          const std::vector<item_ref>& refs,
                                                          std::int64_t now_ms,
                                                          const std::string& who) {
  if (auto s = detail::check_time(now_ms); !s) return s;
  if (!who.empty()) {
    if (auto s = detail::check_text("who", who, 200); !s) return s;
  }
  for (const auto& r : refs) {
    if (auto s = validate(r); !s) return s;
  }
  std::vector<script_call> calls;
  std::vector<std::vector<std::size_t>> members;
  for (const auto& group : detail::group_by_provider(refs, 200)) {
    script_call call{script, options_.keys.queue(refs[group.front()].provider).all(),
                     base_args(now_ms)};
    call.args.push_back(who);
    for (std::size_t i : group) {
      call.keys.push_back(options_.keys.audit_log(refs[i]));
      call.args.push_back(refs[i].id());
    }
    calls.push_back(std::move(call));
    members.push_back(group);
  }
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  auto done = detail::per_item_statuses(*replies, members, refs, script);
  // A canceled order leaves the queue as a completed one does.
  if (done && std::string(script) == "cancel") retire_snapshots(refs, *done);
  return done;
}

status_or<std::size_t> queue_store::retry_cause(const std::string& provider, park_state state,
                                                const std::string& cause, std::int64_t now_ms,
                                                const std::string& who) {
  return cause_action("retry", provider, state, cause, now_ms, who);
}

status_or<std::size_t> queue_store::cancel_cause(const std::string& provider, park_state state,
                                                 const std::string& cause, std::int64_t now_ms,
                                                 const std::string& who) {
  return cause_action("cancel", provider, state, cause, now_ms, who);
}

// Pages through the parked index by the prefix "state:cause|" and acts on each page; acted-on
// items leave the index, so every page starts at the front. Bounded to 1000 pages.
status_or<std::size_t> queue_store::cause_action(const char* script, const std::string& provider,
                                                 park_state state, const std::string& cause,
                                                 std::int64_t now_ms, const std::string& who) {
  if (auto s = check_provider(provider); !s) return s;
  const std::string prefix = std::string(to_string(state)) + ":" + cause + "|";
  const auto parked = options_.keys.queue(provider).parked;
  std::size_t done = 0;
  std::size_t offset = 0;  // skips members we could not act on, so the loop ends
  for (int page = 0; page < 1000; ++page) {
    auto members = connection_.command({"ZRANGEBYLEX", parked, "[" + prefix, "[" + prefix + "\xff",
                                        "LIMIT", std::to_string(offset), "200"});
    if (!members) return members.error();
    if (!members->is_array()) return status(persistence_errc::protocol_error, members->str);
    if (members->elements.empty()) break;
    std::vector<item_ref> refs;
    for (const auto& m : members->elements) {
      item_ref ref;
      if (parse_item_id(provider, m.str.substr(prefix.size()), ref))
        refs.push_back(ref);
      else
        ++offset;
    }
    auto results = person_action(script, refs, now_ms, who);
    if (!results) return results.error();
    for (const auto& r : *results) r.ok() ? ++done : ++offset;
  }
  return done;
}

}  // namespace tixsync::persistence
