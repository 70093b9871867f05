// The quiet scheduler (actors/quiet_scheduler.hpp) keeps CAF's timing intact: request timeouts
// and delayed messages still arrive, and actors that never set a timeout end without trouble.
#include "actors/quiet_scheduler.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <chrono>
#include <future>

namespace tixsync::actors {
namespace {

using namespace std::chrono_literals;

struct quiet_system {
  caf::actor_system_config config;
  std::unique_ptr<caf::actor_system> system;
  quiet_system() {
    config.set("scheduler.max-threads", 1);
    use_quiet_scheduler(config);
    system = std::make_unique<caf::actor_system>(config);
  }
};

TEST(quiet_scheduler, a_request_to_a_silent_actor_times_out) {
  quiet_system q;
  // Never answers: its behavior takes the message and returns no result.
  auto silent = q.system->spawn([](caf::event_based_actor* self) -> caf::behavior {
    return {[=](int) -> caf::result<int> { return self->make_response_promise<int>(); }};
  });
  std::promise<caf::error> outcome;
  q.system->spawn([&](caf::event_based_actor* self) {
    self->request(silent, 50ms, 1)
        .then([&](int) { outcome.set_value(caf::error{}); },
              [&](caf::error& e) { outcome.set_value(e); });
  });
  auto answer = outcome.get_future();
  ASSERT_EQ(answer.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(answer.get(), caf::sec::request_timeout);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST(quiet_scheduler, a_delayed_message_arrives_after_its_delay) {
  quiet_system q;
  std::promise<std::chrono::steady_clock::duration> waited;
  const auto sent = std::chrono::steady_clock::now();
  q.system->spawn([&](caf::event_based_actor* self) -> caf::behavior {
    self->delayed_send(self, 30ms, 7);
    return {[&, self](int x) {
      EXPECT_EQ(x, 7);
      waited.set_value(std::chrono::steady_clock::now() - sent);
      self->quit();
    }};
  });
  auto got = waited.get_future();
  ASSERT_EQ(got.wait_for(10s), std::future_status::ready);
  EXPECT_GE(got.get(), 30ms);
}

TEST(quiet_scheduler, many_short_lived_actors_end_and_the_system_shuts_down) {
  std::atomic<int> ended{0};
  {
    quiet_system q;
    for (int i = 0; i < 2000; ++i) {
      q.system->spawn([&](caf::event_based_actor* self) {
        self->attach_functor([&] { ++ended; });
        self->quit();
      });
    }
    q.system->await_all_actors_done();
  }
  EXPECT_EQ(ended.load(), 2000);
}

}  // namespace
}  // namespace tixsync::actors
