// heartbeat: the beats of a running node, written on the heartbeat's own thread, and its leave.
#include "app/heartbeat.hpp"

#include <memory>
#include <utility>

#include "app/queue_access.hpp"

namespace tixsync::app {
namespace {

persistence::worker_pool_options beat_pool_options(std::function<void(const std::string&)> log) {
  persistence::worker_pool_options o;
  o.name = "tx-beat";
  o.threads = 1;
  o.max_queued = 1;  // a slow Redis skips beats rather than piling them up
  o.on_stop = persistence::drain_policy::run_queued;
  o.log = std::move(log);
  return o;
}

}  // namespace

heartbeat::beat_writer::beat_writer(const persistence::connection_options& redis,
                                    const persistence::key_space& keys)
    : connection(redis), nodes(connection, keys) {}

heartbeat::heartbeat(persistence::connection_options redis, persistence::key_space keys,
                     persistence::node_heartbeat beat, std::function<void(const std::string&)> log)
    : redis_(std::move(redis)),
      keys_(std::move(keys)),
      beat_(std::move(beat)),
      log_(log),
      pool_(beat_pool_options(log),
            [redis = redis_, keys = keys_] { return std::make_unique<beat_writer>(redis, keys); }) {
}

void heartbeat::tick(const actors::node_stats& stats) {
  const std::int64_t now = now_ms();
  if (now < next_beat_ms_) return;
  next_beat_ms_ = now + interval.count();
  beat_.beat_ms = now;
  beat_.in_flight = static_cast<std::int64_t>(stats.in_flight);
  beat_.synced = static_cast<std::int64_t>(stats.orders_synced);
  pool_.post([beat = beat_, log = log_](beat_writer& w) {
    auto s = w.nodes.beat(beat, ttl);
    if (!s.ok() && log) log("heartbeat not written: " + s.to_string());
  });
}

void heartbeat::leave() {
  // The leave goes after every posted beat, so that no late beat lists the node again, and not
  // through the one-beat queue, which refuses work while a beat waits for a slow Redis: the node
  // would then show as live until its heartbeat expired.
  pool_.stop(persistence::drain_policy::run_queued, "");
  beat_writer writer(redis_, keys_);
  if (auto s = writer.nodes.leave(beat_.name); !s.ok() && log_) {
    log_("heartbeat not removed: " + s.to_string() + "; the node shows as gone when it expires (" +
         std::to_string(ttl.count() / 1000) + " s)");
  }
}

void heartbeat::stop() {
  pool_.stop(persistence::drain_policy::abandon_queued, "the node stopped without its Redis");
}

}  // namespace tixsync::app
