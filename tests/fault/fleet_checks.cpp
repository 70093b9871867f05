// The fault tests' checks of a fleet's outcome: objects in the mock CRM, the queue's counts, and
// the audit logs read from Redis (lease takeovers after a node died, attempt counting).
#include "tests/fault/fleet_checks.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "tests/support/command.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

std::string at_of(const json& entry) {
  return std::to_string(entry.value("at", 0LL));
}

/// A rate limit or an open circuit, as the provider and its guard word them.
bool is_rate_limit(const std::string& error) {
  return error.find("HTTP 429") != std::string::npos || error.rfind("Paused:", 0) == 0 ||
         error.rfind("Waiting:", 0) == 0;
}

/// The failure lines of an entry's errors (each failed call's "... failed: ..." or the guard's
/// "Paused:"/"Waiting:"/"Not synced:"), without the "Response: ..." lines that go with them.
std::vector<std::string> errors_of(const json& entry) {
  std::vector<std::string> out;
  if (!entry.contains("errors") || !entry["errors"].is_array()) return out;
  for (const auto& e : entry["errors"]) {
    const std::string line = e.is_string() ? e.get<std::string>() : e.dump();
    if (line.rfind("Response:", 0) == 0) continue;
    out.push_back(line);
  }
  return out;
}

/// The items of one state, as `jobs --json` prints them (for failure messages).
std::string items_of(fleet& f, const std::string& state) {
  return run_command(
             f.cli("jobs", {"--provider", "crm", "--state", state, "--limit", "20", "--json"}))
      .out;
}

}  // namespace

int orders_or(int fallback) {
  const char* v = std::getenv("TIXSYNC_FAULT_ORDERS");
  return v && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

std::uint64_t mock_requests(const json& stats) {
  return stats.is_object() ? stats["requests"].value("total", std::uint64_t{0}) : 0;
}

std::uint64_t mock_created(const json& stats) {
  return stats.is_object() ? stats.value("created", std::uint64_t{0}) : 0;
}

std::uint64_t mock_faults(const json& stats, const std::string& kind) {
  if (!stats.is_object() || !stats["faults_injected"].is_object()) return 0;
  return stats["faults_injected"].value(kind, std::uint64_t{0});
}

void expect_exactly_once(fleet& f, int orders) {
  const json dump = f.crm().dump();
  ASSERT_TRUE(dump.is_object());
  const auto contacts = count_objects(dump, "contact", "email");
  const auto tickets = count_objects(dump, "ticket", "ticket_id");
  EXPECT_EQ(contacts.objects, static_cast<std::size_t>(orders));
  EXPECT_EQ(contacts.distinct, contacts.objects) << "duplicate contacts";
  EXPECT_EQ(tickets.objects, static_cast<std::size_t>(2 * orders));
  EXPECT_EQ(tickets.distinct, tickets.objects) << "duplicate tickets";
  EXPECT_EQ(mock_created(f.crm().stats()), static_cast<std::uint64_t>(3 * orders));
}

void expect_queue_empty(fleet& f) {
  const auto q = f.queue();
  ASSERT_TRUE(q.ok);
  std::string left;
  for (const auto& [state, count] : q.states) {
    if (count > 0) left += items_of(f, state);
  }
  EXPECT_EQ(q.total, 0) << json(q.states).dump() << "\n" << left;
}

std::vector<std::string> synthetic_codes(int count, int first) {
  std::vector<std::string> codes;
  for (int i = first; i < first + count; ++i) codes.push_back(synthetic_code(i));
  return codes;
}

takeover_report check_takeovers(const audit_logs& logs, const std::string& dead_node,
                                std::int64_t killed_at_ms, std::int64_t latest_expiry_ms) {
  takeover_report report;
  for (const auto& [code, entries] : logs) {
    // Entries come in pairs: "started" (node, token) and right after it that attempt's end.
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const json& started = entries[i];
      if (started.value("what", "") != "started" || started.value("node", "") != dead_node)
        continue;
      if (i + 1 == entries.size()) {
        report.problems.push_back(code + ": an attempt of " + dead_node + " has no end");
        continue;
      }
      const json& end = entries[i + 1];
      const std::string what = end.value("what", "");
      const std::int64_t at = end.value("at", 0LL);
      if (what != "lease_expired") {
        if (at > killed_at_ms) {
          report.problems.push_back(code + ": " + what + " at " + at_of(end) + " by " + dead_node +
                                    " after it was killed at " + std::to_string(killed_at_ms));
        }
        continue;
      }
      report.taken_over.push_back(code);
      if (at > latest_expiry_ms) {
        report.problems.push_back(code + ": the lease of " + dead_node + " expired only at " +
                                  at_of(end) + ", later than " + std::to_string(latest_expiry_ms));
      }
      bool synced_by_other = false;
      for (std::size_t j = i + 2; j < entries.size(); ++j) {
        synced_by_other = synced_by_other || (entries[j].value("what", "") == "synced" &&
                                              entries[j].value("node", "") != dead_node);
      }
      if (!synced_by_other) {
        report.problems.push_back(code + ": no other node synced it after the lease of " +
                                  dead_node + " expired");
      }
    }
  }
  return report;
}

drain_report check_drain(const audit_logs& logs, const std::string& node,
                         std::int64_t signalled_at_ms, std::int64_t latest_end_ms) {
  drain_report report;
  for (const auto& [code, entries] : logs) {
    for (std::size_t i = 0; i + 1 < entries.size(); ++i) {
      const json& started = entries[i];
      if (started.value("what", "") != "started" || started.value("node", "") != node) continue;
      const json& end = entries[i + 1];
      const std::string what = end.value("what", "");
      const std::int64_t at = end.value("at", 0LL);
      if (at < signalled_at_ms) continue;
      ++report.ended;
      if (what == "released") ++report.released;
      if (what == "lease_expired") {
        report.problems.push_back(code + ": the lease of " + node + " ran out at " + at_of(end) +
                                  " after SIGTERM instead of being ended or given back");
      } else if (at > latest_end_ms) {
        report.problems.push_back(code + ": " + what + " by " + node + " at " + at_of(end) +
                                  ", after the grace period (" + std::to_string(latest_end_ms) +
                                  ")");
      }
    }
  }
  return report;
}

attempt_report check_attempts(const audit_logs& logs, int max_attempts,
                              std::int64_t retry_after_ms) {
  attempt_report report;
  for (const auto& [code, entries] : logs) {
    int attempts = -1;  // unknown until the first retry (the log may be capped)
    bool first_seen = false;
    for (const auto& e : entries) {
      const std::string what = e.value("what", "");
      if (what == "enqueued" || what == "created") first_seen = true;
      if (first_seen && attempts < 0) attempts = 0;
      if (what == "retry_scheduled") {
        const bool deferred = e.value("deferred", false);
        const int now = e.value("attempts", -1);
        const auto errors = errors_of(e);
        bool all_rate_limits = !errors.empty();
        bool all_429 = !errors.empty();
        for (const auto& error : errors) {
          all_rate_limits = all_rate_limits && is_rate_limit(error);
          all_429 = all_429 && error.find("HTTP 429") != std::string::npos;
        }
        if (deferred) {
          ++report.deferred;
          if (attempts >= 0 && now != attempts) {
            report.problems.push_back(code + ": a deferral at " + at_of(e) + " changed attempts " +
                                      std::to_string(attempts) + " -> " + std::to_string(now));
          }
          if (!all_rate_limits) {
            report.problems.push_back(code + ": deferred at " + at_of(e) +
                                      " for errors that are no rate limit: " + e.dump());
          }
          const std::int64_t wait = e.value("not_before", 0LL) - e.value("at", 0LL);
          // Retry-After is whole seconds, counted from the answer, which came a little earlier.
          if (all_429 && wait < retry_after_ms - 1000) {
            report.problems.push_back(code + ": deferred after 429 only for " +
                                      std::to_string(wait) + " ms: " + e.dump());
          }
        } else {
          ++report.counted;
          if (attempts >= 0 && now != attempts + 1) {
            report.problems.push_back(code + ": a counted retry at " + at_of(e) +
                                      " made attempts " + std::to_string(attempts) + " -> " +
                                      std::to_string(now));
          }
          if (all_rate_limits) {
            report.problems.push_back(code + ": an attempt used at " + at_of(e) +
                                      " for rate limits only: " + e.dump());
          }
          if (now >= max_attempts) {
            report.problems.push_back(code + ": retried with " + std::to_string(now) +
                                      " attempts used of " + std::to_string(max_attempts));
          }
        }
        attempts = now;
      } else if (what == "parked" && e.value("state", "") == "exceeded") {
        ++report.exceeded;
        if (attempts >= 0 && attempts != max_attempts - 1) {
          report.problems.push_back(code + ": parked as exceeded after " +
                                    std::to_string(attempts) + " counted failures, not " +
                                    std::to_string(max_attempts - 1) + " and this one");
        }
      } else if (what == "synced") {
        attempts = -1;  // a later trigger starts again
      }
    }
  }
  return report;
}

}  // namespace tixsync::testing
