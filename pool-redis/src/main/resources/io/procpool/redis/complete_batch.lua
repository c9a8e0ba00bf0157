-- Owned completion of many entries at once (a node's completions that queued while its previous batch was in
-- flight): for each entry this consumer still holds, its reply goes to its submitter's reply stream; then the
-- accepted entries are acked and deleted with one XACK and one XDEL, and each reply stream's ttl is set once.
-- One XPENDING over the batch's id range checks ownership (it walks this consumer's own pending list only).
-- KEYS[1] task stream, KEYS[1 + i] entry i's reply stream, KEYS[n + 2] the dead-letter stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] reply stream ttl (ms), ARGV[4] n, then per entry i: its id, the number
-- k of its reply's field/value strings, those k strings
-- Returns one code per entry: 1 accepted, 0 refused (not held by this consumer), -1 the group is gone, 2 accepted
-- but its reply key holds another type than a stream (any client can SET a key of the pool's reply namespace): the
-- entry is dead-lettered instead, saying why, and acked and deleted with the others; it never fails the batch.
local n = tonumber(ARGV[4])
local entries = {}
local pos = 5
-- ids compare as unsigned 64-bit numbers, written without leading zeros as Redis writes them: by length, then as
-- text. Not through tonumber: a Lua number (a double) rounds an id past 2^53, and any client may XADD one that large,
-- after which every id the server makes is as large; a rounded bound would leave entries out of the range (refused).
local function less(m1, s1, m2, s2)
  if m1 ~= m2 then
    if #m1 ~= #m2 then return #m1 < #m2 end
    return m1 < m2
  end
  if #s1 ~= #s2 then return #s1 < #s2 end
  return s1 < s2
end
local lo, hi, lop, hip
for i = 1, n do
  local id = ARGV[pos]
  local k = tonumber(ARGV[pos + 1])
  entries[i] = {id, pos + 2, k}
  pos = pos + 2 + k
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  if lo == nil or less(ms, seq, lo, lop) then lo = ms; lop = seq end
  if hi == nil or less(hi, hip, ms, seq) then hi = ms; hip = seq end
end
local codes = {}
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], lo .. '-' .. lop, hi .. '-' .. hip, 1000000, ARGV[2])
if type(p) == 'table' and p.err then
  if string.find(p.err, 'NOGROUP') then
    for i = 1, n do codes[i] = -1 end
    return codes
  end
  return redis.error_reply(p.err)
end
local held = {}
for _, e in ipairs(p) do held[e[1]] = e[4] end
local done = {}
local ttl = {}
local kind = {}
for i = 1, n do
  local e = entries[i]
  local deliveries = held[e[1]]
  if deliveries then
    held[e[1]] = nil  -- the same entry twice in a batch completes once
    local key = KEYS[1 + i]
    if kind[key] == nil then
      local t = redis.call('TYPE', key).ok
      kind[key] = t
    end
    if kind[key] == 'stream' or kind[key] == 'none' then
      redis.call('XADD', key, '*', unpack(ARGV, e[2], e[2] + e[3] - 1))
      kind[key] = 'stream'
      ttl[key] = true
      codes[i] = 1
    else
      local x = redis.call('XRANGE', KEYS[1], e[1], e[1])
      local fields = {}
      if #x == 1 and #x[1][2] <= 7000 then fields = x[1][2] end
      table.insert(fields, 'error')
      table.insert(fields, 'reply key ' .. key .. ' is a ' .. kind[key] .. ', not a stream: no reply could be written')
      table.insert(fields, 'deliveries'); table.insert(fields, tostring(deliveries))
      table.insert(fields, 'consumer'); table.insert(fields, ARGV[2])
      table.insert(fields, 'entry'); table.insert(fields, e[1])
      redis.call('XADD', KEYS[n + 2], '*', unpack(fields))
      codes[i] = 2
    end
    done[#done + 1] = e[1]
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
