// The actor unit fixture: the test coordinator set up like sync_node sets up its actor system,
// and the hand-run store jobs and deadlines.
#include "tests/actors/actor_unit_fixture.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <stdexcept>

#include "actors/dispatcher.hpp"
#include "actors/protocol.hpp"
#include "actors/supervisor.hpp"
#include "tests/actors/pretix_example_data.hpp"

namespace tixsync::actors::testing {

manual_store::manual_store(std::unique_ptr<persistence::queue_port> port)
    : worker_(std::move(port), events_) {}

bool manual_store::post(job work) {
  if (stopped_ || refusing) return false;
  jobs_.push_back(std::move(work));
  return true;
}

void manual_store::stop(bool drain) {
  while (drain && run()) {
  }
  jobs_.clear();
  stopped_ = true;
}

bool manual_store::run(std::size_t index) {
  if (index >= jobs_.size()) return false;
  auto work = std::move(jobs_[index]);
  jobs_.erase(jobs_.begin() + static_cast<std::ptrdiff_t>(index));
  work(worker_);
  return true;
}

std::uint64_t manual_timeouts::arm(const caf::actor_addr& actor) {
  armed_.emplace(next_, actor);
  return next_++;
}

void manual_timeouts::cancel(std::uint64_t ticket) {
  armed_.erase(ticket);
}

void manual_timeouts::stop() {
  armed_.clear();
}

std::size_t manual_timeouts::pass_all() {
  auto fired = std::move(armed_);
  armed_.clear();
  for (const auto& [ticket, addr] : fired) {
    if (auto target = caf::actor_cast<caf::actor>(addr))
      caf::anon_send(target, timeout_atom::value);
  }
  return fired.size();
}

void counting_observer::object_handled(const std::string&, object_action) {
  ++objects;
  if (throw_on_object) throw std::runtime_error("observer exploded");
}

actor_unit::actor_unit() : store(std::make_shared<manual_store>(make_fake_port(queue))) {
  queue->events["dummy"] = example_event_json();
  queue->orders["dummy:2EEE"] = order_2eee_json();
  queue->orders["dummy:1AAA"] = order_1aaa_json(false);
  options.node_name = "n1";
  options.concurrency = 10;
  options.claim_batch = 10;
  options.store_threads = 1;
  options.scheduler_threads = 1;
  options.lease = std::chrono::seconds(30);
  options.renew_interval = std::chrono::seconds(10);
  options.idle_poll = std::chrono::hours(1);  // claims only when the test ticks
  options.provider_call_timeout = std::chrono::seconds(60);
  options.observer = observer;
  options.log = [this](log_level, const std::string& line) { log_lines.push_back(line); };
  // Fixed delays without jitter: a reschedule's time is exact.
  provider->policy.mode = providers::backoff_mode::fixed;
  provider->policy.fixed_delay = std::chrono::minutes(7);
  provider->policy.jitter = 0;
  provider->policy.max_attempts = 3;
}

actor_unit::~actor_unit() {
  if (!system) return;
  caf::anon_send_exit(dispatcher, caf::exit_reason::kill);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  dispatcher = nullptr;
  supervisor = nullptr;
  provider->drop_all();  // completions of dropped calls find their actors gone
  sched->run();
  system.reset();
}

void actor_unit::start() {
  auto registry = std::make_shared<providers::provider_registry>();
  registry->add(provider);
  rt = std::make_shared<runtime>(options, registry);
  rt->store = store;
  rt->deadlines = timeouts;
  config.set("scheduler.policy", caf::atom("testing"));
  config.set("logger.file-verbosity", caf::atom("quiet"));
  system = std::make_unique<caf::actor_system>(config);
  sched = &dynamic_cast<caf::scheduler::test_coordinator&>(system->scheduler());
  supervisor = spawn_supervisor(*system, rt);
  dispatcher = spawn_dispatcher(*system, rt, supervisor);
  caf::anon_send(dispatcher, tick_atom::value);
  settle();
}

void actor_unit::run_actors() {
  sched->run();
}

void actor_unit::settle() {
  for (int round = 0; round < 1000; ++round) {
    sched->run();
    if (!store->run()) return;
  }
  FAIL() << "actors and store jobs still busy after 1000 rounds";
}

void actor_unit::advance(std::chrono::milliseconds d) {
  sched->advance_time(d);
}

bool actor_unit::logged(const std::string& text) const {
  for (const auto& line : log_lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace tixsync::actors::testing
