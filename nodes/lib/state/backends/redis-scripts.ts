/**
 * The Lua scripts of the Redis backend. Each runs atomically on the server, so a read-then-write that must
 * not interleave with another instance (a compare-and-set, a lease renewal, taking due timers, handing out
 * stream entries) costs one round trip and needs no WATCH on a shared connection.
 */

/**
 * Compare-and-set of one JSON record. KEYS[1] record; ARGV[1] '1' when the caller saw a value, '0' when absent;
 * ARGV[2] the value the caller saw; ARGV[3] '1' to delete, else ARGV[4] the new value; ARGV[5] ttl ms or ''
 * (keep the existing TTL). Returns 1 when written, 0 when the record changed meanwhile (the caller retries).
 */
export const CAS = `
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] ~= '' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
else
  redis.call('SET', KEYS[1], ARGV[4], 'KEEPTTL')
end
return 1
`;

/** Counter that expires ARGV[2] ms after it was created. KEYS[1]; ARGV[1] by; returns the new value as a string. */
export const INCR = `
local existed = redis.call('EXISTS', KEYS[1])
local v
if string.find(ARGV[1], '[.eE]') then
  v = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
else
  v = redis.call('INCRBY', KEYS[1], ARGV[1])
end
if existed == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return tostring(v)
`;

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
 * Hand out stream entries to one consumer of a group (created on first use, from the start of the stream).
 * KEYS[1] stream; ARGV[1] group; ARGV[2] consumer; ARGV[3] count; ARGV[4] claim idle ms (0 = none);
 * ARGV[5] '' or the id after which to hand out again this consumer's own unacknowledged entries ('-' from
 * the start; once per process: after a restart with the same consumer name).
 * Order: own unacknowledged entries, then new entries, then entries another consumer left idle for ARGV[4] ms.
 * Returns a flat list: how many own pending entries were looked at, the last one's id (or ''), then
 * id, deliveries, value, id, deliveries, value, …
 * Entries deleted from the stream while pending are acknowledged away.
 */
export const READ_GROUP = `
local key, group, consumer = KEYS[1], ARGV[1], ARGV[2]
local want = tonumber(ARGV[3])
local idle = tonumber(ARGV[4])
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
if ARGV[5] ~= '' then
  local from = ARGV[5]
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
`;

/**
 * Acknowledge ARGV[2..] for group ARGV[1] of stream KEYS[1], then delete each entry that no group of the
 * stream still needs (delivered to every group and pending in none), so acknowledged entries do not pile up.
 */
export const ACK = `
local key, group = KEYS[1], ARGV[1]
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
if #ids == 0 then return 0 end
redis.call('XACK', key, group, unpack(ids))
local function parse(id)
  local a, b = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(a), tonumber(b)
end
local function le(x, y)
  local xa, xb = parse(x)
  local ya, yb = parse(y)
  return xa < ya or (xa == ya and xb <= yb)
end
local groups = redis.call('XINFO', 'GROUPS', key)
local others = {}
for _, g in ipairs(groups) do
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
    local p = redis.call('XPENDING', key, o[1], id, id, 1)
    if #p > 0 then needed = true break end
  end
  if not needed then del[#del + 1] = id end
end
if #del > 0 then redis.call('XDEL', key, unpack(del)) end
return #del
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
