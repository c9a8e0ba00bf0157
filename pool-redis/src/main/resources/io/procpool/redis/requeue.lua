-- Moves dead-lettered entries back to the task stream, as new tasks (delivery count 0), atomically per entry.
-- KEYS[1] dead-letter stream, KEYS[2] task stream; ARGV dead-letter entry ids. Returns how many moved.
local moved = 0
for i = 1, #ARGV do
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #e == 1 then
    local f = e[1][2]
    local task = {}
    for j = 1, #f, 2 do
      local k = f[j]
      if k == 'id' or k == 'reply' or k == 'max' or k == 'timeout' or k == 'body' then
        table.insert(task, k); table.insert(task, f[j + 1])
      end
    end
    redis.call('XADD', KEYS[2], '*', unpack(task))
    redis.call('XDEL', KEYS[1], ARGV[i])
    moved = moved + 1
  end
end
return moved
