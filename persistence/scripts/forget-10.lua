-- forget-10.lua: erases what one provider keeps of one order (a person's erasure request): a
-- parked item (its errors may quote personal data), the audit log and the sync results with
-- their fingerprints. Refused while the order is queued (due, scheduled, follow-up) or in flight:
-- the running sync would write results and log entries again.
-- KEYS: the 10 queue keys (prelude), [11] the order's audit log, [12] its sync results hash.
-- ARGV: now, log cap, log retention, [4] id, [5] '1' = erase, '0' = only tell what would happen.
-- Result: 0 = erased (or would be), 2 = nothing stored, 3 = in flight, 7 = queued.
local id, erase = ARGV[4], ARGV[5] == '1'
local RC_QUEUED = 7
if redis.call('HEXISTS', K_RUNNING, id) == 1 then return RC_IN_FLIGHT end
local item = load_item(K_ITEMS, id)
if item and not item.state then return RC_QUEUED end
if not item and redis.call('EXISTS', KEYS[11], KEYS[12]) == 0 then return RC_NOT_FOUND end
if erase then
  if item then
    unindex(id, item)
    redis.call('HDEL', K_ITEMS, id)
    redis.call('ZREM', K_BY_EVENT, id)
  end
  redis.call('DEL', KEYS[11], KEYS[12])
end
return RC_OK
