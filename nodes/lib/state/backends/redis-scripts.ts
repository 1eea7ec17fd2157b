/**
 * The Lua scripts of the Redis backend. Each runs atomically on the server, so a read-then-write that must
 * not interleave with another instance (a compare-and-set, a lease renewal, taking due timers, handing out
 * stream entries) costs one round trip and needs no WATCH on a shared connection. Single-key reads and writes
 * go through BATCH (one call for what one event-loop turn asked for).
 */

/** Renew a lease held by ARGV[1] for ARGV[2] ms; a lease that lapsed and nobody took is taken back. 1/0. */
export const LEASE_RENEW = `
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not cur then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

/** Release a lease only if ARGV[1] still holds it. */
export const LEASE_RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;

/**
 * Atomically remove and return up to ARGV[2] members of the sorted set KEYS[1] with score <= ARGV[1],
 * earliest first.
 */
export const TAKE_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
`;

/**
 * BATCH's `read`: hand out stream entries to one consumer of a group (created on first use, from the start of
 * the stream). Arguments: the stream; group; consumer; count; claim idle ms (0 = none); '' or the id after
 * which to hand out again this consumer's own unacknowledged entries ('-' from the start; once per process:
 * after a restart with the same consumer name). Order: own unacknowledged entries, then new entries, then
 * entries another consumer left idle for the claim idle time. Returns a flat list: how many own pending
 * entries were looked at, the last one's id (or ''), then id, deliveries, value, id, deliveries, value, …
 * Entries deleted from the stream while pending are acknowledged away.
 */
const READ = `
local function read(key, a)
  local group, consumer = a[1], a[2]
  local want = tonumber(a[3])
  local idle = tonumber(a[4])
  redis.pcall('XGROUP', 'CREATE', key, group, '0', 'MKSTREAM')
  local out = {}
  local n = 0
  local function field(entry)
    local f = entry[2]
    if not f then return nil end
    for i = 1, #f, 2 do if f[i] == 'v' then return f[i + 1] end end
    return nil
  end
  local function push(id, deliveries, v)
    n = n + 1
    out[#out + 1] = id; out[#out + 1] = deliveries; out[#out + 1] = v
  end
  -- 1) this consumer's own pending entries (after a restart with the same consumer name)
  local own = 0
  local lastOwn = ''
  if a[5] ~= '' then
    local from = a[5]
    if from ~= '-' then from = '(' .. from end
    local mine = redis.call('XPENDING', key, group, from, '+', want, consumer)
    for _, p in ipairs(mine) do
      local id, count = p[1], p[4]
      local r = redis.call('XCLAIM', key, group, consumer, 0, id)
      local v = r[1] and field(r[1])
      if v then push(id, count + 1, v) else redis.call('XACK', key, group, id) end
    end
    own = #mine
    if own > 0 then lastOwn = mine[own][1] end
  end
  -- 2) new entries
  if n < want then
    local res = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', want - n, 'STREAMS', key, '>')
    if res and res[1] then
      for _, e in ipairs(res[1][2]) do
        local v = field(e)
        if v then push(e[1], 1, v) else redis.call('XACK', key, group, e[1]) end
      end
    end
  end
  -- 3) entries another consumer left unacknowledged for too long (never this consumer's own: it may still be
  --    working on them)
  if idle > 0 and n < want then
    local start = '-'
    for _ = 1, 50 do
      local rows = redis.call('XPENDING', key, group, 'IDLE', idle, start, '+', 100)
      for _, p in ipairs(rows) do
        if n >= want then break end
        if p[2] ~= consumer then
          local r = redis.call('XCLAIM', key, group, consumer, idle, p[1])
          local v = r[1] and field(r[1])
          if v then push(p[1], p[4] + 1, v) elseif not r[1] then redis.call('XACK', key, group, p[1]) end
        end
      end
      if n >= want or #rows < 100 then break end
      start = '(' .. rows[#rows][1]
    end
  end
  table.insert(out, 1, lastOwn)
  table.insert(out, 1, own)
  return out
end
`;

/**
 * What a group has not acknowledged: KEYS[1] stream; ARGV[1] group. Returns {depth, id, value} of the earliest
 * pending entry, else the first unread one ({depth} when there is none). The inbox and outbox streams have one
 * group each and acknowledged entries are deleted, so without a lag (Redis < 7, or after deletions) the stream
 * length is the depth.
 */
export const BACKLOG = `
local key, group = KEYS[1], ARGV[1]
if redis.call('EXISTS', key) == 0 then return {0} end
local len = redis.call('XLEN', key)
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', key)
local pending, last, lag = 0, '0-0', nil
if ok then
  for _, g in ipairs(groups) do
    local f = {}
    for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
    if f['name'] == group then
      pending, last = tonumber(f['pending']) or 0, f['last-delivered-id']
      if f['lag'] then lag = tonumber(f['lag']) end
    end
  end
end
local depth = len
if lag then depth = pending + lag end
local e
if pending > 0 then
  local s = redis.call('XPENDING', key, group)
  local r = redis.call('XRANGE', key, s[2], s[2])
  e = r[1]
end
if not e then
  local r = redis.call('XRANGE', key, '(' .. last, '+', 'COUNT', 1)
  e = r[1]
end
if not e then return {depth} end
local v
for i = 1, #e[2], 2 do if e[2][i] == 'v' then v = e[2][i + 1] end end
return {depth, e[1], v or 'null'}
`;

/**
 * Several single-key operations in one call (see redis-batch.ts): the writes (and reads) one event-loop turn
 * asked for, in the order asked, atomically. ARGV is flat: for each operation its name, the index of its key in
 * KEYS, how many arguments follow, then those arguments. Returns one {1, result} or {0, error text} per
 * operation: an operation that fails (e.g. NOGROUP) does not stop the others.
 *   get k                          → the value or nil
 *   set k v px                     → 'OK' (px '' = no expiry)
 *   del k                          → count
 *   claim k v px                   → 1 when set, 0 when the key existed (SET NX PX)
 *   cas k seen old del new ttl     → 1 when written, else {current or nil}: seen '1' when the caller saw `old`,
 *                                    '0' when it saw nothing; del '1' deletes; ttl ms or '' (keep the TTL)
 *   incr k by ttl                  → the new value as a string (expires ttl ms after it was created)
 *   xadd k v [ackKey group ids…]   → the entry id; with ackKey (a KEYS index, 0 = none), acknowledges `ids` of
 *                                    `group` in that stream once the entry is added (an outcome recorded)
 *   ack k group ids…               → how many entries were deleted
 *   read k group consumer count idle from → handed out entries (see READ)
 *   zadd k at member / zrem k member
 */
export const BATCH = `${READ}
local function parse(id)
  local a, b = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(a), tonumber(b)
end
local function le(x, y)
  local xa, xb = parse(x)
  local ya, yb = parse(y)
  return xa < ya or (xa == ya and xb <= yb)
end
-- Acknowledge ids, then delete each entry no group of the stream still needs (delivered to every group and
-- pending in none), so acknowledged entries do not pile up.
local function ack(key, group, ids)
  if #ids == 0 then return 0 end
  redis.call('XACK', key, group, unpack(ids))
  local others = {}
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', key)) do
    local name, last
    for i = 1, #g, 2 do
      if g[i] == 'name' then name = g[i + 1] end
      if g[i] == 'last-delivered-id' then last = g[i + 1] end
    end
    if name ~= group then others[#others + 1] = { name, last } end
  end
  local del = {}
  for _, id in ipairs(ids) do
    local needed = false
    for _, o in ipairs(others) do
      if not le(id, o[2]) then needed = true break end
      if #redis.call('XPENDING', key, o[1], id, id, 1) > 0 then needed = true break end
    end
    if not needed then del[#del + 1] = id end
  end
  if #del > 0 then redis.call('XDEL', key, unpack(del)) end
  return #del
end
local ops = {}
ops.get = function(k) return redis.call('GET', k) end
ops.set = function(k, a)
  if a[2] ~= '' then return redis.call('SET', k, a[1], 'PX', a[2]) end
  return redis.call('SET', k, a[1])
end
ops.del = function(k) return redis.call('DEL', k) end
ops.claim = function(k, a)
  if redis.call('SET', k, a[1], 'PX', a[2], 'NX') then return 1 end
  return 0
end
ops.cas = function(k, a)
  local cur = redis.call('GET', k)
  if (a[1] == '1' and cur ~= a[2]) or (a[1] == '0' and cur) then return { cur } end
  if a[3] == '1' then redis.call('DEL', k)
  elseif a[5] ~= '' then redis.call('SET', k, a[4], 'PX', a[5])
  else redis.call('SET', k, a[4], 'KEEPTTL') end
  return 1
end
ops.incr = function(k, a)
  local existed = redis.call('EXISTS', k)
  local v
  if string.find(a[1], '[.eE]') then v = redis.call('INCRBYFLOAT', k, a[1]) else v = redis.call('INCRBY', k, a[1]) end
  if existed == 0 then redis.call('PEXPIRE', k, a[2]) end
  return tostring(v)
end
ops.xadd = function(k, a)
  local id = redis.call('XADD', k, '*', 'v', a[1])
  local ackKey = tonumber(a[2] or '0')
  if ackKey and ackKey > 0 then
    local ids = {}
    for i = 4, #a do ids[#ids + 1] = a[i] end
    -- the outcome is recorded with the entry; a group or stream that is gone has nothing to acknowledge
    pcall(ack, KEYS[ackKey], a[3], ids)
  end
  return id
end
ops.ack = function(k, a)
  local ids = {}
  for i = 2, #a do ids[#ids + 1] = a[i] end
  return ack(k, a[1], ids)
end
ops.read = read
ops.zadd = function(k, a) return redis.call('ZADD', k, a[1], a[2]) end
ops.zrem = function(k, a) return redis.call('ZREM', k, a[1]) end
local out = {}
local i = 1
while i <= #ARGV do
  local name, k, n = ARGV[i], KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  local a = {}
  for j = 1, n do a[j] = ARGV[i + 2 + j] end
  i = i + 3 + n
  local ok, r = pcall(ops[name], k, a)
  if ok then out[#out + 1] = { 1, r } else out[#out + 1] = { 0, tostring(r and (r.err or r)) } end
end
return out
`;
