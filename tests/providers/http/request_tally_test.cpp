// request_tally: the outcome labels in their fixed order, how statuses and transport errors map
// to outcomes, and counting from many threads at once without losing a count.
#include "providers/http/request_tally.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace tixsync::providers::http {
namespace {

TEST(request_tally, lists_every_outcome_in_order_even_when_zero) {
  const request_tally tally;
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"2xx", 0}, {"3xx", 0}, {"4xx", 0}, {"5xx", 0}, {"timeout", 0}, {"network-error", 0}};
  EXPECT_EQ(tally.counts(), expected);
}

TEST(request_tally, maps_statuses_to_their_class) {
  EXPECT_EQ(request_tally::of_status(200), request_outcome::status_2xx);
  EXPECT_EQ(request_tally::of_status(204), request_outcome::status_2xx);
  EXPECT_EQ(request_tally::of_status(299), request_outcome::status_2xx);
  EXPECT_EQ(request_tally::of_status(301), request_outcome::status_3xx);
  EXPECT_EQ(request_tally::of_status(404), request_outcome::status_4xx);
  EXPECT_EQ(request_tally::of_status(429), request_outcome::status_4xx);
  EXPECT_EQ(request_tally::of_status(503), request_outcome::status_5xx);
  EXPECT_EQ(request_tally::of_status(599), request_outcome::status_5xx);
  // No usable final answer.
  EXPECT_EQ(request_tally::of_status(101), request_outcome::network_error);
  EXPECT_EQ(request_tally::of_status(600), request_outcome::network_error);
}

TEST(request_tally, maps_transport_errors_and_skips_what_was_never_sent) {
  EXPECT_EQ(request_tally::of_error(transport_error_kind::timeout), request_outcome::timeout);
  for (auto kind :
       {transport_error_kind::resolve, transport_error_kind::connect, transport_error_kind::tls,
        transport_error_kind::closed, transport_error_kind::protocol,
        transport_error_kind::body_too_large, transport_error_kind::shutdown}) {
    EXPECT_EQ(request_tally::of_error(kind), request_outcome::network_error) << to_string(kind);
  }
  EXPECT_FALSE(request_tally::of_error(transport_error_kind::bad_url).has_value());
}

TEST(request_tally, counts_from_many_threads_without_losing_any) {
  request_tally tally;
  constexpr int threads = 4;
  constexpr int per_thread = 10000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&tally, t] {
      for (int i = 0; i < per_thread; ++i) {
        tally.add(t % 2 == 0 ? request_outcome::status_2xx : request_outcome::timeout);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(tally.count(request_outcome::status_2xx), 2u * per_thread);
  EXPECT_EQ(tally.count(request_outcome::timeout), 2u * per_thread);
  EXPECT_EQ(tally.count(request_outcome::status_5xx), 0u);
  EXPECT_EQ(tally.counts()[0].second, 2u * per_thread);
  EXPECT_EQ(tally.counts()[4].second, 2u * per_thread);
}

}  // namespace
}  // namespace tixsync::providers::http
