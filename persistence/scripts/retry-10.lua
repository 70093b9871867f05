-- retry-10.lua: a person's manual retry: the waiting item is due now with its manual-retry state
-- cleared and a FRESH set of attempts (attempts = 0, expiries = 0, no rate-limit deferrals).
-- pretix keeps the counter; tixsync resets it on purpose (docs/persistence.md).
-- KEYS: the 10 queue keys (prelude), then one audit log key per item.
-- ARGV: now, log cap, log retention, [4] who (free text for the log), then ids.
-- Result: per id 0 = retried, 2 = not found, 3 = only an in-flight item exists.
local who = ARGV[4]
local out = {}
for i = 5, #ARGV do
  local id = ARGV[i]
  local item = load_item(K_ITEMS, id)
  if not item then
    out[#out + 1] = (redis.call('HEXISTS', K_RUNNING, id) == 1) and RC_IN_FLIGHT or RC_NOT_FOUND
  else
    unpark(id, item)
    local was = item.state
    item.state, item.cause, item.errors, item.full_message, item.parked_at = nil, nil, nil, nil, nil
    item.attempts, item.expiries, item.deferrals, item.not_before = 0, 0, nil, NOW
    save_item(K_ITEMS, id, item)
    index(id, item)
    log_entries(KEYS[6 + i], {at = NOW, what = 'retried', by = who, was = was})
    out[#out + 1] = RC_OK
  end
end
return out
