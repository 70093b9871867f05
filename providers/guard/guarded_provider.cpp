// guarded_provider: the admission path (circuit, slot, token) on the caller's thread when a call
// can start at once, the completion wrapper that frees the slot and hands it straight to the
// first waiting call, the tokens of batch calls (pace_call), and the wait queues drained by the
// guard's own Asio thread (woken by a timer, by Redis answers, and by freed slots the completing
// thread could not hand over).
#include "providers/guard/guarded_provider.hpp"

#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "providers/guard/fleet_rate_limit.hpp"
#include "providers/guard/guard_errors.hpp"
#include "providers/guard/token_bucket.hpp"

namespace tixsync::providers::guard {
namespace asio = boost::asio;
namespace {

using std::chrono::milliseconds;

// Longest sleep of the guard's thread while calls wait. It re-reads the clock then, so deadlines
// and a hand-driven clock (tests) are noticed within this time even without another wake-up.
constexpr guard_duration max_sleep = milliseconds(100);
// Redis round trips one drain of the queue may make before it lets the timer take over.
constexpr int max_fetches_per_pump = 16;

sync_clock::time_point wall_after(guard_duration wait) {
  return sync_clock::now() + std::chrono::duration_cast<sync_clock::duration>(wait);
}

milliseconds whole_ms(guard_duration d) {
  return std::chrono::ceil<milliseconds>(d);
}

// Set while a completing thread starts the waiting call it handed its slot to: should that call
// complete at once (and free its slot again on this thread), the next hand-over goes through the
// guard's thread instead of growing this stack.
thread_local bool handing_over = false;

}  // namespace

class guarded_provider::state : public std::enable_shared_from_this<state> {
 public:
  /// Duration of each call of the inner provider (the external request), lock-free.
  latency_histogram request_latency;

  state(guard_options options, std::shared_ptr<provider> inner)
      : options_(std::move(options)),
        inner_(std::move(inner)),
        id_(inner_->identifier()),
        clock_(options_.clock ? options_.clock : real_clock()),
        breaker_(id_, options_.circuit, options_.log, clock_),
        work_(io_.get_executor()),
        timer_(io_) {
    options_.limits.concurrency = std::max(options_.limits.concurrency, 1);
    const auto& limits = options_.limits;
    if (limits.rate > 0 && limits.shared) {
      if (!options_.fleet) {
        throw std::invalid_argument("provider " + id_ + ": a shared rate limit needs Redis");
      }
      fleet_ = std::make_unique<fleet_rate_limit>(id_, limits, *options_.fleet, options_.log,
                                                  clock_, options_.announced_quota);
    } else if (limits.rate > 0) {
      bucket_.emplace(limits.rate, limits.burst, clock_);
    }
  }

  ~state() {
    // Only reached after stop() or on the guard's own thread (see stop()).
    if (thread_.joinable()) thread_.detach();
  }

  void start() {
    thread_ = std::thread([self = shared_from_this()] {
      pthread_setname_np(pthread_self(), "tx-guard");  // as `top -H` shows it
      self->io_.run();
    });
  }

  void submit(object_request request, object_completion done);
  void pace(call_go go);
  void stop();
  guard_stats stats() const;

 private:
  struct waiter {
    object_request request;
    object_completion done;
    guard_time deadline;
    bool takes_token = true;  ///< false for objects of batched types
  };
  /// A batch call waiting for its token.
  struct paced_waiter {
    call_go go;
    guard_time deadline;
  };
  struct call {
    object_request request;
    object_completion done;
    circuit_breaker::ticket ticket;
    bool took_token = true;
  };
  /// A refusal, told outside the lock: to an object (done) or to a batch call (go).
  struct answer {
    std::optional<object_completion> done;
    call_go go;
    sync_error error;
    void tell() {
      if (done) {
        (*done)(object_result::failed(std::move(error)));
      } else {
        go(std::move(error));
      }
    }
  };

  /// Drains the wait queue; `by_timer` when the armed timer fired (not a posted wake-up).
  void pump(bool by_timer);
  void start_call(call c);
  void finished(const circuit_breaker::ticket& ticket, const std::optional<sync_error>& error,
                bool took_token);
  /// The first waiting call, admitted into the slot just freed, when it may start now from this
  /// thread (closed circuit, a token at hand, no Redis round trip needed).
  std::optional<call> hand_over_locked();
  // The *_locked functions expect mutex_ to be held.
  bool try_token_locked();
  enum class token_take { granted, fetched, none };
  /// A token for the next waiter; else one Redis round trip while allowed (`fetched`: the lock
  /// was released, so the queues must be looked at again), else `none` with `token_wait` set.
  token_take take_token_locked(std::unique_lock<std::mutex>& lock, int& fetches,
                               std::optional<guard_duration>& token_wait);
  /// The queue's expected wait for a token of the next caller that needs one.
  guard_duration next_token_wait_locked() const;
  guard_duration token_wait_locked() const;
  guard_duration estimate_locked(std::size_t position) const;
  call admit_locked(object_request request, object_completion done, bool takes_token);
  sync_error circuit_error_locked();
  sync_error rate_error_locked(const std::string& why, guard_duration wait);
  /// The refusal of a caller that would wait at `position` for `wait`: too many wait already
  /// ("N <callers> already wait"), or the wait exceeds max_wait ("<expected>X exceeds ...").
  std::optional<sync_error> wait_refusal_locked(std::size_t position, guard_duration wait,
                                                const char* callers, const char* expected);
  void fetch_tokens(std::unique_lock<std::mutex>& lock);
  void expire_locked(std::vector<answer>& out);
  void arm_timer_locked(std::optional<guard_duration> token_wait);
  void post_pump_locked();

  guard_options options_;
  std::shared_ptr<provider> inner_;
  const std::string id_;
  clock_source clock_;

  mutable std::mutex mutex_;
  circuit_breaker breaker_;
  std::optional<token_bucket> bucket_;
  std::unique_ptr<fleet_rate_limit> fleet_;
  std::deque<waiter> waiting_;
  std::deque<paced_waiter> paced_waiting_;
  std::size_t token_waiters_ = 0;  ///< entries of waiting_ that need a token
  int in_flight_ = 0;
  int token_calls_in_flight_ = 0;  ///< calls in flight that took a token in sync_object
  bool closed_ = false;
  bool pump_posted_ = false;
  /// When the armed timer fires (real time), if it is armed. Set and cleared on the guard's
  /// thread; read by submit(): a call that waits only for a slot needs no wake-up of the guard's
  /// thread while the timer watches the queue, since the next call to finish hands its slot over.
  std::optional<std::chrono::steady_clock::time_point> timer_due_;
  std::uint64_t admitted_ = 0, rejected_circuit_ = 0, rejected_rate_ = 0, rejected_shutdown_ = 0;
  std::uint64_t paced_ = 0, rejected_paced_ = 0;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer timer_;  // touched only on the guard's thread
  std::once_flag stop_once_;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// Admission on the caller's thread
// ---------------------------------------------------------------------------------------------

void guarded_provider::state::submit(object_request request, object_completion done) {
  std::optional<sync_error> refusal;
  std::optional<call> now_call;
  // Objects of batched types take no token: their batch call takes one (pace).
  const bool takes_token = options_.batched_types.count(request.object.external_object_type) == 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto& limits = options_.limits;
    if (closed_) {
      ++rejected_shutdown_;
      refusal = shutting_down_error(id_);
    } else if (!breaker_.permits() && !breaker_.probing()) {
      ++rejected_circuit_;
      refusal = circuit_error_locked();
    } else if (!breaker_.probing() && waiting_.empty() && in_flight_ < limits.concurrency &&
               (!takes_token || (paced_waiting_.empty() && try_token_locked()))) {
      now_call = admit_locked(std::move(request), done, takes_token);
    } else {
      const std::size_t position = waiting_.size();
      const guard_duration wait = takes_token ? next_token_wait_locked() : guard_duration{};
      refusal = wait_refusal_locked(position, wait, "calls", "the expected wait of ");
      if (refusal) {
        ++rejected_rate_;
      } else {
        waiting_.push_back({std::move(request), done, clock_() + limits.max_wait, takes_token});
        if (takes_token) ++token_waiters_;
        if (in_flight_ < limits.concurrency || !timer_due_) post_pump_locked();
      }
    }
  }
  if (refusal) done(object_result::failed(std::move(*refusal)));
  if (now_call) start_call(std::move(*now_call));
}

void guarded_provider::state::pace(call_go go) {
  std::optional<sync_error> refusal;
  bool now = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto& limits = options_.limits;
    const std::size_t position = paced_waiting_.size();
    if (closed_) {
      ++rejected_shutdown_;
      refusal = shutting_down_error(id_);
    } else if (position == 0 && try_token_locked()) {
      ++paced_;
      now = true;
    } else if ((refusal = wait_refusal_locked(position, estimate_locked(position), "batch calls",
                                              "the batch call's expected wait for a token of "))) {
      ++rejected_paced_;
    } else {
      paced_waiting_.push_back({std::move(go), clock_() + limits.max_wait});
      post_pump_locked();
    }
  }
  if (refusal) go(std::move(refusal));
  if (now) go(std::nullopt);
}

std::optional<sync_error> guarded_provider::state::wait_refusal_locked(std::size_t position,
                                                                       guard_duration wait,
                                                                       const char* callers,
                                                                       const char* expected) {
  const auto& limits = options_.limits;
  if (position >= limits.max_waiting) {
    return rate_error_locked(
        std::to_string(position) + " " + callers + " already wait (max_waiting)",
        std::max<guard_duration>(wait, limits.max_wait));
  }
  if (wait > limits.max_wait) {
    return rate_error_locked(std::string(expected) + describe_duration(whole_ms(wait)) +
                                 " exceeds max_wait " + describe_duration(limits.max_wait),
                             wait);
  }
  return std::nullopt;
}

bool guarded_provider::state::try_token_locked() {
  if (bucket_) return bucket_->take(1).granted;
  if (fleet_) return fleet_->try_take();
  return true;
}

guard_duration guarded_provider::state::token_wait_locked() const {
  if (bucket_) return bucket_->time_until(1);
  if (fleet_) return fleet_->wait();
  return {};
}

guarded_provider::state::token_take guarded_provider::state::take_token_locked(
    std::unique_lock<std::mutex>& lock, int& fetches, std::optional<guard_duration>& token_wait) {
  if (try_token_locked()) return token_take::granted;
  if (!closed_ && fleet_ && fetches < max_fetches_per_pump && fleet_->should_fetch()) {
    ++fetches;
    fetch_tokens(lock);
    return token_take::fetched;
  }
  token_wait = token_wait_locked();
  return token_take::none;
}

guard_duration guarded_provider::state::next_token_wait_locked() const {
  return estimate_locked(token_waiters_ + paced_waiting_.size());
}

guard_duration guarded_provider::state::estimate_locked(std::size_t position) const {
  if (bucket_) return bucket_->time_until(static_cast<double>(position + 1));
  if (fleet_) return fleet_->estimate(position);
  return {};
}

guarded_provider::state::call guarded_provider::state::admit_locked(object_request request,
                                                                    object_completion done,
                                                                    bool takes_token) {
  ++in_flight_;
  ++admitted_;
  if (takes_token) ++token_calls_in_flight_;
  return {std::move(request), std::move(done), breaker_.admit(), takes_token};
}

sync_error guarded_provider::state::circuit_error_locked() {
  const bool probing = breaker_.state() == circuit_state::half_open;
  return circuit_open_error(id_, breaker_.failures_when_opened(), probing,
                            wall_after(breaker_.retry_after()));
}

sync_error guarded_provider::state::rate_error_locked(const std::string& why, guard_duration wait) {
  return local_rate_limit_error(id_, why, wall_after(wait));
}

// ---------------------------------------------------------------------------------------------
// The call and its completion
// ---------------------------------------------------------------------------------------------

void guarded_provider::state::start_call(call c) {
  auto self = shared_from_this();
  const circuit_breaker::ticket ticket = c.ticket;
  const bool took_token = c.took_token;
  object_completion outer = std::move(c.done);
  const auto started = std::chrono::steady_clock::now();
  object_completion wrapped =
      make_object_completion([self, ticket, took_token, outer, started](object_result result) {
        self->request_latency.record(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started));
        self->finished(ticket, result.error, took_token);
        outer(std::move(result));
      });
  try {
    inner_->sync_object(std::move(c.request), wrapped);
  } catch (...) {
    // Ignored when the provider completed before throwing.
    wrapped(object_result::failed(to_sync_error(std::current_exception())));
  }
}

void guarded_provider::state::finished(const circuit_breaker::ticket& ticket,
                                       const std::optional<sync_error>& error, bool took_token) {
  std::optional<call> next;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --in_flight_;
    if (took_token) --token_calls_in_flight_;
    breaker_.record(ticket, error);
    if (waiting_.empty()) return;
    next = hand_over_locked();
    if (!next) return post_pump_locked();
  }
  // Started here rather than on the guard's thread: no thread hand-off per freed slot.
  struct hand_over_scope {
    hand_over_scope() { handing_over = true; }
    ~hand_over_scope() { handing_over = false; }
  } scope;
  start_call(std::move(*next));
}

std::optional<guarded_provider::state::call> guarded_provider::state::hand_over_locked() {
  if (handing_over || closed_ || !breaker_.permits()) return std::nullopt;
  if (in_flight_ >= options_.limits.concurrency) return std::nullopt;
  waiter& front = waiting_.front();
  if (front.deadline <= clock_()) return std::nullopt;  // the pump answers it
  if (front.takes_token && (!paced_waiting_.empty() || !try_token_locked())) return std::nullopt;
  call next = admit_locked(std::move(front.request), std::move(front.done), front.takes_token);
  if (front.takes_token) --token_waiters_;
  waiting_.pop_front();
  return next;
}

// ---------------------------------------------------------------------------------------------
// The wait queue, drained on the guard's thread
// ---------------------------------------------------------------------------------------------

void guarded_provider::state::post_pump_locked() {
  if (pump_posted_ || closed_) return;
  pump_posted_ = true;
  asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->pump(false);
  });
}

void guarded_provider::state::pump(bool by_timer) {
  std::vector<call> calls;
  std::vector<call_go> paced;
  std::vector<answer> answers;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    if (by_timer)
      timer_due_.reset();
    else
      pump_posted_ = false;
    std::optional<guard_duration> token_wait;
    int fetches = 0;
    // Batch calls first: only their answers free the slots their objects hold.
    while (!paced_waiting_.empty() && !closed_) {
      const token_take got = take_token_locked(lock, fetches, token_wait);
      if (got == token_take::fetched) continue;
      if (got == token_take::none) break;
      paced.push_back(std::move(paced_waiting_.front().go));
      paced_waiting_.pop_front();
      ++paced_;
    }
    while (!waiting_.empty() && !closed_) {
      if (!breaker_.permits()) {
        // A probe decides: its outcome starts them (closed) or answers them (open again).
        if (breaker_.probing()) break;
        // Opened while they waited: none of them may go now.
        for (auto& w : waiting_) answers.push_back({std::move(w.done), {}, circuit_error_locked()});
        rejected_circuit_ += waiting_.size();
        waiting_.clear();
        token_waiters_ = 0;
        break;
      }
      if (in_flight_ >= options_.limits.concurrency) break;
      if (waiting_.front().takes_token) {
        if (!paced_waiting_.empty()) break;
        const token_take got = take_token_locked(lock, fetches, token_wait);
        if (got == token_take::fetched) continue;  // the queue may have changed meanwhile
        if (got == token_take::none) break;
      }
      waiter& front = waiting_.front();
      calls.push_back(
          admit_locked(std::move(front.request), std::move(front.done), front.takes_token));
      if (front.takes_token) --token_waiters_;
      waiting_.pop_front();
    }
    if (!closed_) {
      expire_locked(answers);
      arm_timer_locked(token_wait);
    }
  }
  for (auto& a : answers) a.tell();
  for (auto& go : paced) go(std::nullopt);
  for (auto& c : calls) start_call(std::move(c));
}

void guarded_provider::state::fetch_tokens(std::unique_lock<std::mutex>& lock) {
  const int wanted = fleet_->wanted(token_waiters_ + paced_waiting_.size());
  // Objects of batched types in flight are no requests of their own: not in the reserve.
  const int in_flight = token_calls_in_flight_;
  // Redis is slow compared to the queue: callers may go on taking pooled tokens meanwhile.
  lock.unlock();
  const fleet_rate_limit::fetch_result result = fleet_->fetch(wanted, in_flight);
  lock.lock();
  fleet_->apply(result);
}

void guarded_provider::state::expire_locked(std::vector<answer>& out) {
  const guard_time now = clock_();
  const auto& max_wait = options_.limits.max_wait;
  while (!waiting_.empty() && waiting_.front().deadline <= now) {
    if (breaker_.probing()) {
      out.push_back({std::move(waiting_.front().done), {}, circuit_error_locked()});
      ++rejected_circuit_;
    } else {
      out.push_back({std::move(waiting_.front().done),
                     {},
                     rate_error_locked("waited max_wait " + describe_duration(max_wait) +
                                           " for a free slot and a token",
                                       std::max<guard_duration>(estimate_locked(0), max_wait))});
      ++rejected_rate_;
    }
    if (waiting_.front().takes_token) --token_waiters_;
    waiting_.pop_front();
  }
  while (!paced_waiting_.empty() && paced_waiting_.front().deadline <= now) {
    out.push_back({std::nullopt, std::move(paced_waiting_.front().go),
                   rate_error_locked("the batch call waited max_wait " +
                                         describe_duration(max_wait) + " for a token",
                                     std::max<guard_duration>(estimate_locked(0), max_wait))});
    ++rejected_paced_;
    paced_waiting_.pop_front();
  }
}

void guarded_provider::state::arm_timer_locked(std::optional<guard_duration> token_wait) {
  if (waiting_.empty() && paced_waiting_.empty()) return;
  guard_duration sleep = max_sleep;
  if (token_wait) sleep = std::min(sleep, *token_wait);
  if (!waiting_.empty()) sleep = std::min(sleep, waiting_.front().deadline - clock_());
  if (!paced_waiting_.empty()) sleep = std::min(sleep, paced_waiting_.front().deadline - clock_());
  sleep = std::max<guard_duration>(sleep, milliseconds(1));
  const auto due = std::chrono::steady_clock::now() +
                   std::chrono::duration_cast<std::chrono::steady_clock::duration>(sleep);
  // Re-arming costs a system call and an aborted wait: keep a timer that fires early enough.
  if (timer_due_ && *timer_due_ <= due) return;
  timer_due_ = due;
  timer_.expires_at(due);
  timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;  // re-armed or stopped
    if (auto self = weak.lock()) self->pump(true);
  });
}

// ---------------------------------------------------------------------------------------------
// Shutdown and stats
// ---------------------------------------------------------------------------------------------

void guarded_provider::state::stop() {
  std::deque<waiter> left;
  std::deque<paced_waiter> left_paced;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    left.swap(waiting_);
    left_paced.swap(paced_waiting_);
    token_waiters_ = 0;
    rejected_shutdown_ += left.size() + left_paced.size();
  }
  for (auto& w : left) w.done(object_result::failed(shutting_down_error(id_)));
  for (auto& w : left_paced) w.go(shutting_down_error(id_));
  std::call_once(stop_once_, [this] {
    work_.reset();
    io_.stop();
    // Called from a completion running on the guard's thread: it cannot join itself; the
    // thread ends after this handler and holds the state until then.
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();
    } else if (thread_.joinable()) {
      thread_.join();
    }
  });
}

guard_stats guarded_provider::state::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  guard_stats s;
  s.circuit = breaker_.state();
  s.times_opened = breaker_.times_opened();
  s.consecutive_failures = breaker_.consecutive_failures();
  s.in_flight = in_flight_;
  s.waiting = waiting_.size() + paced_waiting_.size();
  s.paced_calls = paced_;
  s.rejected_paced_calls = rejected_paced_;
  s.admitted = admitted_;
  s.rejected_circuit_open = rejected_circuit_;
  s.rejected_local_rate_limit = rejected_rate_;
  s.rejected_shutting_down = rejected_shutdown_;
  if (fleet_) fleet_->add_stats(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// guarded_provider
// ---------------------------------------------------------------------------------------------

guarded_provider::guarded_provider(guard_options options, std::shared_ptr<provider> inner)
    : inner_(std::move(inner)), http_requests_(options.http_requests) {
  if (!inner_) throw std::invalid_argument("guarded_provider needs an inner provider");
  if (!http_requests_) http_requests_ = std::make_shared<const http::request_tally>();
  state_ = std::make_shared<state>(std::move(options), inner_);
  state_->start();
}

guarded_provider::~guarded_provider() {
  state_->stop();
}

void guarded_provider::sync_object(object_request request, object_completion done) {
  state_->submit(std::move(request), std::move(done));
}

void guarded_provider::pace_call(call_go go) {
  state_->pace(std::move(go));
}

void guarded_provider::close() {
  state_->stop();
  if (!inner_closed_.exchange(true)) inner_->close();
}

guard_stats guarded_provider::stats() const {
  return state_->stats();
}

histogram_snapshot guarded_provider::request_latency() const {
  return state_->request_latency.snapshot();
}

std::vector<std::pair<std::string, std::uint64_t>> guarded_provider::http_request_counts() const {
  return http_requests_->counts();
}

std::int64_t guarded_provider::http_connections() const {
  return http_requests_->connections();
}

std::int64_t guarded_provider::http_waiting() const {
  return http_requests_->waiting();
}

}  // namespace tixsync::providers::guard
