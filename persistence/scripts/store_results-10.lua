-- store_results-10.lua: stores sync results while the sync is still running (fenced), so results
-- of finished objects survive a later failure of the order (reference 7.5).
-- KEYS: the 10 queue keys (prelude), [11] the order's sync results hash.
-- ARGV: now, log cap, log retention, [4] id, [5] token, then pairs: field, result JSON.
-- Result: 0 = stored, 1 = stale lease (nothing stored).
if not running_with_token(ARGV[4], ARGV[5]) then return RC_STALE end
for i = 6, #ARGV, 2 do redis.call('HSET', KEYS[11], ARGV[i], ARGV[i + 1]) end
return RC_OK
