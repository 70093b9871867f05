-- cancel-10.lua: a person cancels waiting items (deleted). Refused while only an in-flight item
-- exists; a follow-up of a running order can be canceled (the running sync is not touched).
-- KEYS: the 10 queue keys (prelude), then one audit log key per item.
-- ARGV: now, log cap, log retention, [4] who (free text for the log), then ids.
-- Result: per id 0 = canceled, 2 = not found, 3 = in flight.
local who = ARGV[4]
local out = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local item = load_item(K_ITEMS, id)
  local running = redis.call('HEXISTS', K_RUNNING, id) == 1
  if not item then
    out[#out + 1] = running and RC_IN_FLIGHT or RC_NOT_FOUND
  else
    unindex(id, item)
    redis.call('HDEL', K_ITEMS, id)
    if not running then redis.call('ZREM', K_BY_EVENT, id) end
    log_entries(KEYS[6 + i], {at = NOW, what = 'canceled', by = who, was = item.state})
    out[#out + 1] = RC_OK
  end
end
return out
