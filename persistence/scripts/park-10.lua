-- park-10.lua: parks an in-flight item for a person (need_manual_retry = state).
-- KEYS: the 10 queue keys (prelude), [11] the order's audit log.
-- ARGV: now, log cap, log retention, [4] id, [5] token, [6] state (exceeded, permanent, config,
--       internal, timeout), [7] cause (normalised error signature), [8] error messages (JSON
--       array of strings), [9] full message.
-- 'exceeded' counts the failing attempt (pretix: failed_attempts += 1, then park).
-- pretix quirk 11: with a waiting follow-up twin the item is deleted instead of parked.
-- Result: 0 = parked, 1 = stale lease, 4 = replaced by the waiting follow-up.
local id, token, state, cause = ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local errors, full_message = cjson.decode(ARGV[8]), ARGV[9]
if #errors == 0 then errors = nil end
local item = running_with_token(id, token)
if not item then return RC_STALE end
if end_running(id, true) then
  log_entries(KEYS[11], started_entry(item), {at = NOW, what = 'replaced_by_follow_up',
                                              after = state, errors = errors})
  return RC_REPLACED
end
local started = started_entry(item)
strip_lease(item)
if state == 'exceeded' then item.attempts = item.attempts + 1 end
item.state, item.cause, item.errors, item.parked_at = state, cause, errors, NOW
if full_message ~= '' then item.full_message = full_message end
save_item(K_ITEMS, id, item)
index(id, item)
log_entries(KEYS[11], started, {at = NOW, what = 'parked', state = state, cause = cause,
                                errors = errors, full_message = item.full_message})
return RC_OK
