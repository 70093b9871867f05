-- reschedule-10.lua: after a recoverable error: attempts + 1, new not_before, back to waiting.
-- A rate-limit deferral does not use an attempt: it only sets the item's deferral counter.
-- The caller decides when attempts are exhausted (it parks as 'exceeded' instead) and how many
-- deferrals are allowed (providers::decide_retry).
-- KEYS: the 10 queue keys (prelude), [11] the order's audit log.
-- ARGV: now, log cap, log retention, [4] id, [5] token, [6] not_before ms,
--       [7] error messages (JSON array of strings), [8] '1' = counts as an attempt, '0' = a
--       deferral (optional, default '1'), [9] the new deferral count ('' or absent = unchanged).
-- The item field `deferrals` is stored only when > 0 (absent = 0) to keep items small.
-- pretix quirk 11: when a follow-up twin is waiting, the failing item is deleted instead and the
-- twin carries on with its own counter.
-- Result: 0 = rescheduled, 1 = stale lease, 4 = replaced by the waiting follow-up.
local id, token, nb, errors = ARGV[4], ARGV[5], tonumber(ARGV[6]), cjson.decode(ARGV[7])
local counts, deferrals = ARGV[8] ~= '0', tonumber(ARGV[9] or '')
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
if counts then item.attempts = item.attempts + 1 end
if deferrals then item.deferrals = (deferrals > 0) and deferrals or nil end
item.not_before = nb
item.errors = errors
save_item(K_ITEMS, id, item)
index(id, item, false)
log_entries(KEYS[11], started, {at = NOW, what = 'retry_scheduled', attempts = item.attempts,
                                deferrals = item.deferrals, deferred = (not counts) or nil,
                                not_before = nb, errors = errors})
return RC_OK
