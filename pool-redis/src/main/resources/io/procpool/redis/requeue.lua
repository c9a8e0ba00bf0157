-- Moves dead-lettered entries back to the task stream, as new tasks (delivery count 0), atomically per entry.
-- An entry without a task's fields (any client may XADD to the dead-letter stream) stays where it is.
-- KEYS[1] dead-letter stream, KEYS[2] task stream; ARGV dead-letter entry ids. Returns how many moved.
local moved = 0
for i = 1, #ARGV do
  local e = redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i])
  if #e == 1 then
    local f = e[1][2]
    local task = {}
    local has = {}
    for j = 1, #f, 2 do
      local k = f[j]
      if (k == 'id' or k == 'reply' or k == 'max' or k == 'timeout' or k == 'body') and not has[k] then
        table.insert(task, k); table.insert(task, f[j + 1])
        has[k] = true
      end
    end
    if has['id'] and has['reply'] and has['max'] and has['body'] then
      redis.call('XADD', KEYS[2], '*', unpack(task))
      redis.call('XDEL', KEYS[1], ARGV[i])
      moved = moved + 1
    end
  end
end
return moved
