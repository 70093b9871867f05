-- claim-11.lua: hands up to N due items to one node with a lease and a fresh fencing token.
-- KEYS: the 10 queue keys (prelude), [11] the provider's pause hash. No per-item keys: the
-- items are found here.
-- ARGV: now, log cap, log retention, [4] node, [5] lease_until ms, [6] max items,
--       [7] promote limit (how many schedule entries whose not_before passed join ready per call).
-- Due = waiting, not parked, not a follow-up, not_before <= now. Order: lowest fair score first
-- (round-robin over events, oldest first within an event; see prelude place_ready).
-- The audit log gets the 'started' entry when the attempt ends (complete/reschedule/park/expiry),
-- because this script cannot name the per-order log keys in advance.
-- A paused provider (KEYS[11] exists) hands out nothing: its items wait where they are, using
-- no attempts, on every node at once. Expired leases are still reported so they are swept.
-- Result: {expired leases visible, id1, token1, item1 JSON, id2, token2, item2 JSON, ...}
local node, lease_until = ARGV[4], tonumber(ARGV[5])
local max_items, promote = tonumber(ARGV[6]), tonumber(ARGV[7])
if redis.call('EXISTS', KEYS[11]) == 1 then
  return {redis.call('ZCOUNT', K_LEASES, '-inf', NOW)}
end
local due = redis.call('ZRANGEBYSCORE', K_SCHEDULE, '-inf', NOW, 'LIMIT', 0, promote)
for _, id in ipairs(due) do
  redis.call('ZREM', K_SCHEDULE, id)
  place_ready(id)
end
local out = {redis.call('ZCOUNT', K_LEASES, '-inf', NOW)}
local picked = redis.call('ZPOPMIN', K_READY, max_items)
if #picked == 0 then return out end
local fence = tonumber(redis.call('GET', K_FENCE) or '0')
-- The picked items and their running twins, read with one HMGET each per 1000 ids.
local ids = {}
for i = 1, #picked, 2 do ids[#ids + 1] = picked[i] end
local raws, twins = {}, {}
for first = 1, #ids, 1000 do
  local last = math.min(first + 999, #ids)
  local r = redis.call('HMGET', K_ITEMS, unpack(ids, first, last))
  local t = redis.call('HMGET', K_RUNNING, unpack(ids, first, last))
  for k = 1, last - first + 1 do raws[first + k - 1], twins[first + k - 1] = r[k], t[k] end
end
local taken, running, leases = {}, {}, {}
for n, id in ipairs(ids) do
  local item = raws[n] and cjson.decode(raws[n]) or nil
  if item and not item.state then
    if twins[n] then
      redis.call('ZADD', K_SCHEDULE, 'inf', id)  -- defensive: a twin runs, wait for it
    else
      fence = fence + 1
      item.node, item.since, item.lease_until, item.token = node, NOW, lease_until, fence
      local raw = cjson.encode(item)
      taken[#taken + 1] = id
      running[#running + 1], running[#running + 2] = id, raw
      leases[#leases + 1], leases[#leases + 2] = lease_until, id
      out[#out + 1], out[#out + 2], out[#out + 3] = id, fence, raw
    end
  end
end
if #taken > 0 then
  call_many('HDEL', K_ITEMS, taken, 1)
  call_many('HSET', K_RUNNING, running, 2)
  call_many('ZADD', K_LEASES, leases, 2)
end
redis.call('SET', K_FENCE, string.format('%d', fence))
local last = tonumber(picked[#picked])
if last > current_vtime() then
  vtime = last
  redis.call('HSET', K_FAIR, '~vtime', last)
end
return out
