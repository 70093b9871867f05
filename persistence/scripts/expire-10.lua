-- expire-10.lua: returns in-flight items whose lease ran out (their node died or hung) to due,
-- counting the expiry; an item reaching max expiries is parked as 'timeout' (poison order).
-- With a waiting follow-up twin the expired item is deleted and the twin carries on (quirk 11).
-- A requeued item goes to the front of the due items, ahead of any backlog.
-- Two-phase so every key is named: the caller reads candidates (ZRANGEBYSCORE leases -inf now)
-- and passes them; each is checked again here.
-- KEYS: the 10 queue keys (prelude), then one audit log key per candidate.
-- ARGV: now, log cap, log retention, [4] max expiries, then candidate ids.
-- Result: per id 0 = requeued, 5 = skipped (lease valid or item gone), 4 = replaced by the
--         follow-up, 6 = parked as timeout.
local max_expiries = tonumber(ARGV[4])
local out = {}
for i = 5, #ARGV do
  local id, log_key = ARGV[i], KEYS[6 + i]
  local expiry = tonumber(redis.call('ZSCORE', K_LEASES, id) or 'inf')
  local item = load_item(K_RUNNING, id)
  if expiry > NOW or not item then
    if not item then redis.call('ZREM', K_LEASES, id) end
    out[#out + 1] = RC_SKIPPED
  else
    local node, started = item.node, started_entry(item)
    local expired = {at = NOW, what = 'lease_expired', node = node,
                     expiries = (item.expiries or 0) + 1}
    if end_running(id, true) then
      expired.what = 'replaced_by_follow_up'
      log_entries(log_key, started, expired)
      out[#out + 1] = RC_REPLACED
    else
      strip_lease(item)
      item.expiries = expired.expiries
      if item.expiries >= max_expiries then
        item.state, item.cause, item.parked_at = 'timeout', 'lease expired', NOW
        item.errors = {'lease expired ' .. item.expiries .. ' times (last node ' .. node .. ')'}
        log_entries(log_key, started, expired, {at = NOW, what = 'parked', state = 'timeout',
                                                cause = item.cause, errors = item.errors})
        out[#out + 1] = 6
      else
        item.not_before = NOW
        log_entries(log_key, started, expired)
        out[#out + 1] = RC_OK
      end
      save_item(K_ITEMS, id, item)
      if item.state then
        index(id, item, false)
      else
        -- It was claimed once already: it goes to the front (the last claimed fair score), not
        -- behind its event's backlog, so a dead node's orders are taken over at once.
        redis.call('ZADD', K_READY, current_vtime(), id)
      end
    end
  end
end
return out
