import { createHash } from 'node:crypto';

/** A Lua script run with EVALSHA (falling back to EVAL when the server has not cached it yet). */
export interface LuaScript {
  /** Short name, for error messages. */
  readonly name: string;
  /** The Lua source. */
  readonly source: string;
  /** SHA-1 of the source, as EVALSHA wants it. */
  readonly sha: string;
}

function script(name: string, source: string): LuaScript {
  return { name, source, sha: createHash('sha1').update(source).digest('hex') };
}

// Every script touches only keys passed in KEYS, and all of them share one hash tag (see key-layout.ts), so each
// script runs atomically on one node, standalone or Cluster.
//
// Time comes from the server (TIME), never from the client: entry expiry is the server's business (PXAT), and the
// expiry index must agree with it exactly, whatever the clients' clocks say. Integers are formatted with %d because
// Lua's default number-to-string conversion switches to exponent notation above 14 digits.
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * set: KEYS = entry, key index, expiry index; ARGV = value, member, ttlMs ('' = none), onlyIfAbsent ('1'/'0'),
 * prune limit. Returns 1 when written, 0 when `onlyIfAbsent` found a live entry.
 *
 * Before writing, it drops up to `prune limit` members of this bucket whose entries have expired (their expiry score
 * is in the past, and the score always equals the entry's PXAT), so expired keys do not pile up in the indexes even
 * when nobody lists.
 */
export const SET_SCRIPT = script(
  'set',
  `${NOW}
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[5]))
if #stale > 0 then
  redis.call('ZREM', KEYS[2], unpack(stale))
  redis.call('ZREM', KEYS[3], unpack(stale))
end
local ttl = tonumber(ARGV[3])
local args = { 'SET', KEYS[1], ARGV[1] }
local at
if ttl then
  at = string.format('%d', now + ttl)
  args[#args + 1] = 'PXAT'
  args[#args + 1] = at
end
if ARGV[4] == '1' then args[#args + 1] = 'NX' end
if not redis.call(unpack(args)) then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
if at then
  redis.call('ZADD', KEYS[3], at, ARGV[2])
else
  redis.call('ZREM', KEYS[3], ARGV[2])
end
return 1
`,
);

/** take: KEYS = entry, key index, expiry index; ARGV = member. GETDEL plus index cleanup, atomically. */
export const TAKE_SCRIPT = script(
  'take',
  `local value = redis.call('GETDEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return value
`,
);

/** delete: KEYS = entry, key index, expiry index; ARGV = member. Returns how many entries DEL removed (0 or 1). */
export const DELETE_SCRIPT = script(
  'delete',
  `local removed = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return removed
`,
);

/**
 * list one bucket: KEYS = key index, expiry index; ARGV = ZRANGEBYLEX start ('-' or '(' .. last key), count.
 * Returns { live members, number of members read, last member read }: the caller needs the raw count and last
 * member to know how far this bucket has been read, stale members included. Members whose expiry is past are dropped
 * from both indexes on the way.
 */
export const LIST_BUCKET_SCRIPT = script(
  'list',
  `${NOW}
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #members == 0 then return { {}, 0 } end
local expiries = redis.call('ZMSCORE', KEYS[2], unpack(members))
local live, stale = {}, {}
for i, member in ipairs(members) do
  local at = expiries[i]
  if at and tonumber(at) < now then stale[#stale + 1] = member else live[#live + 1] = member end
end
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
return { live, #members, members[#members] }
`,
);
