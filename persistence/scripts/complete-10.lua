-- complete-10.lua: ends successful syncs: stores their results, deletes the in-flight items and
-- logs; a waiting follow-up of the order becomes claimable.
-- KEYS: the 10 queue keys (prelude), then per item 2 keys: audit log, sync results hash.
-- ARGV: now, log cap, log retention, [4] results retention ms (0: kept), then per item: id,
--       token, what to log ('synced', or 'skipped' when the provider does not sync the order),
--       objects JSON for the log ('' = none), n results, then n pairs: results hash field,
--       result JSON. A completed order's results expire that long after it.
-- Result: per item 0 = completed, 1 = stale lease (nothing changed for that item).
-- The in-flight items and their follow-up twins of the whole call are read with one HMGET each,
-- and the in-flight items, leases and by-event entries removed with one command each (per 1000),
-- so a batch costs a few commands per item: its results HSET and its audit log.
local items = {}  -- per item: id, token, objects, first result arg, n results, what
local RESULTS_TTL = tonumber(ARGV[4])
local a = 5
while a <= #ARGV do
  local n = tonumber(ARGV[a + 4])
  items[#items + 1] = {ARGV[a], ARGV[a + 1], ARGV[a + 3], a + 5, n, ARGV[a + 2]}
  a = a + 5 + 2 * n
end
local ids = {}
for i, it in ipairs(items) do ids[i] = it[1] end
local running_raw, twin_raw = {}, {}
for first = 1, #ids, 1000 do
  local last = math.min(first + 999, #ids)
  local r = redis.call('HMGET', K_RUNNING, unpack(ids, first, last))
  local t = redis.call('HMGET', K_ITEMS, unpack(ids, first, last))
  for k = 1, last - first + 1 do
    running_raw[first + k - 1], twin_raw[first + k - 1] = r[k], t[k]
  end
end

local out, ended, gone, finished = {}, {}, {}, {}
for i, it in ipairs(items) do
  local id, token, objects, first, n, what = it[1], it[2], it[3], it[4], it[5], it[6]
  local item = (running_raw[i] and not finished[id]) and cjson.decode(running_raw[i]) or nil
  if item and item.token == tonumber(token) then
    finished[id] = true  -- the same id twice in one call: the second is stale, as one by one
    local results_key, log_key = KEYS[10 + 2 * i], KEYS[9 + 2 * i]
    -- One HSET per 1000 results (field/value pairs), within Lua's unpack limit.
    for f = first, first + 2 * n - 1, 2000 do
      redis.call('HSET', results_key, unpack(ARGV, f, math.min(f + 1999, first + 2 * n - 1)))
    end
    if RESULTS_TTL > 0 then
      redis.call('PEXPIRE', results_key, RESULTS_TTL)
    else
      redis.call('PERSIST', results_key)
    end
    ended[#ended + 1] = id
    if twin_raw[i] then  -- the follow-up becomes claimable (end_running in the prelude)
      redis.call('ZREM', K_SCHEDULE, id)
      index(id, cjson.decode(twin_raw[i]), false)
    else
      gone[#gone + 1] = id
    end
    local synced = '{"at":' .. string.format('%d', NOW) .. ',"what":' .. cjson.encode(what) ..
                   ',"node":' .. cjson.encode(item.node) .. ',"token":' .. string.format('%d', item.token)
    if objects ~= '' then synced = synced .. ',"objects":' .. objects end
    log_entries(log_key, started_entry(item), synced .. '}')
    out[i] = RC_OK
  else
    out[i] = RC_STALE
  end
end
if #ended > 0 then
  call_many('HDEL', K_RUNNING, ended, 1)
  call_many('ZREM', K_LEASES, ended, 1)
end
if #gone > 0 then call_many('ZREM', K_BY_EVENT, gone, 1) end
return out
