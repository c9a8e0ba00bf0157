-- Owned completion of many entries at once (a node's completions that queued while its previous batch was in
-- flight): for each entry this consumer still holds, its reply goes to its submitter's reply stream; then the
-- accepted entries are acked and deleted with one XACK and one XDEL, and each reply stream's ttl is set once.
-- One XPENDING over the batch's id range checks ownership (it walks this consumer's own pending list only).
-- KEYS[1] task stream, KEYS[1 + i] entry i's reply stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] reply stream ttl (ms), ARGV[4] n, then per entry i: its id, the number
-- k of its reply's field/value strings, those k strings
-- Returns one code per entry: 1 accepted, 0 refused (not held by this consumer), -1 the group is gone.
local n = tonumber(ARGV[4])
local entries = {}
local pos = 5
local lo, hi, lop, hip
for i = 1, n do
  local id = ARGV[pos]
  local k = tonumber(ARGV[pos + 1])
  entries[i] = {id, pos + 2, k}
  pos = pos + 2 + k
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  ms = tonumber(ms); seq = tonumber(seq)
  if lo == nil or ms < lo or (ms == lo and seq < lop) then lo = ms; lop = seq end
  if hi == nil or ms > hi or (ms == hi and seq > hip) then hi = ms; hip = seq end
end
local codes = {}
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], string.format('%.0f-%.0f', lo, lop),
  string.format('%.0f-%.0f', hi, hip), 1000000, ARGV[2])
if type(p) == 'table' and p.err then
  if string.find(p.err, 'NOGROUP') then
    for i = 1, n do codes[i] = -1 end
    return codes
  end
  return redis.error_reply(p.err)
end
local held = {}
for _, e in ipairs(p) do held[e[1]] = true end
local done = {}
local ttl = {}
for i = 1, n do
  local e = entries[i]
  if held[e[1]] then
    held[e[1]] = nil  -- the same entry twice in a batch completes once
    redis.call('XADD', KEYS[1 + i], '*', unpack(ARGV, e[2], e[2] + e[3] - 1))
    ttl[KEYS[1 + i]] = true
    done[#done + 1] = e[1]
    codes[i] = 1
  else
    codes[i] = 0
  end
end
if #done > 0 then
  for key in pairs(ttl) do redis.call('PEXPIRE', key, ARGV[3]) end
  redis.call('XACK', KEYS[1], ARGV[1], unpack(done))
  redis.call('XDEL', KEYS[1], unpack(done))
end
return codes
