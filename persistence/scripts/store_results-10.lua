-- store_results-10.lua: stores sync results while the sync is still running (fenced), so results
-- of finished objects survive a later failure of the order (reference 7.5).
-- KEYS: the 10 queue keys (prelude), [11] the order's sync results hash.
-- ARGV: now, log cap, log retention, [4] id, [5] token, then pairs: field, result JSON.
-- Result: 0 = stored, 1 = stale lease (nothing stored).
if not running_with_token(ARGV[4], ARGV[5]) then return RC_STALE end
-- One HSET per 1000 field/value pairs (Lua's unpack limit).
for first = 6, #ARGV - 1, 2000 do
  redis.call('HSET', KEYS[11], unpack(ARGV, first, math.min(first + 1999, #ARGV)))
end
return RC_OK
