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

// Every script touches keys of one bucket only: the keys passed in KEYS and, for `list` and `sweep`, entry keys built
// from the bucket's entry-key prefix (passed in ARGV) and a member. All of them share one hash tag (see key-layout.ts),
// so each script runs atomically on one node, standalone or Cluster.
//
// Liveness is judged the way the runtime judges it: by the absolute expiry inside the record frame (bytes 2..9 of
// the Lua string, big-endian epoch ms, 0 = never; see core's record-frame.ts) against the application's clock, which
// the caller passes as `now`. Redis' own expiry (PXAT, the same number) only reclaims memory: Redis keeps a key while
// its clock is <= PXAT, one millisecond longer than the frame says, and that millisecond must not make a conditional
// write see an entry the runtime already treats as gone. The version is bytes 10..25 (offset 9, 16 bytes).

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
 * Conditional set: KEYS = entry, key index.
 * ARGV = frame, member, expiry ('' = none; absolute epoch ms), condition ('absent' | 'version'),
 * expected version (16 bytes, for 'version'), now (application clock, epoch ms).
 * Returns 1 when written, 0 when the condition failed.
 *
 * Unconditional writes do not run a script (a pipelined ZADD, SET, ZADD; see redis-driver.ts). A record that is not a
 * frame (written by something else) counts as live with no matching version: a conditional write never replaces it.
 * Only its 25-byte header is read (GETRANGE), whatever the value's size.
 */
export const SET_SCRIPT = script(
  'set',
  `${LIVE}
local now = tonumber(ARGV[6])
local head = redis.call('GETRANGE', KEYS[1], 0, 24)
if head == '' then head = false end
if ARGV[4] == 'absent' then
  if live(head, now) then return 0 end
elseif not live(head, now) or string.sub(head, 10, 25) ~= ARGV[5] then
  return 0
end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
end
return 1
`,
);

/**
 * Versioned delete: KEYS = entry; ARGV = expected version (16 bytes), now.
 * Returns 1 when a live entry with that version was deleted, else 0. The key-index member is left for `list` and the
 * sweep to remove, as after `take`.
 */
export const DELETE_SCRIPT = script(
  'delete',
  `${LIVE}
local head = redis.call('GETRANGE', KEYS[1], 0, 24)
if head == '' then return 0 end
if not live(head, tonumber(ARGV[2])) or string.sub(head, 10, 25) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`,
);

/**
 * list one bucket: KEYS = key index, legacy expiry index; ARGV = entry-key prefix, ZRANGEBYLEX start ('-' or
 * '(' .. last key), count, now.
 * Returns { live members, number of members read, last member read }: the caller needs the raw count and last member
 * to know how far this bucket has been read, dead members included.
 *
 * A member is live when its entry exists and its frame has not expired at `now` (the runtime's rule, to the
 * millisecond; Redis keeps an expired key up to 1 ms longer). Members whose entry no longer exists are removed from
 * the key index (and from the legacy expiry index, where old data may still have them). A write in flight between its
 * first ZADD and its SET may lose its member here; its second ZADD, sent after the SET, adds it back.
 */
export const LIST_BUCKET_SCRIPT = script(
  'list',
  `${LIVE}
local now = tonumber(ARGV[4])
local members = redis.call('ZRANGEBYLEX', KEYS[1], ARGV[2], '+', 'LIMIT', 0, tonumber(ARGV[3]))
if #members == 0 then return { {}, 0 } end
local alive, gone = {}, {}
for _, member in ipairs(members) do
  local entry = ARGV[1] .. member
  local head = redis.call('GETRANGE', entry, 0, 24)
  if head == '' and redis.call('EXISTS', entry) == 0 then
    gone[#gone + 1] = member
  elseif live(head, now) then
    alive[#alive + 1] = member
  end
end
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('ZREM', KEYS[2], unpack(gone))
end
return { alive, #members, members[#members] }
`,
);

/**
 * Sweep part of one bucket's key index: KEYS = key index, legacy expiry index; ARGV = entry-key prefix, ZRANGEBYLEX
 * start ('' = from a random member, '-' = from the first, '(' .. member = after it), count.
 * Removes the members read whose entry no longer exists (taken, deleted, expired natively) and returns where the next
 * sweep of this bucket starts: after the last member read, or '-' once the end of the index was reached.
 *
 * It keeps the index of a collection that is written and taken but never listed (authorization codes) from growing:
 * the driver sends it, pipelined, with every so many writes to the bucket (see index-sweep.ts).
 */
export const SWEEP_SCRIPT = script(
  'sweep',
  `local start = ARGV[2]
if start == '' then
  local pick = redis.call('ZRANDMEMBER', KEYS[1])
  if not pick then return '-' end
  start = '[' .. pick
end
local count = tonumber(ARGV[3])
local members = redis.call('ZRANGEBYLEX', KEYS[1], start, '+', 'LIMIT', 0, count)
local gone = {}
for _, member in ipairs(members) do
  if redis.call('EXISTS', ARGV[1] .. member) == 0 then gone[#gone + 1] = member end
end
if #gone > 0 then
  redis.call('ZREM', KEYS[1], unpack(gone))
  redis.call('ZREM', KEYS[2], unpack(gone))
end
if #members < count then return '-' end
return '(' .. members[#members]
`,
);
