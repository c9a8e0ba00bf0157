-- Adds a submitter's new tasks to the task stream, in order: the adds that came while its previous call was in
-- flight go together in one call (the fields as TaskEntry.fields writes them).
-- KEYS[1] task stream; ARGV[1] the submitter's reply stream, then per task: its id, max, timeout, body
-- Returns the entry ids, in order.
local ids = {}
for i = 2, #ARGV, 4 do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', 'id', ARGV[i], 'reply', ARGV[1], 'max', ARGV[i + 1],
    'timeout', ARGV[i + 2], 'body', ARGV[i + 3])
end
return ids
