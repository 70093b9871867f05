-- take_tokens-10.lua: takes tokens from one provider's fleet-wide token bucket (the shared rate
-- limit of all nodes). `rate` tokens per second flow into a bucket of at most `burst` tokens; a
-- node takes a chunk of them at a time and hands them out locally.
-- KEYS: the 10 queue keys of the provider (prelude; only for the hash tag, not touched),
--   [11] the bucket, a hash {tokens = <float>, at = <unix ms of the last refill>}.
-- ARGV: [1] now (unix ms; 0 = the server's TIME, the same clock for every node), [2], [3] unused
--   (prelude: pass 0), [4] rate (tokens per second, > 0), [5] burst (>= 1), [6] wanted (>= 1).
-- A missing bucket is full. The bucket expires once it would be full again (burst / rate) plus a
-- second, so idle providers leave no keys; an expired bucket reads as full, which it would be.
-- A `now` before the stored `at` (a node clock behind) refills nothing.
-- Result: {granted (0..wanted), wait ms until the next whole token (0 when one is left),
--   the now used (unix ms), tokens left * 1000 (floor)}.
local K_BUCKET = KEYS[11]
local rate, burst, wanted = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
if not rate or rate <= 0 or not burst or burst < 1 or not wanted or wanted < 1 then
  return redis.error_reply('ERR take_tokens: rate must be > 0, burst and wanted >= 1')
end
local now = NOW
if not now or now <= 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local state = redis.call('HMGET', K_BUCKET, 'tokens', 'at')
local tokens, at = tonumber(state[1]), tonumber(state[2])
if not tokens or not at then tokens, at = burst, now end
if now > at then
  tokens = tokens + (now - at) * rate / 1000
  at = now
end
if tokens > burst then tokens = burst end
local granted = math.min(wanted, math.floor(tokens))
tokens = tokens - granted
local wait = 0
if tokens < 1 then wait = math.ceil((1 - tokens) * 1000 / rate) end
redis.call('HSET', K_BUCKET, 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', at))
redis.call('PEXPIRE', K_BUCKET, math.ceil(burst * 1000 / rate) + 1000)
return {granted, wait, now, math.floor(tokens * 1000)}
