"""Lua scripts, run atomically inside Redis."""

from __future__ import annotations

import hashlib
from typing import Any

from redis.exceptions import NoScriptError


class Lua:
    """A script called by its SHA1, sent in full only the first time a server lacks it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    def __call__(self, client: Any, keys: list[str], args: list[Any]) -> Any:
        """Run the script on `client` (not for transaction pipelines: see log.append)."""
        try:
            return client.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return client.eval(self.source, len(keys), *keys, *args)


# KEYS[1] = the session's sequence counter (string)
# KEYS[2] = the session's event log (stream)
# KEYS[3] (optional) = the request-events hash
# ARGV[1] = approximate maximum length of the log
# ARGV[2] = the request id the events answer ('' = none; with KEYS[3])
# ARGV[3..] = one JSON-encoded event per argument
# Returns the sequence id given to the first event; the rest follow one by one.
APPEND_EVENTS = """
local first = nil
for i = 3, #ARGV do
  local seq = redis.call('INCR', KEYS[1])
  if first == nil then first = seq end
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], seq .. '-0', 'e', ARGV[i])
end
if first ~= nil and KEYS[3] and ARGV[2] ~= '' then
  redis.call('HSET', KEYS[3], ARGV[2], first .. ' ' .. (#ARGV - 2))
end
return first
"""

# KEYS[1] = the person's socket set, KEYS[2] = the session's online set
# KEYS[3] = the session's sequence counter, KEYS[4] = its event log
# KEYS[5], KEYS[6] (optional) = the holding process's socket hash, the set of processes
# ARGV[1] = socket id, ARGV[2] = "1" to add it, "0" to remove it, ARGV[3] = the person's id
# ARGV[4] = "1" when the person counts towards presence (candidates)
# ARGV[5] = log max length, ARGV[6] = the presence event to log if they went on- or offline
# ARGV[7] (with KEYS[5]) = the process id, ARGV[8] = "<session id>:<kind>:<person id>"
# Returns the logged event's sequence id when the person went from offline to online or
# back, else 0.
TRACK_SOCKET = """
local before = redis.call('SCARD', KEYS[1])
if ARGV[2] == '1' then redis.call('SADD', KEYS[1], ARGV[1]) else redis.call('SREM', KEYS[1], ARGV[1]) end
if #KEYS >= 6 then
  if ARGV[2] == '1' then
    redis.call('HSET', KEYS[5], ARGV[1], ARGV[8])
    redis.call('SADD', KEYS[6], ARGV[7])
  else
    redis.call('HDEL', KEYS[5], ARGV[1])
  end
end
local after = redis.call('SCARD', KEYS[1])
if ARGV[4] ~= '1' then return 0 end
if after > 0 then redis.call('SADD', KEYS[2], ARGV[3]) else redis.call('SREM', KEYS[2], ARGV[3]) end
if (before == 0) == (after == 0) then return 0 end
local seq = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[5], seq .. '-0', 'e', ARGV[6])
return seq
"""

# Let go of one socket of a process that stopped beating, unless it beats again meanwhile.
# KEYS[1] = the process's heartbeat key, KEYS[2] = the process's socket hash
# KEYS[3] = the person's socket set, KEYS[4] = the session's online set
# ARGV[1] = socket id, ARGV[2] = the person's id, ARGV[3] = "1" for a candidate
# Returns -1 when the process is alive after all, 1 when the candidate is now offline, else 0.
RELEASE_SOCKET = """
if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
local removed = redis.call('SREM', KEYS[3], ARGV[1])
if ARGV[3] ~= '1' or removed == 0 or redis.call('SCARD', KEYS[3]) > 0 then return 0 end
redis.call('SREM', KEYS[4], ARGV[2])
return 1
"""

# KEYS[1] = the process's heartbeat key, KEYS[2] = its socket hash, KEYS[3] = the set of processes
# ARGV[1] = the process id
# Forgets a dead process once it holds no sockets; returns 1 when forgotten.
FORGET_PROCESS = """
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('HLEN', KEYS[2]) > 0 then return 0 end
redis.call('SREM', KEYS[3], ARGV[1])
return 1
"""

# KEYS[1] = rate-limit counter
# ARGV[1] = window in seconds
# Returns the number of attempts in the current window, this one included.
COUNT_ATTEMPT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""

# KEYS[1] = observations hash, KEYS[2] = observation counts hash
# KEYS[3] = sequence counter, KEYS[4] = event log, KEYS[5] = the observer's index set
# KEYS[6] = the request-events hash, KEYS[7] = the audit log
# ARGV[1] = observation id, ARGV[2] = observation JSON, ARGV[3] = counts field
# ARGV[4] = log max length, ARGV[5] = event JSON, ARGV[6] = its field in KEYS[6]
# ARGV[7] = the audit log's oldest id to keep ('' = no audit entry), ARGV[8..] = the audit
# entry's field-value pairs
# Returns {1, seq} when stored; {0, stored JSON, "<seq> 1" or ''} when that id was stored
# before.
RECORD_OBSERVATION = """
local existing = redis.call('HGET', KEYS[1], ARGV[1])
if existing then return {0, existing, redis.call('HGET', KEYS[6], ARGV[6]) or ''} end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[5], ARGV[1])
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
local seq = redis.call('INCR', KEYS[3])
redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[4], seq .. '-0', 'e', ARGV[5])
redis.call('HSET', KEYS[6], ARGV[6], seq .. ' 1')
if ARGV[7] ~= '' then
  redis.call('XADD', KEYS[7], 'MINID', '~', ARGV[7], '*', unpack(ARGV, 8))
end
return {1, seq}
"""

# Compare-and-set of one hash field, keeping the old value and logging events.
# KEYS[1] = hash holding the record, KEYS[2] = hash of earlier versions
# KEYS[3] = sequence counter, KEYS[4] = event log, KEYS[5] = acknowledgements hash
# KEYS[6] = counts hash, KEYS[7] = request-events hash
# ARGV[1] = field, ARGV[2] = value expected now ('' when absent), ARGV[3] = new value
# ARGV[4] = field to archive the old value under ('' = do not archive)
# ARGV[5] = request id ('' = none), ARGV[6] = acknowledgement JSON
# ARGV[7] = counts field ('' = none), ARGV[8] = counts delta
# ARGV[9] = log max length, ARGV[10..] = event JSON
# Returns {1, first seq}; {0, ''} when the record changed meanwhile (re-read and retry);
# {2, first acknowledgement, "<first seq> <count>" or ''} when this request id was applied
# before.
REPLACE_FIELD = """
if ARGV[5] ~= '' then
  local prior = redis.call('HGET', KEYS[5], ARGV[5])
  if prior then return {2, prior, redis.call('HGET', KEYS[7], ARGV[5]) or ''} end
end
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if current ~= ARGV[2] then return {0, ''} end
if ARGV[4] ~= '' and current ~= '' then redis.call('HSET', KEYS[2], ARGV[4], current) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
if ARGV[5] ~= '' then redis.call('HSET', KEYS[5], ARGV[5], ARGV[6]) end
if ARGV[7] ~= '' then redis.call('HINCRBY', KEYS[6], ARGV[7], tonumber(ARGV[8])) end
local first = 0
for i = 10, #ARGV do
  local seq = redis.call('INCR', KEYS[3])
  if first == 0 then first = seq end
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[9], seq .. '-0', 'e', ARGV[i])
end
if ARGV[5] ~= '' and first ~= 0 then redis.call('HSET', KEYS[7], ARGV[5], first .. ' ' .. (#ARGV - 9)) end
return {1, first}
"""

# Record a staff socket, only while the credential it was opened with still stands, so a
# sign-out racing a connect either sees the socket or refuses it.
# KEYS[1] = the credential's record (the user's sign-ins hash, or the API token's hash)
# KEYS[2] = the user's staff sockets hash
# ARGV[1] = field of KEYS[1] that must exist ('' = KEYS[1] itself must exist)
# ARGV[2] = socket id, ARGV[3] = the credential's tag
# Returns 1 when recorded, 0 when the credential has ended.
HOLD_STAFF_SOCKET = """
if ARGV[1] ~= '' then
  if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
elseif redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
"""

# KEYS[1] = the user's staff sockets hash
# ARGV[1] = the start of the credential tags to drop ('' = every socket)
# Returns the ids of the sockets dropped (the caller closes them).
DROP_STAFF_SOCKETS = """
local dropped = {}
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  if string.sub(held[i + 1], 1, #ARGV[1]) == ARGV[1] then
    dropped[#dropped + 1] = held[i]
    redis.call('HDEL', KEYS[1], held[i])
  end
end
return dropped
"""

# KEYS[1] = the reset link's key (its user id), KEYS[2] = that user's account hash
# ARGV[1] = the link's hash, ARGV[2] = the new password hash
# Returns 1 (password set, link spent) only for an active user's latest unexpired link, else 0.
USE_PASSWORD_RESET = """
if redis.call('DEL', KEYS[1]) == 0 then return 0 end
if redis.call('HGET', KEYS[2], 'reset') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[2], 'active') ~= '1' then return 0 end
redis.call('HSET', KEYS[2], 'password', ARGV[2])
redis.call('HDEL', KEYS[2], 'reset')
return 1
"""

# KEYS[1] = the setup token's hash, KEYS[2] = the set of staff users
# ARGV[1] = the hash of the token presented
# Returns 1 (and forgets the token) only if it matches and no staff account exists yet.
CONSUME_SETUP_TOKEN = """
if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('SCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""

# When may a join-code check run? At once while its address and everyone together are within
# their allowances of wrong codes for the window; beyond an allowance, in that lane's turn (one
# check per spacing), so guessing is slowed and never refused while the wait stays short.
# KEYS[1] = the address's wrong codes this window, KEYS[2] = the address's lane (next free ms)
# KEYS[3] = everyone's wrong codes this window, KEYS[4] = everyone's lane (next free ms)
# ARGV[1] = window (ms), ARGV[2] = the address's allowance, ARGV[3] = its lane's spacing (ms)
# ARGV[4] = everyone's allowance, ARGV[5] = everyone's lane spacing (ms), ARGV[6] = longest wait (ms)
# Returns {wait in ms, 1 if a unit of the address's allowance was taken, 1 if one of everyone's
# was}, or {-1, 0, 0}, taking nothing, when the wait would be longer than the longest.
TAKE_JOIN_TURN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local window = tonumber(ARGV[1])
local at = now
local mine = tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[2])
local my_turn = 0
if not mine then
  my_turn = math.max(at, tonumber(redis.call('GET', KEYS[2]) or '0'))
  at = my_turn
end
local ours = tonumber(redis.call('GET', KEYS[3]) or '0') < tonumber(ARGV[4])
local our_turn = 0
if not ours then
  our_turn = math.max(at, tonumber(redis.call('GET', KEYS[4]) or '0'))
  at = our_turn
end
if at - now > tonumber(ARGV[6]) then return {-1, 0, 0} end
local function take(key)
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, window) end
end
local function book(key, turn, spacing)
  local free = turn + spacing
  redis.call('SET', key, free, 'PX', free - now + window)
end
if mine then take(KEYS[1]) else book(KEYS[2], my_turn, tonumber(ARGV[3])) end
if ours then take(KEYS[3]) else book(KEYS[4], our_turn, tonumber(ARGV[5])) end
return {at - now, mine and 1 or 0, ours and 1 or 0}
"""

# After a join-code check: a right code gives back the allowance it took; a wrong one checked
# in a lane is counted too, so the count stays the number of wrong codes.
# KEYS[1] = the address's wrong codes, KEYS[2] = everyone's wrong codes
# ARGV[1] = window (ms), ARGV[2] = "1" for a right code, ARGV[3], ARGV[4] = "1" where a unit was taken
SETTLE_JOIN_TURN = """
for i = 1, 2 do
  local taken = ARGV[2 + i] == '1'
  if ARGV[2] == '1' and taken then
    if redis.call('DECR', KEYS[i]) < 0 then redis.call('SET', KEYS[i], 0, 'KEEPTTL') end
  elseif ARGV[2] ~= '1' and not taken then
    if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[1]) end
  end
end
return 1
"""
