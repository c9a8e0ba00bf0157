-- A submitter cancels a task: its entry is deleted, so that no node reads or reclaims it any more (XCLAIM drops a
-- deleted entry from the PEL and returns nothing; so does the holder's next renewal), and when a node holds it, the
-- control stream tells that node to stop it and ack it.
-- KEYS[1] task stream, KEYS[2] control stream; ARGV[1] group, ARGV[2] entry id, ARGV[3] control stream's max length
-- Returns 0 when the entry was gone (completed, or cancelled before), 1 deleted before any node took it, 2 deleted
-- and its holder told.
if redis.call('XDEL', KEYS[1], ARGV[2]) == 0 then return 0 end
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if type(p) == 'table' and p.err then return 1 end
if #p == 0 then return 1 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'entry', ARGV[2])
return 2
