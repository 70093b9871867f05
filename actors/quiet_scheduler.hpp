// The node's CAF scheduler: CAF 0.17.6's work-stealing coordinator whose clock is not woken when
// an actor that never set a timeout ends. CAF's clock thread otherwise wakes for every actor that
// ends (about four per order). It pays: node_bench on 2 shared cores, 3 alternating runs each,
// medians (bench/README.md, "The quiet CAF scheduler"): a 20,000-order backlog at 0 ms latency
// costs 0.080 ms node CPU and 2.1 context switches per order with it, 0.121 ms and 5.9 without;
// orders arriving at 1,000/s against 20 ms latency cost 0.235 ms and 7.6 switches with it, 0.245 ms
// and 9.2 without. Its workers also nap on a semaphore instead of a condition variable, so a
// hand-off to a sleeping worker costs one system call on each side instead of two, and their loop
// skips CAF's per-resume logger bookkeeping. It is the only code that reaches into CAF's detail/
// classes, its scheduling policy and its worker loop (quiet_scheduler.cpp).
#pragma once

#include <caf/fwd.hpp>

namespace tixsync::actors {

/// Makes `config` use the quiet scheduler (instead of CAF's default coordinator).
void use_quiet_scheduler(caf::actor_system_config& config);

}  // namespace tixsync::actors
