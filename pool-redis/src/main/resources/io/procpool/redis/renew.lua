-- Lease renewal: resets the idle time of the entries this consumer still holds (XCLAIM JUSTID does not count a
-- delivery). An entry another node has reclaimed is left alone: a plain XCLAIM would steal it back.
-- KEYS[1] task stream; ARGV[1] group, ARGV[2] consumer, ARGV[3..] entry ids
-- Returns the ids still held (empty when the group is gone; without an id whose entry was deleted: cancelled).
local held = {}
for i = 3, #ARGV do
  local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if type(p) == 'table' and p.err then
    if string.find(p.err, 'NOGROUP') then return {} end
    return redis.error_reply(p.err)
  end
  -- XCLAIM of an entry deleted meanwhile (its submitter cancelled it) drops it from the PEL and returns nothing
  if #p == 1 and #redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID') == 1 then
    held[#held + 1] = ARGV[i]
  end
end
return held
