// The fixture of the actor unit tests: a node's dispatcher and supervisor under CAF's
// deterministic test coordinator, with an in-memory queue port whose store jobs the test runs by
// hand, provider-call deadlines the test fires by hand, and a provider the test answers by hand.
// Everything runs on the test's thread: no Redis, no sleeps, no wall-clock waits.
#pragma once

#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/call_deadlines.hpp"
#include "actors/protocol.hpp"
#include "actors/runtime.hpp"
#include "actors/store_pool.hpp"
#include "tests/actors/fake_queue_port.hpp"
#include "tests/actors/test_providers.hpp"

namespace caf::scheduler {
class test_coordinator;
}

namespace tixsync::actors::testing {

/// The store jobs of the actors, queued until the test runs them (on its own thread).
class manual_store final : public store_executor {
 public:
  explicit manual_store(std::unique_ptr<persistence::queue_port> port);
  bool post(job work) override;
  void stop(bool drain) override;
  /// Runs the job at `index` (0: the oldest); false when there is none.
  bool run(std::size_t index = 0);
  std::size_t waiting() const { return jobs_.size(); }
  /// While true, post() drops the job and returns false, as a pool with no thread does.
  bool refusing = false;

 private:
  event_cache events_;
  store_worker worker_;
  std::deque<job> jobs_;
  bool stopped_ = false;
};

/// Provider-call deadlines that pass when the test says so.
class manual_timeouts final : public call_timeouts {
 public:
  std::uint64_t arm(const caf::actor_addr& actor) override;
  void cancel(std::uint64_t ticket) override;
  void stop() override;
  /// Sends timeout_atom to every armed actor, as if the timeout passed; returns how many.
  std::size_t pass_all();
  std::size_t armed() const { return armed_.size(); }

 private:
  std::map<std::uint64_t, caf::actor_addr> armed_;
  std::uint64_t next_ = 1;
};

/// Counts object events; the armed one throws from object_handled (a bug in an observer).
class counting_observer final : public sync_observer {
 public:
  void order_synced(const std::string&, std::optional<std::chrono::milliseconds>) override {
    ++synced;
  }
  void order_retried(const std::string&) override { ++retried; }
  void order_parked(const std::string&, providers::park_reason) override { ++parked; }
  void object_handled(const std::string&, object_action) override;

  bool throw_on_object = false;
  int synced = 0, retried = 0, parked = 0, objects = 0;
};

class actor_unit : public ::testing::Test {
 protected:
  actor_unit();
  ~actor_unit() override;

  /// Spawns the supervisor and dispatcher and lets the first claim run.
  void start();
  /// Runs every actor's messages (no store job).
  void run_actors();
  /// Runs actors and store jobs in turn until neither has work left (bounded).
  void settle();
  /// Lets `d` pass on the actors' clock (delayed messages: claim ticks, lease renewals).
  void advance(std::chrono::milliseconds d);
  /// Whether a log line contains `text`.
  bool logged(const std::string& text) const;
  /// Stored counters of the runtime.
  node_stats stats() const { return rt->counters.snapshot(); }

  std::shared_ptr<fake_queue> queue = std::make_shared<fake_queue>();
  std::shared_ptr<manual_provider> provider = std::make_shared<manual_provider>();
  std::shared_ptr<counting_observer> observer = std::make_shared<counting_observer>();
  std::shared_ptr<manual_store> store;
  std::shared_ptr<manual_timeouts> timeouts = std::make_shared<manual_timeouts>();
  node_options options;
  std::vector<std::string> log_lines;
  runtime_ptr rt;

  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  caf::scheduler::test_coordinator* sched = nullptr;
  dispatcher_actor dispatcher;
  supervisor_actor supervisor;
};

}  // namespace tixsync::actors::testing
