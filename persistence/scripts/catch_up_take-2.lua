-- catch_up_take-2.lua: takes the catch-up lease of one event when its poll is due, so exactly one
-- node of a fleet polls pretix for the event per interval. The lease carries a fencing token (a
-- counter raised at every take): renewing it, storing a cursor and giving it back check the token,
-- so a node whose lease lapsed (it stalled or died) changes nothing after another one took over.
-- KEYS: [1] the event's catch-up state, a hash {cursor, cursor_at, next_poll, fence, polled_by,
--   poll_started, last_poll, last_outcome, last_error}; [2] the event's lease, a string
--   "<fence>:<owner>" with an expiry.
-- ARGV: [1] now (unix ms; 0 = the server's TIME, the same clock for every node), [2], [3] unused
--   (prelude: pass 0), [4] owner (the node and poller), [5] interval ms (> 0), [6] lease ms (> 0).
-- The next poll is due one interval after this take, whether the poll succeeds or fails.
-- Result: {1, token, now, cursor ("" when none)} when taken;
--   {0, "leased", ms the lease has left, holder token} when another holds it;
--   {0, "not_due", ms until the poll is due, ""} when the last poll was less than an interval ago.
local K_STATE, K_LEASE = KEYS[1], KEYS[2]
local owner, interval, lease_ms = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
if not owner or owner == '' or not interval or interval <= 0 or not lease_ms or lease_ms <= 0 then
  return redis.error_reply('ERR catch_up_take: owner, interval > 0 and lease > 0 expected')
end
local now = NOW
if not now or now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local holder = redis.call('GET', K_LEASE)
if holder then return {0, 'leased', redis.call('PTTL', K_LEASE), holder} end
local due = tonumber(redis.call('HGET', K_STATE, 'next_poll') or '0')
if due > now then return {0, 'not_due', due - now, ''} end
local fence = redis.call('HINCRBY', K_STATE, 'fence', 1)
local token = fence .. ':' .. owner
redis.call('SET', K_LEASE, token, 'PX', lease_ms)
redis.call('HSET', K_STATE, 'next_poll', string.format('%d', now + interval), 'polled_by', owner,
  'poll_started', string.format('%d', now))
return {1, token, now, redis.call('HGET', K_STATE, 'cursor') or ''}
