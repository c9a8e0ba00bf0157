-- Gives back an entry this consumer holds but never started, without using an attempt: its delivery count goes
-- down by one and its idle time up to ARGV[4], so that the next reclaim of any node takes it at once and counts the
-- same attempt again.
-- KEYS[1] task stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] idle ms to set
-- Returns 1 given back, 0 not held by this consumer, -1 the group is gone.
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if type(p) == 'table' and p.err then
  if string.find(p.err, 'NOGROUP') then return -1 end
  return redis.error_reply(p.err)
end
if #p == 0 then return 0 end
local count = p[1][4] - 1
if count < 0 then count = 0 end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[4], 'RETRYCOUNT', count, 'JUSTID')
return 1
