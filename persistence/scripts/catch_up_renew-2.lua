-- catch_up_renew-2.lua: extends the catch-up lease of one event while its holder still polls.
-- KEYS: [1] the event's catch-up state (not touched), [2] the event's lease (catch_up_take-2.lua).
-- ARGV: [1] now, [2], [3] unused (prelude: pass 0), [4] the holder's token, [5] lease ms (> 0).
-- Result: 1 renewed; 0 stale (the lease lapsed or another node holds it: stop polling).
local K_LEASE = KEYS[2]
local token, lease_ms = ARGV[4], tonumber(ARGV[5])
if not lease_ms or lease_ms <= 0 then
  return redis.error_reply('ERR catch_up_renew: lease > 0 expected')
end
if redis.call('GET', K_LEASE) ~= token then return 0 end
redis.call('PEXPIRE', K_LEASE, lease_ms)
return 1
