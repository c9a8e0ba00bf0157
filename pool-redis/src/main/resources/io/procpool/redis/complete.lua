-- Owned completion: only the consumer that still holds the entry may complete it.
-- KEYS[1] task stream, KEYS[2] the submitter's reply stream, KEYS[3] dead-letter stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] reply stream ttl (ms),
-- ARGV[5] dead-letter error ('' = a plain reply), ARGV[6..] the reply's field/value pairs (none: no reply,
-- for an entry that names no valid reply stream)
-- Returns 1 accepted, 0 refused (the caller no longer holds the entry), -1 the group is gone (Redis lost it),
-- 2 accepted but the reply key holds another type than a stream (any client can SET a key of the pool's reply
-- namespace): no reply can be written, so the entry is dead-lettered instead, saying why, and acked and deleted.
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1, ARGV[2])
if type(p) == 'table' and p.err then
  if string.find(p.err, 'NOGROUP') then return -1 end
  return redis.error_reply(p.err)
end
if #p == 0 then return 0 end
local code = 1
local err = ARGV[5]
if #ARGV >= 6 then
  local t = redis.call('TYPE', KEYS[2]).ok
  if t ~= 'stream' and t ~= 'none' then
    code = 2
    local why = 'reply key ' .. KEYS[2] .. ' is a ' .. t .. ', not a stream: no reply could be written'
    if err == '' then err = why else err = err .. '; ' .. why end
  end
end
if err ~= '' then
  local e = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
  local fields = {}
  -- an entry of many thousand fields (anyone may XADD one) would overflow unpack's stack: keep it out, say so
  if #e == 1 and #e[1][2] <= 7000 then fields = e[1][2] end
  if #e == 1 and #e[1][2] > 7000 then err = err .. ' (its ' .. (#e[1][2] / 2) .. ' fields were dropped)' end
  table.insert(fields, 'error'); table.insert(fields, err)
  table.insert(fields, 'deliveries'); table.insert(fields, tostring(p[1][4]))
  table.insert(fields, 'consumer'); table.insert(fields, ARGV[2])
  table.insert(fields, 'entry'); table.insert(fields, ARGV[3])
  redis.call('XADD', KEYS[3], '*', unpack(fields))
end
if code == 1 and #ARGV >= 6 then
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 6, #ARGV))
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return code
