// `tixsync mock-crm`: runs the mock CRM (app/mock_crm.hpp) until SIGINT/SIGTERM. Prints one line
// "mock-crm listening on http://ADDRESS:PORT" (flushed) so scripts started with --port 0 learn
// the port, then serves; a signal stops it and the command exits 0.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>

#include "app/commands.hpp"
#include "app/mock_crm.hpp"
#include "app/open_files.hpp"

namespace tixsync::app {
namespace {

struct mock_crm_command_options {
  mock_crm_options crm;
  int port = 0;
  std::string token_env;
  std::string hook_secret_env;
};

constexpr const char* endpoints_help = R"(Endpoints:
  GET    /api/{type}/{id}          200 the object | 404
  GET    /api/{type}?FIELD=VALUE   200 {"results": [objects whose FIELD equals VALUE]} (all
                                   given fields must match; no query lists every object)
  POST   /api/{type}               201 the JSON object stored with a new string id "1", "2", ...
  PATCH  /api/{type}/{id}          200 the object with the body's fields merged in | 404
  PUT    /api/{type}/{id}          200 the object replaced by the body (id kept) | 404
  DELETE /api/{type}/{id}          204 | 404
  POST   /hooks/{name}             204; the delivery (body, headers, time) is kept, without
                                   the credentials of an Authorization header; 401 when
                                   --hook-secret-env is given and the signature is not valid
  GET    /_mock/stats              requests by method and route, objects per type, created/
                                   updated/deleted, injected faults by kind, current faults
  GET    /_mock/dump               {type: [objects]}
  GET    /_mock/hooks[?name=N]     received webhooks
  GET    /_mock/faults             the current fault settings
  POST   /_mock/faults             change them at runtime, e.g. {"latency_ms": 20,
                                   "fail_rate": 0.2, "rate_limit_rate": 0.1, "retry_after": "2",
                                   "close_rate": 0, "reject_rate": 0, "slow_rate": 0, "slow_ms": 0,
                                   "outage_seconds": 30}
  POST   /_mock/reset              forget objects, hooks and counters; faults back to the options
Faults apply to /api/* and /hooks/*, never to /_mock/*. Each request draws from a seeded RNG:
close (connection closed without an answer), 429 with Retry-After, 503, or 422 (--reject-rate),
with the given rates;
independently it is slow with --slow-rate. Latency and slowness are timers, no thread waits.
During an outage every /api and /hooks request is answered 503 at once. With a token, /api/*
needs "Authorization: Bearer TOKEN" (401 otherwise); /hooks/* and /_mock/* need none. With
--hook-secret-env, /hooks/* needs a valid X-Tixsync-Signature (401 otherwise).
On start it prints one line "mock-crm listening on http://ADDRESS:PORT" (the port chosen when
--port is 0). Stops on SIGINT or SIGTERM with exit code 0.)";

void serve(mock_crm_command_options& o) {
  // A flag naming an environment variable: its value, which must be set (empty flag: none).
  const auto secret_of = [](const char* flag, const std::string& name, std::string& value) {
    if (name.empty()) return;
    const char* found = std::getenv(name.c_str());
    if (!found || !*found) {
      throw command_error(exit_usage, std::string(flag) + " " + name +
                                          ": the environment variable is not set or empty");
    }
    value = found;
  };
  secret_of("--token-env", o.token_env, o.crm.token);
  secret_of("--hook-secret-env", o.hook_secret_env, o.crm.hook_secret);
  if (auto problem = o.crm.faults.problem(); !problem.empty()) {
    throw command_error(exit_usage, "fault options: " + problem);
  }
  o.crm.port = static_cast<std::uint16_t>(o.port);
  // Like a node: the hard open-file limit, and a cap that leaves room for the process itself.
  o.crm.max_connections = std::max<std::size_t>(
      1, connections_within(raise_open_file_limit(), process_descriptor_reserve));

  // Signals are taken by this thread; the server's threads inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  mock_crm crm(o.crm);
  try {
    crm.start();
  } catch (const std::exception& e) {
    throw command_error(exit_unavailable, e.what());
  }
  std::cout << "mock-crm listening on " << crm.url() << std::endl;
  int signal = 0;
  while (sigwait(&signals, &signal) != 0 || (signal != SIGINT && signal != SIGTERM)) {
  }
  crm.stop();
}

}  // namespace

void register_mock_crm_command(CLI::App& app, command_action& run) {
  auto o = std::make_shared<mock_crm_command_options>();
  auto* cmd = app.add_subcommand(
      "mock-crm",
      "Run a mock CRM over HTTP (REST objects, webhooks, fault injection) for demos, "
      "tests and benchmarks");
  cmd->footer(endpoints_help);
  cmd->add_option("--port", o->port, "TCP port; 0 picks a free one (printed on the first line)")
      ->required()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--listen", o->crm.listen_address, "IP address to listen on")
      ->capture_default_str();
  cmd->add_option("--latency-ms", o->crm.faults.latency_ms, "Delay of every /api and /hooks answer")
      ->check(CLI::Range(0, 86400000));
  cmd->add_option("--fail-rate", o->crm.faults.fail_rate, "Share of requests answered 503")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--rate-limit-rate", o->crm.faults.rate_limit_rate,
                  "Share of requests answered 429 with Retry-After")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--retry-after", o->crm.faults.retry_after,
                  "Retry-After of the 429s: seconds or an HTTP-date")
      ->capture_default_str();
  cmd->add_option("--reject-rate", o->crm.faults.reject_rate,
                  "Share of requests answered 422 (refused, as for invalid data)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--close-rate", o->crm.faults.close_rate,
                  "Share of requests whose connection is closed without an answer")
      ->check(CLI::Range(0.0, 1.0));
  auto* slow_rate = cmd->add_option("--slow-rate", o->crm.faults.slow_rate,
                                    "Share of requests that wait --slow-ms longer")
                        ->check(CLI::Range(0.0, 1.0));
  auto* slow_ms =
      cmd->add_option("--slow-ms", o->crm.faults.slow_ms, "Extra delay of the slow requests")
          ->check(CLI::Range(0, 86400000));
  slow_rate->needs(slow_ms);
  auto* token = cmd->add_option("--token", o->crm.token,
                                "Require 'Authorization: Bearer TOKEN' on /api/* (visible in the "
                                "process list: prefer --token-env)");
  auto* token_env = cmd->add_option("--token-env", o->token_env,
                                    "Read the bearer token from this environment variable");
  token->excludes(token_env);
  cmd->add_option("--hook-secret-env", o->hook_secret_env,
                  "Verify the X-Tixsync-Signature of every /hooks delivery with the secret in this "
                  "environment variable (401 when it is wrong or older than 5 minutes)");
  cmd->add_option("--seed", o->crm.seed, "Seed of the fault dice (same seed, same faults)")
      ->capture_default_str();
  cmd->add_option("--threads", o->crm.threads, "I/O threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->callback([o, &run] { run = [o] { serve(*o); }; });
}

}  // namespace tixsync::app
