// `tixsync mock-crm`: runs the mock CRM (app/mock_crm.hpp, or with --flavor hubspot the
// HubSpot-shaped one, app/mock_crm_hubspot.hpp) until SIGINT/SIGTERM. Prints one line
// "mock-crm listening on http://ADDRESS:PORT" (flushed) so scripts started with --port 0 learn
// the port, then serves; a signal stops it and the command exits 0.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "app/mock_crm.hpp"
#include "app/mock_crm_hubspot.hpp"
#include "app/open_files.hpp"

namespace tixsync::app {
namespace {

struct mock_crm_command_options {
  mock_crm_options crm;
  int port = 0;
  std::string token_env;
  std::string hook_secret_env;
  std::string flavor = "generic";
  mock_crm_hubspot_options hubspot;
  std::string client_secret_env;
  std::vector<std::string> unique;
  double token_ttl_seconds = 1800;
  int rate_window_ms = 10000;
  std::string ratelimit_headers = "hubspot";
  /// The options only the hubspot flavor takes (refused with the generic one).
  std::vector<CLI::Option*> hubspot_only;
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
--port is 0). Stops on SIGINT or SIGTERM with exit code 0.

--flavor hubspot: the subset of HubSpot's CRM API a sync uses, as HubSpot documents it:
  POST  /crm/v3/objects/{type}               201 {id, properties, createdAt, updatedAt, archived};
                                             409 CONFLICT "... already exists. Existing ID: N"
                                             for a taken unique value (contacts' email, --unique)
  GET   /crm/v3/objects/{type}/{id}          ?idProperty=P&properties=a,b ; 404 OBJECT_NOT_FOUND
  PATCH /crm/v3/objects/{type}/{id}          ?idProperty=P ; {"properties": {...}}
  POST  /crm/v3/objects/{type}/batch/read    {inputs: [{id}], idProperty, properties}: 200, or
                                             207 with errors[] OBJECT_NOT_FOUND (context.ids)
  POST  /crm/v3/objects/{type}/batch/create|update|upsert   at most 100 inputs (else 400
                                             VALIDATION_ERROR); failing records give 207 with
                                             errors[] {status, category, message, context (ids,
                                             objectWriteTraceId)}, the others are written;
                                             upsert results carry "new"; an upsert input with
                                             associations fails alone (HubSpot's upsert takes
                                             none). Results come back in
                                             REVERSE input order, always: match them by id.
  POST  /crm/v3/objects/{type}/search        {filterGroups: [{filters: [{propertyName, operator
                                             EQ|NEQ|IN|NOT_IN|HAS_PROPERTY|NOT_HAS_PROPERTY,
                                             value|values}]}], properties, limit, after} ->
                                             {total, results, paging.next.after}
  PUT   /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}
  GET   /crm/v4/objects/{from}/{fromId}/associations/{to}
  POST  /oauth/v1/token                      form: grant_type=refresh_token|client_credentials|
                                             authorization_code, client_id, client_secret:
                                             {access_token, expires_in, refresh_token}
  GET   /_mock/stats, /_mock/dump, GET|POST /_mock/faults, POST /_mock/reset
Every /crm request needs a valid bearer token when --token-env or --client-id is given (401
INVALID_AUTHENTICATION or EXPIRED_AUTHENTICATION otherwise) and counts against its token's
rolling window (--rate-limit per --rate-window-ms; search: --search-rate-limit per second): 429
RATE_LIMIT (policyName TEN_SECONDLY_ROLLING, SECONDLY or DAILY) with Retry-After beyond it.
Answers carry X-HubSpot-RateLimit-{Max,Remaining,Interval-Milliseconds,Secondly,
Secondly-Remaining,Daily,Daily-Remaining} and/or RateLimit-Policy and RateLimit
(--ratelimit-headers). A record with a property equal to --fail-marker, or picked by
--record-fail-rate, fails on its own (VALIDATION_ERROR).)";

/// Serves `crm` (either flavor) until SIGINT or SIGTERM.
template <typename crm_type>
void run_until_signal(std::unique_ptr<crm_type> crm) {
  // Signals are taken by this thread; the server's threads inherit the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    crm->start();
  } catch (const std::exception& e) {
    throw command_error(exit_unavailable, e.what());
  }
  std::cout << "mock-crm listening on " << crm->url() << std::endl;
  int signal = 0;
  while (sigwait(&signals, &signal) != 0 || (signal != SIGINT && signal != SIGTERM)) {
  }
  crm->stop();
}

/// The HubSpot-shaped mock from the shared and the hubspot-only options.
std::unique_ptr<mock_crm_hubspot> hubspot_flavor(mock_crm_command_options& o) {
  auto& h = o.hubspot;
  h.listen_address = o.crm.listen_address;
  h.port = o.crm.port;
  h.threads = o.crm.threads;
  h.token = o.crm.token;
  h.seed = o.crm.seed;
  h.faults = o.crm.faults;
  h.max_connections = o.crm.max_connections;
  if (!o.hook_secret_env.empty()) {
    throw command_error(exit_usage, "--hook-secret-env applies to the generic flavor only");
  }
  for (const auto& entry : o.unique) {
    const auto colon = entry.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == entry.size()) {
      throw command_error(exit_usage, "--unique " + entry + ": expected TYPE:PROPERTY");
    }
    h.unique.emplace_back(entry.substr(0, colon), entry.substr(colon + 1));
  }
  h.token_ttl = std::chrono::milliseconds(static_cast<std::int64_t>(o.token_ttl_seconds * 1000));
  h.rate_window = std::chrono::milliseconds(o.rate_window_ms);
  h.headers = *parse_ratelimit_headers(o.ratelimit_headers);  // checked by the option
  try {
    return std::make_unique<mock_crm_hubspot>(h);
  } catch (const std::invalid_argument& e) {
    throw command_error(exit_usage, e.what());
  }
}

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
  if (o.flavor == "hubspot") {
    secret_of("--client-secret-env", o.client_secret_env, o.hubspot.client_secret);
    return run_until_signal(hubspot_flavor(o));
  }
  for (const auto* option : o.hubspot_only) {
    if (option->count() > 0) {
      throw command_error(exit_usage, option->get_name() + " needs --flavor hubspot");
    }
  }
  run_until_signal(std::make_unique<mock_crm>(o.crm));
}

/// The --flavor option and the options of the HubSpot-shaped mock.
void add_hubspot_options(CLI::App* cmd, mock_crm_command_options& o) {
  cmd->add_option("--flavor", o.flavor,
                  "generic (the REST mock above) or hubspot (HubSpot's CRM API, see below)")
      ->capture_default_str()
      ->check(CLI::IsMember({"generic", "hubspot"}));
  auto& h = o.hubspot;
  const auto only = [&o](CLI::Option* option) { o.hubspot_only.push_back(option); };
  only(cmd->add_option("--client-id", h.client_id,
                       "hubspot: the OAuth client POST /oauth/v1/token accepts"));
  only(cmd->add_option("--client-secret-env", o.client_secret_env,
                       "hubspot: read that client's secret from this environment variable"));
  only(cmd->add_option("--token-ttl", o.token_ttl_seconds,
                       "hubspot: lifetime in seconds of the access tokens it issues")
           ->capture_default_str()
           ->check(CLI::Range(0.001, 86400.0 * 365)));
  only(cmd->add_option("--unique", o.unique,
                       "hubspot: TYPE:PROPERTY is unique (409 on a taken value; upsert key); "
                       "contacts:email always is"));
  only(cmd->add_option("--rate-limit", h.rate_limit, "hubspot: requests per window and token")
           ->capture_default_str()
           ->check(CLI::Range(1, 100000000)));
  only(cmd->add_option("--rate-window-ms", o.rate_window_ms, "hubspot: the rolling window")
           ->capture_default_str()
           ->check(CLI::Range(1, 86400000)));
  only(cmd->add_option("--search-rate-limit", h.search_rate_limit,
                       "hubspot: search requests per second and token")
           ->capture_default_str()
           ->check(CLI::Range(1, 100000000)));
  only(cmd->add_option("--daily-limit", h.daily_limit, "hubspot: requests per day and token")
           ->capture_default_str()
           ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40)));
  only(cmd->add_option("--ratelimit-headers", o.ratelimit_headers,
                       "hubspot: which rate-limit headers answers carry: hubspot "
                       "(X-HubSpot-RateLimit-*), ietf (RateLimit, RateLimit-Policy) or both")
           ->capture_default_str()
           ->check(CLI::IsMember({"hubspot", "ietf", "both"})));
  only(cmd->add_flag("--honour-idempotency-key", h.honour_idempotency_key,
                     "hubspot: a create repeating an Idempotency-Key gets the first answer and "
                     "creates nothing"));
  only(cmd->add_option("--fail-marker", h.fail_marker,
                       "hubspot: a record with a property of this value fails on its own")
           ->capture_default_str());
  only(cmd->add_option("--record-fail-rate", h.record_fail_rate,
                       "hubspot: share of written records that fail on their own")
           ->check(CLI::Range(0.0, 1.0)));
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
  add_hubspot_options(cmd, *o);
  cmd->callback([o, &run] { run = [o] { serve(*o); }; });
}

}  // namespace tixsync::app
