-- enqueue-10.lua: upserts waiting items, pretix's enqueue_order (reference 7.2).
-- KEYS: the 10 queue keys (prelude), then one audit log key per item.
-- ARGV: now, log cap, log retention, then per item 3 values: id, trigger, not_before ('' = now).
-- At most one waiting item per order: an existing one gets the new trigger and not_before, its
-- manual-retry state cleared, attempts and triggered kept. While the order is in flight the
-- waiting item is its follow-up (schedule score +inf) until the running twin ends.
-- Result: per item 0 = updated, 1 = created; +2 when the item is a follow-up.

-- New items that are due at once (the common case) are written in batches; an id seen twice in
-- one call flushes the batch first, so the second sees the first.
local new_items, new_ids, new_ready, batched = {}, {}, {}, {}
local function flush_new()
  if #new_items == 0 then return end
  call_many('HSET', K_ITEMS, new_items, 2)
  call_many('ZADD', K_BY_EVENT, new_ids, 2)
  call_many('ZADD', K_READY, new_ready, 2)
  new_items, new_ids, new_ready, batched = {}, {}, {}, {}
end

local out = {}
local n = (#ARGV - 3) / 3
for i = 1, n do
  local id, trigger, nb = ARGV[3 * i + 1], ARGV[3 * i + 2], ARGV[3 * i + 3]
  nb = (nb == '') and NOW or tonumber(nb)
  if batched[id] then flush_new() end
  local item = load_item(K_ITEMS, id)
  local fresh = item == nil
  if fresh then
    item = {triggered = NOW, attempts = 0, expiries = 0}
  else
    unpark(id, item)
    item.state, item.cause, item.errors, item.full_message, item.parked_at = nil, nil, nil, nil, nil
  end
  item.trigger, item.not_before = trigger, nb
  local running = redis.call('HEXISTS', K_RUNNING, id) == 1
  if fresh and not running and nb <= NOW then
    local k = #new_items
    new_items[k + 1], new_items[k + 2] = id, cjson.encode(item)
    new_ids[k + 1], new_ids[k + 2] = 0, id
    new_ready[k + 1], new_ready[k + 2] = next_fair_score(id), id
    batched[id] = true
  else
    save_item(K_ITEMS, id, item)
    if fresh and not running then redis.call('ZADD', K_BY_EVENT, 0, id) end
    index(id, item, running, fresh)
  end
  log_entries(KEYS[10 + i], {at = NOW, what = 'enqueued', trigger = trigger, not_before = nb,
                             follow_up = running or nil})
  out[i] = (fresh and 1 or 0) + (running and 2 or 0)
end
flush_new()
return out
