-- Counts one more delivery of an entry this consumer holds (its task's worker died running it), so that the
-- entry's delivery count stays the one attempt counter.
-- KEYS[1] task stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id
-- Returns the new delivery count, 0 when the consumer no longer holds it, -1 when the group is gone.
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if type(p) == 'table' and p.err then
  if string.find(p.err, 'NOGROUP') then return -1 end
  return redis.error_reply(p.err)
end
if #p == 0 then return 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3])
return p[1][4] + 1
