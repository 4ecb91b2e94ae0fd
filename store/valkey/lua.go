package valkey

// The scripts run on the server, one conversation at a time: every key a
// conversation script touches is declared and hash-tagged with the
// conversation id, so it runs on the conversation's node of a cluster.
// KEYS[1..nConvKeys] are the conversation's keys, in convKeyNames' order;
// when the shard's index keys follow (a single server: everything is on
// one node), the script publishes the conversation's work state into them
// itself, in the same atomic step. On a cluster it returns the state and
// the Go side publishes it with publishLua (see doc.go).

// luaPrelude names the keys and holds the helpers every conversation
// script shares. Item meta is
// "status\31next\31lease\31kind\31handoff\31x\31cl", x being ” or
// what a cascade did to the item since Go last wrote its blob: 'r'
// revived (no attempts, no error), 'd' .. error (died with its open), cl
// the count of its claims (its flows.OutboxItem.LeaseID). The item's
// creation time, as createdStamp writes it, is the field id .. '\31cr'
// of the same hash, apart: a process of the Baton before it, sharing the
// Valkey in a rolling upgrade, reads cl as the meta's last field (an
// eighth field made it read no lease). An item an earlier version wrote
// has no such field: created reads the time from the blob (or from the
// meta's eighth field, which a version between wrote) and writeMeta files
// it. Save's ARGV still carries the time as the meta's eighth field.
// Inbox meta is "attempts\31lease\31accepted". Times are Unix ms.
const luaPrelude = `
local S, T, W, L, O, OM, OQ, OK, TM, IN, IE, IM, SEEN, PR, PH, OD =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15], KEYS[16]
local NCONV = 16
local SEP = '\31'

local function split(s)
  local out = {}
  for part in string.gmatch(s .. SEP, '([^' .. SEP .. ']*)' .. SEP) do out[#out + 1] = part end
  return out
end

local function split2(s)
  local out = {}
  for part in string.gmatch(s .. '\30', '([^\30]*)\30') do out[#out + 1] = part end
  return out
end

-- parseItem reads an item's meta; cr is its creation stamp when the meta
-- has one (save's, or a meta of the version that kept it there), crNew
-- then says writeMeta is to file it apart.
local function parseItem(m)
  local f = split(m)
  local cr = f[8] or ''
  return {st = f[1], nx = tonumber(f[2]), ls = tonumber(f[3]), kind = f[4], ho = f[5] or '', x = f[6] or '', cl = tonumber(f[7] or '0') or 0, cr = cr, crNew = cr ~= ''}
end

local function itemMeta(it)
  return it.st .. SEP .. string.format('%d', it.nx) .. SEP .. string.format('%d', it.ls) .. SEP .. it.kind .. SEP .. it.ho .. SEP .. it.x .. SEP .. string.format('%d', it.cl)
end

-- crField is the field of OM that holds item id's creation stamp.
local function crField(id) return id .. SEP .. 'cr' end

-- stampOf turns a time as Go's JSON writes it (RFC 3339, nanoseconds,
-- Z or an offset) into createdStamp's form: seconds since the year 1 in
-- twelve digits, then nanoseconds in nine, so the strings sort as the
-- times do. nil when s is not such a time.
local function stampOf(s)
  if type(s) ~= 'string' then return nil end
  local y, mo, d, h, mi, sec, rest = string.match(s, '^(%d%d%d%d)%-(%d%d)%-(%d%d)T(%d%d):(%d%d):(%d%d)(.*)$')
  if not y then return nil end
  local frac = string.match(rest, '^%.(%d+)') or ''
  if frac ~= '' then rest = string.sub(rest, #frac + 2) end
  local off = 0
  if rest ~= 'Z' then
    local sign, oh, om = string.match(rest, '^([+-])(%d%d):(%d%d)$')
    if not sign then return nil end
    off = (tonumber(oh) * 60 + tonumber(om)) * 60
    if sign == '-' then off = -off end
  end
  -- days since 1970-01-01 of a proleptic Gregorian date
  y, mo, d = tonumber(y), tonumber(mo), tonumber(d)
  if mo <= 2 then y = y - 1 end
  local era = math.floor(y / 400)
  local yoe = y - era * 400
  local doy = math.floor((153 * ((mo + 9) % 12) + 2) / 5) + d - 1
  local days = era * 146097 + yoe * 365 + math.floor(yoe / 4) - math.floor(yoe / 100) + doy - 719468
  local secs = days * 86400 + tonumber(h) * 3600 + tonumber(mi) * 60 + tonumber(sec) - off + 62135596800
  if secs < 0 then return string.rep('0', 21) end
  return string.format('%012d', secs) .. string.sub(frac .. '000000000', 1, 9)
end

-- group says which items are delivered in order: a conversation's replies,
-- a handoff's items; an item of neither is alone.
local function group(id, it)
  if it.kind == 'reply' then return 'r' end
  if it.ho ~= '' then return 'h' .. it.ho end
  return 'i' .. id
end

local function class(kind)
  if kind == 'reply' then return 'r' end
  return 'h'
end

-- blocked reports whether a group's head item waits for something else:
-- an append or close for its handoff's open to be delivered.
local function blocked(it)
  return it.kind ~= 'open' and it.kind ~= 'reply' and it.ho ~= '' and redis.call('HEXISTS', OK, it.ho) == 0
end

-- touched are the keys this script wrote: finish sets their expiry.
local touched = {}
local function touch(k) touched[k] = true end

-- writeMeta writes an item's meta, and its creation stamp when it was
-- not filed yet.
local function writeMeta(id, it)
  if it.crNew then
    redis.call('HSET', OM, id, itemMeta(it), crField(id), it.cr)
    it.crNew = false
  else
    redis.call('HSET', OM, id, itemMeta(it))
  end
  touch(OM)
end

-- pendingSet is where a pending item of kind waits: the replies and the
-- handoff items have a sorted set each, by creation order.
local function pendingSet(kind)
  if kind == 'reply' then return PR end
  return PH
end

-- created returns an item's creation time (a stamp, see stampOf), and
-- sets it in it.cr: from its field in OM, else (an item an earlier
-- version wrote) from its blob, and then it.crNew (the caller writes the
-- meta, and the stamp with it).
local function created(id, it)
  if it.cr == '' then
    local filed = redis.call('HGET', OM, crField(id))
    if filed then
      it.cr = filed
      return filed
    end
    it.crNew = true
    local b = redis.call('HGET', O, id) or ''
    local ok, blob = pcall(cjson.decode, b)
    local cr = ok and type(blob) == 'table' and stampOf(blob.created_at)
    if not cr then
      -- a blob cjson refuses (nested too deep): the item's own
      -- created_at is the last one Go writes, after the handoff's and
      -- the message's
      local last = nil
      for v in string.gmatch(b, '"created_at":"([^"]*)"') do last = v end
      cr = stampOf(last)
    end
    it.cr = cr or string.rep('0', 21)
  end
  return it.cr
end

-- pend is the conversation's pending items per kind, {n = count, o = the
-- oldest one's creation stamp}: the state's part 7 (last written), changed
-- as setStatus files items in or out of pending. rescan names the classes
-- ('r' replies, 'h' handoff items) pendState counts again from their
-- pending sets: when the part is missing (a state of an earlier version),
-- or the oldest item of a kind left.
local pend = nil
local rescan = {}
local function pendLoad()
  if pend then return end
  pend = {}
  local p = redis.call('HGET', W, 'p')
  local part = nil
  if p then part = split2(p)[7] end
  if not part then
    rescan.r, rescan.h = true, true
    return
  end
  local f = split(part)
  for k = 1, #f - 2, 3 do pend[f[k]] = {n = tonumber(f[k + 1]), o = f[k + 2]} end
end

local function pendAdd(id, it)
  pendLoad()
  if rescan[class(it.kind)] then return end
  local cr = created(id, it)
  local p = pend[it.kind]
  if not p then
    pend[it.kind] = {n = 1, o = cr}
  else
    p.n = p.n + 1
    if cr < p.o then p.o = cr end
  end
end

local function pendDel(id, it)
  pendLoad()
  local c = class(it.kind)
  if rescan[c] then return end
  local p = pend[it.kind]
  if not p then
    rescan[c] = true
    return
  end
  p.n = p.n - 1
  if p.n <= 0 then
    pend[it.kind] = nil
  elseif created(id, it) <= p.o then
    rescan[c] = true
  end
end

-- setStatus files an item under its status, was (nil for a new item):
-- pending items in their class's pending set and counts, delivered ones
-- in OD (kept for List, trimmed). A new item is in no set yet.
local function setStatus(id, it, seq, was)
  if it.st == 'pending' and was ~= 'pending' then pendAdd(id, it) end
  if it.st ~= 'pending' and was == 'pending' then pendDel(id, it) end
  writeMeta(id, it)
  local set = pendingSet(it.kind)
  if it.st == 'pending' then
    redis.call('ZADD', set, seq, id); touch(set)
  elseif was then
    redis.call('ZREM', set, id)
  end
  if it.st == 'delivered' then
    redis.call('ZADD', OD, seq, id); touch(OD)
  elseif was then
    redis.call('ZREM', OD, id)
  end
end

local function fmt(n)
  if not n then return '' end
  return string.format('%d', n)
end

-- dirty says which parts of the conversation this script changed: the
-- outbox ('o'), timers ('t'), inbox ('i'), loads ('l'), or everything
-- ('*'), so finish recomputes and expires only what changed.
local dirty = {}
local function mark(...)
  for _, part in ipairs({...}) do dirty[part] = true end
end
local function isDirty(part) return dirty['*'] or dirty[part] end

-- pendState returns the state's part 7: for each kind with pending items
-- (in order), kind, count and the oldest one's creation stamp. A class
-- whose counts are not its pending set's size (an earlier version's script
-- changed the outbox) is counted again.
local function pendState()
  pendLoad()
  if isDirty('*') then rescan.r, rescan.h = true, true end
  local nr, nh = 0, 0
  for k, p in pairs(pend) do
    if class(k) == 'r' then nr = nr + p.n else nh = nh + p.n end
  end
  if not rescan.r and nr ~= redis.call('ZCARD', PR) then rescan.r = true end
  if not rescan.h and nh ~= redis.call('ZCARD', PH) then rescan.h = true end
  for c in pairs(rescan) do
    for k in pairs(pend) do
      if class(k) == c then pend[k] = nil end
    end
    local set = PR
    if c == 'h' then set = PH end
    for _, id in ipairs(redis.call('ZRANGE', set, 0, -1)) do
      local m = redis.call('HGET', OM, id)
      if m then
        local it = parseItem(m)
        if it.st == 'pending' then
          local cr = created(id, it)
          if it.crNew then writeMeta(id, it) end
          local p = pend[it.kind]
          if not p then
            pend[it.kind] = {n = 1, o = cr}
          else
            p.n = p.n + 1
            if cr < p.o then p.o = cr end
          end
        end
      end
    end
  end
  rescan = {}
  local kinds = {}
  for k in pairs(pend) do kinds[#kinds + 1] = k end
  table.sort(kinds)
  local out = {}
  for _, k in ipairs(kinds) do
    out[#out + 1] = k; out[#out + 1] = fmt(pend[k].n); out[#out + 1] = pend[k].o
  end
  return table.concat(out, SEP)
end

-- newReply is set when the only outbox change is replies added (the
-- usual turn): the due time of the first, so state need not read the
-- outbox again (an added reply is the next one only when none was
-- pending).
local newReply = nil

-- state is what the shard indexes hold for this conversation: when its
-- next reply and handoff item may be claimed, its next timer, when its
-- inbox head may be claimed, whether it has outbox items at all, its
-- agent-load contributions and its pending items' counts (pendState).
-- Parts this script did not change are taken from the state last
-- computed (old).
local function state(old)
  local st = {}
  if old and not isDirty('o') then
    st[1], st[2], st[5] = old[1], old[2], old[5]
    if newReply then
      if st[1] == '' then st[1] = fmt(newReply) end
      st[5] = '1'
    end
  else
    local r, h = false, false
    local head = redis.call('ZRANGE', PR, 0, 0)
    if #head > 0 then
      local m = redis.call('HGET', OM, head[1])
      if m then
        local it = parseItem(m)
        r = math.max(it.nx, it.ls)
      end
    end
    local heads = {}
    for _, id in ipairs(redis.call('ZRANGE', PH, 0, -1)) do
      local m = redis.call('HGET', OM, id)
      if m then
        local it = parseItem(m)
        local g = group(id, it)
        if not heads[g] then
          heads[g] = true
          if not blocked(it) then
            local at = math.max(it.nx, it.ls)
            if not h or at < h then h = at end
          end
        end
      end
    end
    st[1], st[2] = fmt(r), fmt(h)
    st[5] = (redis.call('EXISTS', OQ) == 1) and '1' or ''
  end
  if old and not isDirty('t') then
    st[3] = old[3]
  else
    local first = redis.call('ZRANGE', TM, 0, 0, 'WITHSCORES')
    st[3] = ''
    if #first > 0 then st[3] = fmt(tonumber(first[2])) end
  end
  if old and not isDirty('i') then
    st[4] = old[4]
  else
    st[4] = ''
    local ihead = redis.call('ZRANGE', IN, 0, 0)
    if #ihead > 0 then
      local im = split(redis.call('HGET', IM, ihead[1]) or '0')
      st[4] = fmt(math.max(tonumber(im[2] or '0'), tonumber(im[3] or '0')))
    end
  end
  if old and not isDirty('l') then
    st[6] = old[6]
  else
    st[6] = table.concat(redis.call('HGETALL', L), SEP)
  end
  if old and old[7] and not pend and not isDirty('o') then
    st[7] = old[7]
  else
    st[7] = pendState()
  end
  return st
end

-- finish records the conversation's new state and its version, refreshes
-- the idle expiry of the keys it changed (of all of them now and then),
-- and publishes the state when the shard's keys were given (a single
-- server), else returns it for the caller to publish. The version only
-- grows: the server's clock in microseconds, or the last one plus one, so
-- a conversation deleted and written again still publishes above what its
-- shard remembers.
local function finish(conv, ttl, head)
  local w = redis.call('HMGET', W, 'v', 'p', 'x')
  local old = nil
  if w[2] then old = split2(w[2]) end
  local st = state(old)
  local changed = not old or dirty['*']
  if old and not changed then
    for k = 1, 7 do if st[k] ~= old[k] then changed = true end end
  end
  local v = tonumber(w[1] or '0')
  local empty = st[1] == '' and st[2] == '' and st[3] == '' and st[4] == '' and st[5] == '' and st[6] == '' and st[7] == ''
  local nowus = 0
  if changed or ttl > 0 then
    local now = redis.call('TIME')
    nowus = tonumber(now[1]) * 1000000 + tonumber(now[2])
  end
  if changed then
    if nowus > v then v = nowus else v = v + 1 end
  end
  if ttl > 0 then
    local full = not w[3] or (nowus / 1000 - tonumber(w[3])) > ttl / 10
    if full then
      for k = 1, NCONV do redis.call('PEXPIRE', KEYS[k], ttl) end
    else
      for key in pairs(touched) do redis.call('PEXPIRE', key, ttl) end
    end
    if full or touched[SEEN] then
      -- the inbox's accepted ids are remembered for their dedupe window,
      -- which may be longer than the TTL
      local last = redis.call('ZRANGE', SEEN, -1, -1, 'WITHSCORES')
      if #last > 0 then redis.call('PEXPIREAT', SEEN, last[2], 'GT') end
    end
    if empty then
      redis.call('DEL', W)
    elseif changed or full then
      local x = w[3]
      if full then x = string.format('%d', nowus / 1000) end
      redis.call('HSET', W, 'v', string.format('%d', v), 'p', table.concat(st, '\30'), 'x', x)
      redis.call('PEXPIRE', W, ttl)
    end
  elseif empty then
    redis.call('DEL', W)
  elseif changed then
    redis.call('HSET', W, 'v', string.format('%d', v), 'p', table.concat(st, '\30'))
    if redis.call('PTTL', W) == -1 then
      local p = redis.call('PTTL', S)
      if p > 0 then redis.call('PEXPIRE', W, p) end
    end
  end
  local out = {string.format('%d', v)}
  for _, x in ipairs(st) do out[#out + 1] = x end
  if #KEYS > NCONV and changed then
    if dirty['*'] then old = nil end
    publish(NCONV + 1, conv, out, old)
  end
  for k = #head, 1, -1 do table.insert(out, 1, head[k]) end
  return out
end
`

// luaPublish applies a conversation's state to its shard's indexes,
// unless the shard already holds a newer one. KEYS[base..] are the shard's
// keys in shardKeyNames' order; st is {version, reply due, handoff due,
// timer due, inbox due, has outbox, loads, pending counts}.
const luaPublish = `
local function publish(base, conv, st, old)
  local V, OR, OH, TI, II, OA, LC, LD = KEYS[base], KEYS[base + 1], KEYS[base + 2], KEYS[base + 3], KEYS[base + 4], KEYS[base + 5], KEYS[base + 6], KEYS[base + 7]
  local PC, PN, PO = KEYS[base + 8], KEYS[base + 9], KEYS[base + 10]
  local empty = st[2] == '' and st[3] == '' and st[4] == '' and st[5] == '' and st[6] == '' and st[7] == '' and st[8] == ''
  if not old then
    -- a state from elsewhere (a cluster's second step, the sweep): only
    -- newer than what the shard holds
    local v = tonumber(st[1])
    local cur = tonumber(redis.call('HGET', V, conv) or '0')
    if v <= cur then return 0 end
    if empty then redis.call('HDEL', V, conv) else redis.call('HSET', V, conv, st[1]) end
  end
  -- old is the state before, in the same script (a single server): only
  -- what changed is written.
  local function put(key, k)
    if old and old[k - 1] == st[k] then return end
    if st[k] == '' then redis.call('ZREM', key, conv) else redis.call('ZADD', key, st[k], conv) end
  end
  put(OR, 2); put(OH, 3); put(TI, 4); put(II, 5)
  if not (old and old[5] == st[6]) then
    if st[6] == '' then redis.call('ZREM', OA, conv) else redis.call('ZADD', OA, 0, conv) end
  end
  local function fields(s)
    local f = {}
    for part in string.gmatch(s .. '\31', '([^\31]*)\31') do f[#f + 1] = part end
    return f
  end
  if not (old and old[6] == st[7]) then
    -- loads: take the conversation's old contributions off the shard's
    -- totals, add the new ones.
    local prev = redis.call('HGET', LC, conv)
    if prev and prev ~= '' then
      local f = fields(prev)
      for k = 1, #f, 2 do
        local n = redis.call('HINCRBY', LD, f[k], -tonumber(f[k + 1]))
        if n <= 0 then redis.call('HDEL', LD, f[k]) end
      end
    end
    if st[7] ~= '' then
      redis.call('HSET', LC, conv, st[7])
      local f = fields(st[7])
      for k = 1, #f, 2 do redis.call('HINCRBY', LD, f[k], tonumber(f[k + 1])) end
    else
      redis.call('HDEL', LC, conv)
    end
  end
  if not (old and old[7] == st[8]) then
    -- pending counts, the same way: each kind's count in the shard's
    -- totals (PN), its oldest item's creation stamp in PO, ordered by
    -- kind then stamp (members kind, stamp, conversation).
    local prev = redis.call('HGET', PC, conv)
    if prev and prev ~= '' then
      local f = fields(prev)
      for k = 1, #f - 2, 3 do
        local n = redis.call('HINCRBY', PN, f[k], -tonumber(f[k + 1]))
        if n <= 0 then redis.call('HDEL', PN, f[k]) end
        redis.call('ZREM', PO, f[k] .. '\31' .. f[k + 2] .. '\31' .. conv)
      end
    end
    if st[8] ~= '' then
      redis.call('HSET', PC, conv, st[8])
      local f = fields(st[8])
      for k = 1, #f - 2, 3 do
        redis.call('HINCRBY', PN, f[k], tonumber(f[k + 1]))
        redis.call('ZADD', PO, 0, f[k] .. '\31' .. f[k + 2] .. '\31' .. conv)
      end
    else
      redis.call('HDEL', PC, conv)
    end
  end
  return 1
end
`
