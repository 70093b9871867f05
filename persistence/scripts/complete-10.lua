-- complete-10.lua: ends successful syncs: stores their results, deletes the in-flight items and
-- logs; a waiting follow-up of the order becomes claimable.
-- KEYS: the 10 queue keys (prelude), then per item 2 keys: audit log, sync results hash.
-- ARGV: now, log cap, log retention, then per item: id, token, objects JSON for the log ('' =
--       none), n results, then n pairs: results hash field, result JSON.
-- Result: per item 0 = completed, 1 = stale lease (nothing changed for that item).
local out = {}
local a, item_no = 4, 0
while a <= #ARGV do
  item_no = item_no + 1
  local id, token, objects, n = ARGV[a], ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  local log_key, results_key = KEYS[9 + 2 * item_no], KEYS[10 + 2 * item_no]
  local item = running_with_token(id, token)
  if item then
    for r = 0, n - 1 do
      redis.call('HSET', results_key, ARGV[a + 4 + 2 * r], ARGV[a + 5 + 2 * r])
    end
    end_running(id, false)
    local synced = '{"at":' .. string.format('%d', NOW) .. ',"what":"synced","node":' ..
                   cjson.encode(item.node) .. ',"token":' .. string.format('%d', item.token)
    if objects ~= '' then synced = synced .. ',"objects":' .. objects end
    log_entries(log_key, started_entry(item), synced .. '}')
    out[item_no] = RC_OK
  else
    out[item_no] = RC_STALE
  end
  a = a + 4 + 2 * n
end
return out
