// `tixsync retry` and `tixsync cancel`: a person's action on one job (--event and --order) or on
// every parked job of one cause (--state and --cause, as `jobs --causes` lists them). The two
// verbs share options and code, so they live together. In flight: exit 5; no such job: exit 4.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/queue_access.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::app {
namespace {

struct manual_options {
  redis_options redis;
  std::string verb;  ///< "retry" or "cancel"
  std::string provider, event, order, state, cause;
  std::string who = "cli";
};

void print_done(const manual_options& o, std::size_t count, const std::string& what) {
  if (o.redis.json) {
    std::cout << nlohmann::json{{"action", o.verb},
                                {"provider", o.provider},
                                {"target", what},
                                {"count", count}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << (o.verb == "retry" ? "retried " : "canceled ") << count << " job(s): " << what
              << "\n";
  }
}

void run_manual(const manual_options& o) {
  const bool one = !o.order.empty();
  if (one == !o.cause.empty() || one != !o.event.empty() || one == !o.state.empty()) {
    throw command_error(exit_usage, "give --event and --order, or --state and --cause");
  }
  persistence::park_state state = persistence::park_state::internal;
  if (!one && !persistence::parse_park_state(o.state, state)) {
    throw command_error(exit_usage,
                        "--state must be a parked state "
                        "(exceeded, permanent, config, internal, timeout)");
  }
  auto access = open_queue(o.redis);
  persistence::queue_store queue(*access.connection, queue_options_of(access));
  const std::int64_t now = now_ms();
  const bool retry = o.verb == "retry";
  if (one) {
    const persistence::item_ref ref{o.provider, o.event, o.order};
    auto done = retry ? queue.retry(ref, now, o.who) : queue.cancel(ref, now, o.who);
    if (!done.ok()) fail(done, o.verb + " " + o.event + " " + o.order);
    print_done(o, 1, o.event + " " + o.order);
    return;
  }
  auto count = retry ? queue.retry_cause(o.provider, state, o.cause, now, o.who)
                     : queue.cancel_cause(o.provider, state, o.cause, now, o.who);
  const std::size_t n = must(std::move(count), o.verb + " " + o.state + " " + o.cause);
  if (n == 0) {
    throw command_error(exit_not_found, "no " + o.state + " jobs with cause '" + o.cause + "'");
  }
  print_done(o, n, o.state + ":" + o.cause);
}

void register_verb(CLI::App& app, command_action& run, const std::string& verb,
                   const std::string& help) {
  auto o = std::make_shared<manual_options>();
  o->verb = verb;
  auto* cmd = app.add_subcommand(verb, help);
  cmd->add_option("--provider", o->provider, "Provider id")->required();
  cmd->add_option("--event", o->event, "Event of the job (organizer/event)");
  cmd->add_option("--order", o->order, "Order code of the job");
  cmd->add_option("--state", o->state, "Parked state of the cause");
  cmd->add_option("--cause", o->cause, "Cause, as `jobs --causes` lists it");
  cmd->add_option("--who", o->who, "Name logged with the action (default: cli)");
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] { run = [o] { run_manual(*o); }; });
}

}  // namespace

void register_manual_commands(CLI::App& app, command_action& run) {
  register_verb(app, run, "retry", "Make a parked or waiting job due now (one job or a cause)");
  register_verb(app, run, "cancel", "Delete a waiting job (one job or a cause); never in flight");
}

}  // namespace tixsync::app
