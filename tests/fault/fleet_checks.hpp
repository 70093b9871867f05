// What the fault tests assert about a fleet's outcome, from the data it left: the mock CRM's
// objects (each created exactly once), the queue (nothing left behind), and the orders' audit
// logs in Redis (who held which lease when a node died, how attempts were counted).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/fault/fleet.hpp"

namespace tixsync::testing {

/// Orders per test: TIXSYNC_FAULT_ORDERS overrides `fallback` (the size).
int orders_or(int fallback);

/// Requests the mock CRM counted, all routes.
std::uint64_t mock_requests(const nlohmann::json& stats);
/// Objects the mock CRM created.
std::uint64_t mock_created(const nlohmann::json& stats);
/// Requests the mock answered with an injected fault of `kind` ("fail", "rate_limit", "outage").
std::uint64_t mock_faults(const nlohmann::json& stats, const std::string& kind);

/// Every one of the `orders` orders has its contact and both tickets once, and nothing else was
/// created.
void expect_exactly_once(fleet& f, int orders);
/// The queue of "crm" holds nothing (failure messages list what is left).
void expect_queue_empty(fleet& f);
/// The codes of orders first .. first + count - 1.
std::vector<std::string> synthetic_codes(int count, int first = 0);

/// The audit-log lines of every order, keyed by code.
using audit_logs = std::map<std::string, std::vector<nlohmann::json>>;

/// How the leases of a dead node were taken over, from the audit logs.
struct takeover_report {
  std::vector<std::string> taken_over;  ///< orders whose lease of the dead node expired
  std::vector<std::string> problems;    ///< one sentence per violation, naming the order
};

/// Checks every attempt `dead_node` made: each ended before `killed_at_ms` (synced, retried or
/// parked by the node itself) or its lease expired no later than `latest_expiry_ms`, after which
/// another node synced the order.
takeover_report check_takeovers(const audit_logs& logs, const std::string& dead_node,
                                std::int64_t killed_at_ms, std::int64_t latest_expiry_ms);

/// How a node drained after SIGTERM, from the audit logs.
struct drain_report {
  long ended = 0;     ///< its attempts that ended after the signal (synced, retried, parked)
  long released = 0;  ///< of them, leases it gave back for other nodes to resume
  std::vector<std::string> problems;  ///< one sentence per violation, naming the order
};

/// Checks the attempts of `node` that ended at or after `signalled_at_ms`: each ended by the
/// node itself (never by its lease running out) no later than `latest_end_ms`.
drain_report check_drain(const audit_logs& logs, const std::string& node,
                         std::int64_t signalled_at_ms, std::int64_t latest_end_ms);

/// How the attempts were counted, from the audit logs.
struct attempt_report {
  long counted = 0;   ///< retries that used an attempt
  long deferred = 0;  ///< rate-limit deferrals (429 or an open circuit): no attempt used
  long exceeded = 0;  ///< orders parked as exceeded
  std::vector<std::string> problems;  ///< one sentence per violation, naming the order
};

/// Checks each order's retries: a counted retry adds exactly one attempt, a deferral none; a
/// deferral's errors are rate limits or an open circuit, a counted retry's are not; an order is
/// parked as exceeded only on its `max_attempts`-th counted failure; `retry_after_ms` is the
/// mock's Retry-After, which a deferral after answers that were all 429 must honour.
attempt_report check_attempts(const audit_logs& logs, int max_attempts,
                              std::int64_t retry_after_ms);

}  // namespace tixsync::testing
