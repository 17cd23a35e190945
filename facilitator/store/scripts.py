"""Lua scripts, run atomically inside Redis."""

from __future__ import annotations

# KEYS[1] = the session's sequence counter (string)
# KEYS[2] = the session's event log (stream)
# ARGV[1] = approximate maximum length of the log
# ARGV[2..] = one JSON-encoded event per argument
# Returns the sequence id given to the first event; the rest follow one by one.
APPEND_EVENTS = """
local first = nil
for i = 2, #ARGV do
  local seq = redis.call('INCR', KEYS[1])
  if first == nil then first = seq end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'e', ARGV[i])
end
return first
"""

# KEYS[1] = rate-limit counter
# ARGV[1] = window in seconds
# Returns the number of attempts in the current window, this one included.
COUNT_ATTEMPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
