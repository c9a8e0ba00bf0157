-- Removes a consumer only when it holds nothing: XGROUP DELCONSUMER drops its pending entries (redis #9745).
-- KEYS[1] task stream; ARGV[1] group, ARGV[2] consumer. Returns 1 removed, 0 kept (it holds entries).
local p = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #p > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
