-- reschedule-10.lua: after a recoverable error: attempts + 1, new not_before, back to waiting.
-- The caller decides when attempts are exhausted (it parks as 'exceeded' instead).
-- KEYS: the 10 queue keys (prelude), [11] the order's audit log.
-- ARGV: now, log cap, log retention, [4] id, [5] token, [6] not_before ms,
--       [7] error messages (JSON array of strings).
-- pretix quirk 11: when a follow-up twin is waiting, the failing item is deleted instead and the
-- twin carries on with its own counter.
-- Result: 0 = rescheduled, 1 = stale lease, 4 = replaced by the waiting follow-up.
local id, token, nb, errors = ARGV[4], ARGV[5], tonumber(ARGV[6]), cjson.decode(ARGV[7])
if #errors == 0 then errors = nil end
local item = running_with_token(id, token)
if not item then return RC_STALE end
if end_running(id, true) then
  log_entries(KEYS[11], started_entry(item), {at = NOW, what = 'replaced_by_follow_up',
                                              after = 'recoverable_error', errors = errors})
  return RC_REPLACED
end
local started = started_entry(item)
strip_lease(item)
item.attempts = item.attempts + 1
item.not_before = nb
item.errors = errors
save_item(K_ITEMS, id, item)
index(id, item, false)
log_entries(KEYS[11], started, {at = NOW, what = 'retry_scheduled', attempts = item.attempts,
                                not_before = nb, errors = errors})
return RC_OK
