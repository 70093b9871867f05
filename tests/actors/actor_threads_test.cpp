// How many actor scheduler threads a node starts for `[node] scheduler_threads`.
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

}  // namespace
}  // namespace tixsync::actors
