-- release-10.lua: a node gives leases back on a graceful stop (its syncs did not end within the
-- grace period). Unlike a lease that ran out this is not a crash: the item becomes waiting again
-- with its not_before (normally already due, so at once), attempts, expiries and deferrals
-- unchanged, its lease and in-flight state cleared.
-- pretix quirk 11 analog (as expire-10.lua): with a waiting follow-up twin the released item is
-- deleted and the twin carries on, so only one waiting item remains.
-- KEYS: the 10 queue keys (prelude), then one audit log key per item.
-- ARGV: now, log cap, log retention, then per item 2 values: id, token.
-- Result: per item 0 = released, 1 = stale lease (nothing changed for that item),
--         4 = replaced by the waiting follow-up.
local out = {}
for i = 1, (#ARGV - 3) / 2 do
  local id, token, log_key = ARGV[2 + 2 * i], ARGV[3 + 2 * i], KEYS[10 + i]
  local item = running_with_token(id, token)
  if not item then
    out[i] = RC_STALE
  else
    local started = started_entry(item)
    local released = {at = NOW, what = 'released', node = item.node}
    if end_running(id, true) then
      released.what, released.after = 'replaced_by_follow_up', 'released'
      log_entries(log_key, started, released)
      out[i] = RC_REPLACED
    else
      strip_lease(item)
      save_item(K_ITEMS, id, item)
      index(id, item, false)
      log_entries(log_key, started, released)
      out[i] = RC_OK
    end
  end
end
return out
