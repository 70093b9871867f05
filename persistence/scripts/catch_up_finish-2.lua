-- catch_up_finish-2.lua: ends a catch-up poll of one event: stores the new cursor (only after a
-- poll that enqueued every page), records the outcome and gives the lease back, all only while the
-- caller still holds the lease (fencing: a node whose lease lapsed stores nothing).
-- KEYS: [1] the event's catch-up state, [2] the event's lease (catch_up_take-2.lua).
-- ARGV: [1] now (unix ms; 0 = the server's TIME), [2], [3] unused (prelude: pass 0), [4] the
--   holder's token, [5] outcome ("ok", "started", "failed", ...), [6] error text ("" when none),
--   [7] the new cursor ("" keeps the old one).
-- Result: 1 finished; 0 stale (nothing was changed).
local K_STATE, K_LEASE = KEYS[1], KEYS[2]
local token, outcome, error_text, cursor = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
if redis.call('GET', K_LEASE) ~= token then return 0 end
local now = NOW
if not now or now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
if cursor ~= '' then
  redis.call('HSET', K_STATE, 'cursor', cursor, 'cursor_at', string.format('%d', now))
end
redis.call('HSET', K_STATE, 'last_poll', string.format('%d', now), 'last_outcome', outcome,
  'last_error', error_text)
redis.call('DEL', K_LEASE)
return 1
