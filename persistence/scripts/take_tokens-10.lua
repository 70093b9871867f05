-- take_tokens-10.lua: takes tokens from one provider's fleet-wide token bucket (the shared rate
-- limit of all nodes), first applying the quota the destination last announced, if any. `rate`
-- tokens per second flow into a bucket of at most `burst` tokens; a node takes a chunk of them at
-- a time and hands them out locally.
-- KEYS: the 10 queue keys of the provider (prelude; only for the hash tag, not touched),
--   [11] the bucket, a hash {tokens = <float>, at = <unix ms of the last refill>, and after an
--   announcement: qrate = announced requests per second, pace = tokens per second until
--   pace_until (unix ms), seen = when the applied announcement was read (unix ms)}.
-- ARGV: [1] now (unix ms; 0 = the server's TIME, the same clock for every node), [2], [3] unused
--   (prelude: pass 0), [4] rate (tokens per second, > 0), [5] burst (>= 1), [6] wanted (>= 1),
--   the announcement (optional, all or none): [7] requests remaining (< 0: none), [8] ms until
--   the quota resets (< 0: unknown), [9] window ms (< 0: unknown), [10] announced rate (requests
--   per second, 0: unknown), [11] reserve (requests sent but not yet counted by the destination),
--   [12] age (ms since the answer was read; it was read at now - age), [13] the bucket's
--   granted count when the announcing request was sent (< 0: unknown): the grants since then
--   (by any node) are not in the announced count and are subtracted from it.
-- The refill rate is min(rate, qrate). An announcement caps the tokens at remaining - reserve
-- and, until the reset (or one window when no reset is announced), refills only what is left of
-- that: pace = (remaining - reserve - tokens) / time to reset, never above the refill rate.
-- An announcement read before the last one applied (`seen`, by any node) is ignored: it is stale.
-- A missing bucket is full. The bucket expires once it would be full again (burst / rate) plus a
-- second (or the pace ends plus a second), so idle providers leave no keys; an expired bucket
-- reads as full, which it would be. A `now` before the stored `at` refills nothing.
-- The hash also counts every token granted (`granted`), for [13].
-- Result: {granted (0..wanted), wait ms until the next whole token (0 when one is left),
--   the now used (unix ms), tokens left * 1000 (floor), tokens granted in total}.
local K_BUCKET = KEYS[11]
local rate, burst, wanted = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if not rate or rate <= 0 or not burst or burst < 1 or not wanted or wanted < 1 then
  return redis.error_reply('ERR take_tokens: rate must be > 0, burst and wanted >= 1')
end
local remaining, reset_ms, window_ms = tonumber(ARGV[7] or '-1'), tonumber(ARGV[8] or '-1'),
  tonumber(ARGV[9] or '-1')
local announced_rate, reserve = tonumber(ARGV[10] or '0'), tonumber(ARGV[11] or '0')
local age = tonumber(ARGV[12] or '0') or 0
local granted_at_send = tonumber(ARGV[13] or '-1') or -1
local now = NOW
if not now or now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local state = redis.call('HMGET', K_BUCKET, 'tokens', 'at', 'qrate', 'pace', 'pace_until', 'seen',
  'granted')
local tokens, at = tonumber(state[1]), tonumber(state[2])
local qrate, pace, pace_until = tonumber(state[3]), tonumber(state[4]), tonumber(state[5])
local seen = tonumber(state[6])
local granted_total = tonumber(state[7]) or 0
local read_at = now - math.floor(age)
if remaining and remaining >= 0 then
  if seen and read_at < seen then
    remaining = -1
  else
    seen = read_at
  end
end
if not tokens or not at then tokens, at = burst, now end
if announced_rate and announced_rate > 0 then qrate = announced_rate end
local refill = rate
if qrate and qrate > 0 and qrate < refill then refill = qrate end
-- Refill: at the pace until pace_until, at the refill rate after it.
if pace and pace_until and at < pace_until then
  local upto = math.min(now, pace_until)
  if upto > at then
    tokens = tokens + (upto - at) * pace / 1000
    at = upto
  end
end
if now > at then
  tokens = tokens + (now - at) * refill / 1000
  at = now
end
if tokens > burst then tokens = burst end
if remaining and remaining >= 0 then
  local since = 0
  if granted_at_send >= 0 then since = math.max(granted_total - granted_at_send, 0) end
  local allowed = math.max(remaining - since - (reserve or 0), 0)
  if tokens > allowed then tokens = allowed end
  local span = reset_ms
  if not span or span < 0 then span = window_ms end
  if span then span = math.floor(span - age) end  -- counted from when the answer was read
  if span and span > 0 then
    pace = math.min(refill, (allowed - tokens) * 1000 / span)
    pace_until = now + span
    at = math.max(at, now)
  end
end
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
granted_total = granted_total + granted
local wait = 0
if tokens < 1 then
  local pacing = pace and pace_until and now < pace_until
  local current = pacing and pace or refill
  if current > 0 then wait = math.ceil((1 - tokens) * 1000 / current) end
  if pacing and (current <= 0 or now + wait > pace_until) then
    wait = (pace_until - now) + math.ceil((1 - tokens) * 1000 / refill)
  end
end
local fields = {'tokens', string.format('%.17g', tokens), 'at', string.format('%d', at),
  'granted', string.format('%d', granted_total)}
if qrate and qrate > 0 then
  table.insert(fields, 'qrate'); table.insert(fields, string.format('%.17g', qrate))
end
if seen then table.insert(fields, 'seen'); table.insert(fields, string.format('%d', seen)) end
if pace and pace_until then
  table.insert(fields, 'pace'); table.insert(fields, string.format('%.17g', pace))
  table.insert(fields, 'pace_until'); table.insert(fields, string.format('%d', pace_until))
end
redis.call('HSET', K_BUCKET, unpack(fields))
local ttl = math.ceil(burst * 1000 / refill) + 1000
if pace_until and pace_until + 1000 - now > ttl then ttl = pace_until + 1000 - now end
ttl = math.ceil(ttl)
redis.call('PEXPIRE', K_BUCKET, ttl)
return {granted, wait, now, math.floor(tokens * 1000), granted_total}
