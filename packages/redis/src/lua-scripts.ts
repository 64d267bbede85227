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
// Liveness is judged the way the runtime judges it: by the absolute expiry inside the record frame (bytes 2..9 of
// the Lua string, big-endian epoch ms, 0 = never; see core's record-frame.ts) against the application's clock, which
// the caller passes as `now`. Redis' own expiry (PXAT, the same number) only reclaims memory: Redis keeps a key while
// its clock is <= PXAT, one millisecond longer than the frame says, and that millisecond must not make a conditional
// write see an entry the runtime already treats as gone. The version is bytes 10..25 (offset 9, 16 bytes).
//
// Integers are formatted with %d because Lua's default number-to-string conversion switches to exponent notation
// above 14 digits.
const LIVE = `
local function live(frame, now)
  if not frame then return false end
  if string.byte(frame, 1) ~= 242 or #frame < 25 then return true end
  local at = 0
  for i = 2, 9 do at = at * 256 + string.byte(frame, i) end
  return at == 0 or at > now
end
`;

/**
 * set: KEYS = entry, key index, expiry index.
 * ARGV = frame, member, expiry ('' = none; absolute epoch ms), condition ('' | 'absent' | 'version'),
 * expected version (16 bytes, for 'version'), now (application clock, epoch ms), prune limit.
 * Returns 1 when written, 0 when the condition failed.
 *
 * A record that is not a frame (written by something else) counts as live with no matching version: a conditional
 * write never replaces it. Only its 25-byte header is read (GETRANGE), whatever the value's size.
 *
 * Before writing, it drops up to `prune limit` members of this bucket whose entries have expired (their expiry score
 * is at or before `now`), so expired keys do not pile up in the indexes when nobody lists.
 */
export const SET_SCRIPT = script(
  'set',
  `${LIVE}
local now = tonumber(ARGV[6])
local condition = ARGV[4]
if condition ~= '' then
  local head = redis.call('GETRANGE', KEYS[1], 0, 24)
  if head == '' then head = false end
  if condition == 'absent' then
    if live(head, now) then return 0 end
  elseif not live(head, now) or string.sub(head, 10, 25) ~= ARGV[5] then
    return 0
  end
end
local stale = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', string.format('%d', now), 'LIMIT', 0, tonumber(ARGV[7]))
if #stale > 0 then
  redis.call('ZREM', KEYS[2], unpack(stale))
  redis.call('ZREM', KEYS[3], unpack(stale))
end
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1
`,
);

/** take: KEYS = entry, key index, expiry index; ARGV = member. GETDEL plus index cleanup, atomically. */
export const TAKE_SCRIPT = script(
  'take',
  `local value = redis.call('GETDEL', KEYS[1])
if value then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return value
`,
);

/**
 * delete: KEYS = entry, key index, expiry index; ARGV = member, expected version ('' = any), now.
 * Returns 1 when a live entry (with that version) was deleted, else 0. An entry past its frame expiry is removed
 * anyway (it is gone for every reader) but does not count.
 */
export const DELETE_SCRIPT = script(
  'delete',
  `${LIVE}
local head = redis.call('GETRANGE', KEYS[1], 0, 24)
if head == '' then
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
  return 0
end
local alive = live(head, tonumber(ARGV[3]))
if ARGV[2] ~= '' and (not alive or string.sub(head, 10, 25) ~= ARGV[2]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if alive then return 1 end
return 0
`,
);

/**
 * list one bucket: KEYS = key index, expiry index; ARGV = ZRANGEBYLEX start ('-' or '(' .. last key), count, now.
 * Returns { live members, number of members read, last member read }: the caller needs the raw count and last
 * member to know how far this bucket has been read, stale members included. Members whose expiry is past are dropped
 * from both indexes on the way.
 */
export const LIST_BUCKET_SCRIPT = script(
  'list',
  `local now = tonumber(ARGV[3])
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[1], '+', 'LIMIT', 0, tonumber(ARGV[2]))
if #members == 0 then return { {}, 0 } end
local expiries = redis.call('ZMSCORE', KEYS[2], unpack(members))
local live, stale = {}, {}
for i, member in ipairs(members) do
  local at = expiries[i]
  if at and tonumber(at) <= now then stale[#stale + 1] = member else live[#live + 1] = member end
end
if #stale > 0 then
  redis.call('ZREM', KEYS[1], unpack(stale))
  redis.call('ZREM', KEYS[2], unpack(stale))
end
return { live, #members, members[#members] }
`,
);
