// EVALSHA with one reload on NOSCRIPT, for single calls and pipelines, ended by WAIT when writes
// must be confirmed by replicas.
#include "persistence/script_runner.hpp"

#include <algorithm>

namespace tixsync::persistence {
namespace {

bool is_noscript(const redis_value& v) {
  return v.is_error() && v.str.rfind("NOSCRIPT", 0) == 0;
}

std::vector<std::string> evalsha_argv(const detail::embedded_script& s, const script_call& c) {
  std::vector<std::string> argv;
  argv.reserve(3 + c.keys.size() + c.args.size());
  argv.push_back("EVALSHA");
  argv.push_back(s.sha1);
  argv.push_back(std::to_string(c.keys.size()));
  argv.insert(argv.end(), c.keys.begin(), c.keys.end());
  argv.insert(argv.end(), c.args.begin(), c.args.end());
  return argv;
}

/// Whether replicas must confirm the calls: asked for, and some call acknowledges something.
bool needs_confirmation(const failover_options& failover, const std::vector<script_call>& calls) {
  return failover.min_replicas_acked > 0 &&
         std::any_of(calls.begin(), calls.end(),
                     [](const script_call& c) { return acknowledges(c.script); });
}

/// WAIT's timeout: replica_ack_timeout, but short enough that Redis answers within the
/// connection's command timeout (else the call fails as a timeout before WAIT can say how many).
std::int64_t wait_ms(const connection_options& options) {
  const std::int64_t answer_within = options.command_timeout.count() * 3 / 4;
  return std::max<std::int64_t>(
      1, std::min<std::int64_t>(options.failover.replica_ack_timeout.count(), answer_within));
}

}  // namespace

bool acknowledges(std::string_view script) {
  return script != "take_tokens" && script != "renew" && script != "expire" &&
         script != "release" && script != "catch_up_take" && script != "catch_up_renew";
}

status script_runner::confirm(redis_value wait_reply) {
  const auto& failover = connection_.options().failover;
  if (wait_reply.type == redis_value::kind::integer &&
      wait_reply.integer >= failover.min_replicas_acked) {
    return {};
  }
  // The server may have been cut off from its replicas (a failover elsewhere): ask again.
  connection_.disconnect();
  const std::string got =
      wait_reply.is_error() ? wait_reply.str : std::to_string(wait_reply.integer) + " did";
  return {persistence_errc::timeout,
          "the write was not confirmed by " + std::to_string(failover.min_replicas_acked) +
              " replica(s) within " + std::to_string(wait_ms(connection_.options())) + " ms (" +
              got + "), so it is not acknowledged"};
}

status_or<std::vector<redis_value>> script_runner::pipeline_confirmed(
    std::vector<std::vector<std::string>>& argvs, bool confirmed) {
  const auto& failover = connection_.options().failover;
  if (confirmed) {
    argvs.push_back({"WAIT", std::to_string(failover.min_replicas_acked),
                     std::to_string(wait_ms(connection_.options()))});
  }
  auto replies = connection_.pipeline(argvs);
  if (confirmed) argvs.pop_back();
  if (!replies || !confirmed) return replies;
  redis_value wait_reply = std::move(replies->back());
  replies->pop_back();
  if (auto s = confirm(std::move(wait_reply)); !s) return s;
  return replies;
}

status_or<std::vector<redis_value>> script_runner::run_acknowledged(
    std::vector<std::vector<std::string>> argvs) {
  return pipeline_confirmed(argvs, connection_.options().failover.min_replicas_acked > 0);
}

const detail::embedded_script* find_script(std::string_view name) {
  for (std::size_t i = 0; i < detail::embedded_script_count; ++i) {
    if (name == detail::embedded_scripts[i].name) return &detail::embedded_scripts[i];
  }
  return nullptr;
}

status script_runner::load(const detail::embedded_script& script) {
  auto reply = connection_.command({"SCRIPT", "LOAD", script.source});
  if (!reply) return reply.error();
  if (reply->is_error()) {
    return {persistence_errc::server_error,
            std::string("SCRIPT LOAD ") + script.name + ": " + reply->str};
  }
  if (reply->str != script.sha1) {
    return {persistence_errc::protocol_error, std::string("SCRIPT LOAD ") + script.name +
                                                  " returned sha " + reply->str + ", expected " +
                                                  script.sha1};
  }
  return {};
}

status script_runner::load_all() {
  for (std::size_t i = 0; i < detail::embedded_script_count; ++i) {
    if (auto s = load(detail::embedded_scripts[i]); !s) return s;
  }
  return {};
}

status_or<redis_value> script_runner::run(const script_call& call) {
  auto results = run_many({call});
  if (!results) return results.error();
  return std::move(results->front());
}

status_or<std::vector<redis_value>> script_runner::run_many(const std::vector<script_call>& calls) {
  std::vector<std::vector<std::string>> argvs;
  argvs.reserve(calls.size());
  for (const auto& call : calls) {
    const auto* script = find_script(call.script);
    if (!script) return {persistence_errc::invalid_argument, "unknown script " + call.script};
    if (static_cast<int>(call.keys.size()) < script->fixed_keys) {
      return {persistence_errc::invalid_argument,
              "script " + call.script + " needs " + std::to_string(script->fixed_keys) + " keys"};
    }
    argvs.push_back(evalsha_argv(*script, call));
  }
  const bool confirmed = needs_confirmation(connection_.options().failover, calls);
  auto replies = pipeline_confirmed(argvs, confirmed);
  if (!replies) return replies.error();
  // NOSCRIPT means the call did nothing: load each missing script once and rerun those calls.
  std::vector<std::size_t> rerun;
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if (is_noscript((*replies)[i])) rerun.push_back(i);
  }
  if (!rerun.empty()) {
    std::vector<std::vector<std::string>> again;
    std::vector<const detail::embedded_script*> loaded;
    for (std::size_t i : rerun) {
      const auto* script = find_script(calls[i].script);
      bool seen = false;
      for (const auto* l : loaded) seen = seen || l == script;
      if (!seen) {
        if (auto s = load(*script); !s) return s;
        loaded.push_back(script);
      }
      again.push_back(argvs[i]);
    }
    auto second = pipeline_confirmed(again, confirmed);
    if (!second) return second.error();
    for (std::size_t j = 0; j < rerun.size(); ++j) (*replies)[rerun[j]] = std::move((*second)[j]);
  }
  for (std::size_t i = 0; i < replies->size(); ++i) {
    if ((*replies)[i].is_error()) {
      return {persistence_errc::server_error,
              "script " + calls[i].script + ": " + (*replies)[i].str};
    }
  }
  return replies;
}

}  // namespace tixsync::persistence
