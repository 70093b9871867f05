-- prelude.lua: shared helpers, prepended to every script at build time (embed_scripts.cmake).
-- Every queue script gets the ten fixed keys of ONE provider first (all tagged {provider}, so one
-- Redis Cluster slot), then per-item keys documented in the script:
--   KEYS[1] items     hash  id -> JSON of the waiting item (not in flight)
--   KEYS[2] running   hash  id -> JSON of the in-flight item (node, token, since, lease_until)
--   KEYS[3] ready     zset  id -> fair score (due now, claimed lowest first)
--   KEYS[4] schedule  zset  id -> not_before ms; +inf = follow-up waiting for its running twin
--   KEYS[5] leases    zset  id -> lease expiry ms
--   KEYS[6] parked    zset  score 0, member "state:cause|id"
--   KEYS[7] causes    hash  "state:cause" -> number of parked items
--   KEYS[8] by_event  zset  score 0, member id (every order that has an item)
--   KEYS[9] fair      hash  event -> last fair score given; "~vtime" -> last score claimed
--   KEYS[10] fence    string, the fencing token counter
-- Fixed ARGV: [1] now (unix ms, from the caller), [2] audit log cap, [3] audit log retention ms
-- (0: logs are kept).
-- An id is "<event>:<order>". Per-item result codes: 0 ok, 1 stale lease, 2 not found,
-- 3 in flight, 4 replaced by the waiting follow-up (pretix quirk 11), 5 skipped.
-- The build step wraps each script's body in a function and calls flush_fair() after it.
local K_ITEMS, K_RUNNING, K_READY, K_SCHEDULE, K_LEASES = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local K_PARKED, K_CAUSES, K_BY_EVENT, K_FAIR, K_FENCE = KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10]
local NOW = tonumber(ARGV[1])
local LOG_CAP = tonumber(ARGV[2])
local LOG_TTL = tonumber(ARGV[3])
local RC_OK, RC_STALE, RC_NOT_FOUND, RC_IN_FLIGHT, RC_REPLACED, RC_SKIPPED = 0, 1, 2, 3, 4, 5

local function event_of(id) return string.match(id, '^([^:]+):') end

local function load_item(hash, id)
  local raw = redis.call('HGET', hash, id)
  if not raw then return nil end
  return cjson.decode(raw)
end

local function save_item(hash, id, item) redis.call('HSET', hash, id, cjson.encode(item)) end

-- One command for many arguments (`cmd key a1 a2 ...`), in chunks that stay within Lua's unpack
-- limit; `group` keeps pairs together.
local function call_many(cmd, key, args, group)
  local chunk = 1000 * group
  for first = 1, #args, chunk do
    local last = math.min(first + chunk - 1, #args)
    redis.call(cmd, key, unpack(args, first, last))
  end
end

-- Appends JSON entries (tables or ready JSON strings), oldest first, to an order's capped log.
local function log_entries(key, ...)
  local entries = {...}
  for i, e in ipairs(entries) do
    if type(e) == 'table' then entries[i] = cjson.encode(e) end
  end
  if redis.call('LPUSH', key, unpack(entries)) > LOG_CAP then
    redis.call('LTRIM', key, 0, LOG_CAP - 1)
  end
  -- Retention 0 keeps logs: PERSIST also ends a TTL set while the retention was shorter.
  if LOG_TTL > 0 then redis.call('PEXPIRE', key, LOG_TTL) else redis.call('PERSIST', key) end
end

-- Fair scores read and given during this call; written back once by flush_fair() (the build
-- step wraps every script so flush_fair() runs before it returns).
local fair_scores = {}
local vtime = nil

local function current_vtime()
  if vtime == nil then vtime = tonumber(redis.call('HGET', K_FAIR, '~vtime') or '0') end
  return vtime
end

-- The fair score of a newly due item: after its own event's earlier items, never before the last
-- claimed score, so events take turns (round-robin) and each event stays oldest-first.
local function next_fair_score(id)
  local ev = event_of(id)
  local last = fair_scores[ev]
  if last == nil then last = tonumber(redis.call('HGET', K_FAIR, ev) or '0') end
  local score = math.max(last, current_vtime()) + 1
  fair_scores[ev] = score
  return score
end

local function place_ready(id) redis.call('ZADD', K_READY, next_fair_score(id), id) end

local function flush_fair()
  for ev, score in pairs(fair_scores) do redis.call('HSET', K_FAIR, ev, score) end
end

local function cause_of(item) return item.state .. ':' .. (item.cause or '') end

-- Removes a parked item from the parked index and its cause count.
local function unpark(id, item)
  if not item.state then return end
  local cause = cause_of(item)
  if redis.call('ZREM', K_PARKED, cause .. '|' .. id) == 1 then
    if redis.call('HINCRBY', K_CAUSES, cause, -1) <= 0 then redis.call('HDEL', K_CAUSES, cause) end
  end
end

-- Removes a waiting item from every index (before it is deleted or changes state).
local function unindex(id, item)
  redis.call('ZREM', K_READY, id)
  redis.call('ZREM', K_SCHEDULE, id)
  unpark(id, item)
end

-- Puts a waiting item into the index its state calls for; a ready item keeps its place.
-- `running` (optional) says whether the order is in flight, `fresh` that the item is new.
local function index(id, item, running, fresh)
  if item.state then
    local cause = cause_of(item)
    if redis.call('ZADD', K_PARKED, 0, cause .. '|' .. id) == 1 then
      redis.call('HINCRBY', K_CAUSES, cause, 1)
    end
    return
  end
  if running == nil then running = redis.call('HEXISTS', K_RUNNING, id) == 1 end
  if running then
    if not fresh then redis.call('ZREM', K_READY, id) end
    redis.call('ZADD', K_SCHEDULE, 'inf', id)
  elseif item.not_before <= NOW then
    if fresh then
      place_ready(id)
    else
      redis.call('ZREM', K_SCHEDULE, id)
      if not redis.call('ZSCORE', K_READY, id) then place_ready(id) end
    end
  else
    if not fresh then redis.call('ZREM', K_READY, id) end
    redis.call('ZADD', K_SCHEDULE, item.not_before, id)
  end
end

-- The in-flight item `id` if `token` is its fencing token, else nil.
local function running_with_token(id, token)
  local item = load_item(K_RUNNING, id)
  if not item or item.token ~= tonumber(token) then return nil end
  return item
end

-- The audit entry for the start of an attempt (written when the attempt ends).
local function started_entry(item)
  return {at = item.since, what = 'started', node = item.node, token = item.token}
end

-- Ends the in-flight item: drops it and its lease. If a follow-up twin is waiting it now becomes
-- claimable (returns true); otherwise the order leaves by_event unless `keep_order` (the caller
-- stores the item again).
local function end_running(id, keep_order)
  redis.call('HDEL', K_RUNNING, id)
  redis.call('ZREM', K_LEASES, id)
  local twin = load_item(K_ITEMS, id)
  if twin then
    redis.call('ZREM', K_SCHEDULE, id)
    index(id, twin, false)
    return true
  end
  if not keep_order then redis.call('ZREM', K_BY_EVENT, id) end
  return false
end

-- Turns an in-flight item back into a waiting one (lease fields dropped).
local function strip_lease(item)
  item.node, item.token, item.since, item.lease_until = nil, nil, nil, nil
  return item
end

