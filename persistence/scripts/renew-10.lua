-- renew-10.lua: extends leases (the node's heartbeat).
-- KEYS: the 10 queue keys (prelude).
-- ARGV: now, log cap, log retention, [4] new lease_until ms, then pairs: id, token.
-- A lease is renewed only while the item is in flight with that token, even if its expiry has
-- passed but no sweep has requeued it yet.
-- Result: per pair 0 = renewed, 1 = stale lease.
local lease_until = tonumber(ARGV[4])
local out = {}
for i = 5, #ARGV, 2 do
  local id = ARGV[i]
  local item = running_with_token(id, ARGV[i + 1])
  if item then
    item.lease_until = lease_until
    save_item(K_RUNNING, id, item)
    redis.call('ZADD', K_LEASES, lease_until, id)
    out[#out + 1] = RC_OK
  else
    out[#out + 1] = RC_STALE
  end
end
return out
