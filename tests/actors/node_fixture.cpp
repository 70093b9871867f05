// The actor tests' Redis fixture and helpers.
#include "tests/actors/node_fixture.hpp"

#include <thread>

namespace tixsync::actors::testing {

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return condition();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

void node_fixture::SetUpTestSuite() {
  server_ = std::make_unique<tixsync::testing::redis_server>();
}

void node_fixture::TearDownTestSuite() {
  server_.reset();
}

void node_fixture::SetUp() {
  persistence::connection_options c;
  c.host = server_->host();
  c.port = server_->port();
  connection_ = std::make_unique<persistence::redis_connection>(c);
  auto flushed = connection_->command({"FLUSHALL"});
  ASSERT_TRUE(flushed.ok()) << flushed.error().to_string();
  queue_ = std::make_unique<persistence::queue_store>(*connection_);
  snapshots_ = std::make_unique<persistence::snapshot_store>(*connection_);
  results_ = std::make_unique<persistence::result_store>(*connection_);
}

node_options node_fixture::options(const std::string& node_name) const {
  node_options o;
  o.node_name = node_name;
  o.redis.host = server_->host();
  o.redis.port = server_->port();
  o.idle_poll = std::chrono::milliseconds(5);
  o.renew_interval = std::chrono::milliseconds(500);
  o.provider_call_timeout = std::chrono::seconds(10);
  o.scheduler_threads = 2;
  o.grace = std::chrono::seconds(5);
  o.close_providers_on_stop = false;
  o.log = [](log_level level, const std::string& line) {
    if (level >= log_level::warning) std::fprintf(stderr, "%s\n", line.c_str());
  };
  return o;
}

std::shared_ptr<providers::provider_registry> node_fixture::registry_of(
    std::shared_ptr<providers::provider> p) {
  auto registry = std::make_shared<providers::provider_registry>();
  registry->add(std::move(p));
  return registry;
}

void node_fixture::put_event(const std::string& event, const std::string& json) {
  auto s = snapshots_->put_event(event, json);
  ASSERT_TRUE(s.ok()) << s.to_string();
}

void node_fixture::enqueue(const std::string& provider, const std::string& event,
                           const std::vector<std::pair<std::string, std::string>>& orders,
                           const std::string& trigger) {
  std::vector<persistence::enqueue_request> requests;
  for (const auto& [code, json] : orders) {
    requests.push_back({{provider, event, code}, trigger, std::nullopt, json});
  }
  auto r = queue_->enqueue_many(requests, now_ms());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
}

persistence::order_items node_fixture::item(const std::string& provider, const std::string& event,
                                            const std::string& order) {
  auto r = queue_->get({provider, event, order}, now_ms());
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : persistence::order_items{};
}

bool node_fixture::gone(const std::string& provider, const std::string& event,
                        const std::string& order) {
  auto items = item(provider, event, order);
  return !items.waiting && !items.in_flight;
}

std::vector<persistence::sync_result> node_fixture::results(const std::string& provider,
                                                            const std::string& event,
                                                            const std::string& order) {
  auto r = results_->get({provider, event, order});
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return r.ok() ? *r : std::vector<persistence::sync_result>{};
}

bool node_fixture::parked_as(const std::string& provider, const std::string& event,
                             const std::string& order, persistence::item_state state) {
  auto items = item(provider, event, order);
  return items.waiting && !items.in_flight && items.waiting->state == state;
}

std::int64_t node_fixture::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tixsync::actors::testing
