-- Which of a submitter's entries are no longer in the task stream (completed, or lost: the stream deleted, FLUSHALL,
-- a restart without persistence). One call for many ids instead of an XRANGE round trip each.
-- KEYS[1] task stream; ARGV entry ids. Returns the ids not in the stream.
local gone = {}
for i = 1, #ARGV do
  if #redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i], 'COUNT', 1) == 0 then gone[#gone + 1] = ARGV[i] end
end
return gone
