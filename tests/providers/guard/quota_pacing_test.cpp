// Pacing by announced quotas, fleet-wide: a loopback stand-in enforces N requests per fixed
// window, announces its quota in the IETF RateLimit/RateLimit-Policy fields and answers 429 over
// it. Three guarded providers ("nodes", each with its own HTTP client and Redis connection)
// share one bucket in a real redis-server with a configured rate far above the quota: following
// the announcements none of them receives a 429; without, the same run does.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>

#include "providers/guard/guarded_provider.hpp"
#include "providers/http/rate_limit_headers.hpp"
#include "tests/providers/guard/guard_test_support.hpp"
#include "tests/providers/http/loopback_server.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::providers::guard::testing {
namespace {

using std::chrono::milliseconds;
using tixsync::testing::loopback_server;
using tixsync::testing::received_request;
using tixsync::testing::reply_action;
using tixsync::testing::scripted_reply;

/// Allows `limit` requests per fixed window of `window`; announces what is left.
class quota_server {
 public:
  quota_server(int limit, milliseconds window) : limit_(limit), window_(window) {}
  std::atomic<int> ok{0}, too_many{0};

  scripted_reply handle(const received_request&) {
    const auto since =
        std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start_);
    const long long index = since / window_;
    if (index != index_) index_ = index, used_ = 0;  // one I/O thread: no lock needed
    const auto left_ms = window_ * (index + 1) - since;
    const long long reset_s = (left_ms.count() + 999) / 1000;
    const bool over = used_ >= limit_;
    if (!over) ++used_;
    const std::string policy =
        "\"app\";q=" + std::to_string(limit_) + ";w=" + std::to_string(window_.count() / 1000);
    const std::string state =
        "\"app\";r=" + std::to_string(limit_ - used_) + ";t=" + std::to_string(reset_s);
    scripted_reply reply{reply_action::respond,
                         over ? 429 : 200,
                         {{"RateLimit-Policy", policy}, {"RateLimit", state}},
                         "{}"};
    if (over) reply.headers.emplace_back("Retry-After", std::to_string(reset_s));
    ++(over ? too_many : ok);
    return reply;
  }

 private:
  const int limit_;
  const milliseconds window_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  long long index_ = -1;
  int used_ = 0;
};

/// Syncs an object by one GET to the quota server.
class http_calling_provider : public provider {
 public:
  http_calling_provider(std::string url, std::shared_ptr<http::http_transport> transport)
      : url_(std::move(url)), transport_(std::move(transport)) {}
  std::string identifier() const override { return "crm"; }
  const std::vector<mapping::mapping_definition>& mappings() const override { return mappings_; }
  void sync_object(object_request, object_completion done) override {
    http::http_request request;
    request.url = url_;
    transport_->send(request, [done](http::http_result r) {
      if (r.response && r.response->status == 200) {
        done(object_result::skipped());
        return;
      }
      sync_error error;
      error.kind = sync_error_kind::rate_limited;
      error.signature = r.response ? "http-" + std::to_string(r.response->status) : "transport";
      done(object_result::failed(std::move(error)));
    });
  }

 private:
  std::string url_;
  std::shared_ptr<http::http_transport> transport_;
  std::vector<mapping::mapping_definition> mappings_;
};

/// One node: its HTTP client, the board its responses feed, and its guard.
struct node {
  std::shared_ptr<http::http_client> client = std::make_shared<http::http_client>();
  std::shared_ptr<http::quota_board> board;
  std::unique_ptr<guarded_provider> guard;

  node(const std::string& url, const tixsync::testing::redis_server& redis, bool follow) {
    std::shared_ptr<http::http_transport> transport = client;
    if (follow) {
      board = std::make_shared<http::quota_board>();
      transport = std::make_shared<http::quota_watching_transport>(client, board);
    }
    guard_options o;
    o.limits.concurrency = 4;
    o.limits.rate = 200;  // far above the quota: only the announcements hold the nodes back
    o.limits.burst = 5;
    o.limits.shared = true;
    o.limits.expected_nodes = 3;
    o.limits.max_wait = std::chrono::seconds(60);
    o.limits.max_waiting = 100000;
    fleet_options fleet;
    fleet.redis.host = redis.host();
    fleet.redis.port = redis.port();
    o.fleet = fleet;
    o.announced_quota = board;
    guard = std::make_unique<guarded_provider>(
        o, std::make_shared<http_calling_provider>(url, transport));
  }
  ~node() {
    guard->close();
    client->stop();
  }
};

struct run_result {
  int ok = 0, too_many = 0, delivered = 0;
  std::uint64_t applied = 0;
  std::uint64_t redis_calls = 0, redis_failures = 0;
};

run_result run_three_nodes(bool follow, int per_node) {
  tixsync::testing::redis_server redis;
  quota_server quota(20, milliseconds(2000));
  loopback_server server([&](const received_request& r) { return quota.handle(r); });
  const int total = 3 * per_node;
  result_log results(static_cast<std::size_t>(total));
  {
    std::vector<std::unique_ptr<node>> nodes;
    for (int i = 0; i < 3; ++i) {
      nodes.push_back(std::make_unique<node>(server.url("/api/contacts"), redis, follow));
    }
    std::vector<std::thread> senders;
    for (int n = 0; n < 3; ++n) {
      senders.emplace_back([&, n] {
        for (int i = 0; i < per_node; ++i) {
          nodes[n]->guard->sync_object({}, results.completion_for(n * per_node + i));
        }
      });
    }
    for (auto& t : senders) t.join();
    EXPECT_TRUE(tixsync::testing::eventually(
        [&] { return results.delivered() == static_cast<std::size_t>(total); },
        std::chrono::seconds(60), milliseconds(20)))
        << results.delivered() << " of " << total;
    EXPECT_TRUE(results.each_exactly_once());
    run_result out;
    for (auto& n : nodes) {
      const guard_stats stats = n->guard->stats();
      out.applied += stats.quota_applied;
      out.redis_calls += stats.redis_calls;
      out.redis_failures += stats.redis_failures;
    }
    out.ok = quota.ok.load();
    out.too_many = quota.too_many.load();
    out.delivered = static_cast<int>(results.delivered());
    return out;
  }
}

TEST(QuotaPacing, ThreeNodesFollowingTheAnnouncedQuotaReceiveNo429) {
  const run_result run = run_three_nodes(true, 20);
  EXPECT_EQ(run.too_many, 0);
  EXPECT_EQ(run.ok, 60);
  EXPECT_GT(run.applied, 0u);
  EXPECT_EQ(run.redis_failures, 0u) << run.redis_calls << " calls";
}

TEST(QuotaPacing, WithoutFollowingTheSameRunBouncesOffTheQuota) {
  // The control: the stand-in does enforce its quota, so the test above proves the pacing.
  const run_result run = run_three_nodes(false, 20);
  EXPECT_GT(run.too_many, 0);
  EXPECT_EQ(run.applied, 0u);
}

}  // namespace
}  // namespace tixsync::providers::guard::testing
