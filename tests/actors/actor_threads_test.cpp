// How many actor scheduler threads and store threads a node starts for `[node]
// scheduler_threads` and `store_threads`.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "actors/node.hpp"

namespace tixsync::actors {
namespace {

TEST(actor_threads_for, a_configured_count_is_used_as_it_is) {
  EXPECT_EQ(actor_threads_for(1), 1u);
  EXPECT_EQ(actor_threads_for(7), 7u);
  EXPECT_EQ(actor_threads_for(64), 64u);
}

TEST(actor_threads_for, zero_means_half_the_cores_from_one_to_four) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t chosen = actor_threads_for(0);
  EXPECT_GE(chosen, 1u);
  EXPECT_LE(chosen, 4u);
  EXPECT_EQ(chosen, std::min<std::size_t>(4, std::max<std::size_t>(1, cores / 2))) << cores;
}

TEST(store_threads_for, a_configured_count_is_used_as_it_is) {
  EXPECT_EQ(store_threads_for(1), 1u);
  EXPECT_EQ(store_threads_for(3), 3u);
}

TEST(store_threads_for, zero_means_one_on_two_cores_or_fewer_else_two) {
  const unsigned cores = std::thread::hardware_concurrency();
  EXPECT_EQ(store_threads_for(0), cores <= 2 ? 1u : 2u) << cores;
}

}  // namespace
}  // namespace tixsync::actors
