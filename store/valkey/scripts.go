package valkey

import (
	"context"
	"crypto/sha1"
	"encoding/hex"

	"github.com/valkey-io/valkey-go"
)

// commitLua is Save: compare-and-set of the session with everything its
// turn writes. ARGV: conv, now, ttl, expected rev, session blob,
// transcript keep (-1: replace), final transcript length, the lease of a
// flows.ReplyClaim (0: none), then counted lists: messages; outbox items
// (id, meta, blob); loads (agent, delta); timers (key, at or 0); done
// inbox ids. Returns {'OK', rev, state..., the ids of the replies it
// leased}.
const commitLua = luaPublish + luaPrelude + `
local conv, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local rev = tonumber(ARGV[4])
local saved = redis.call('HMGET', S, 'u', 'r')
if saved[1] and ttl > 0 and now - tonumber(saved[1]) >= ttl then
  -- idle past the TTL by the store's clock: start afresh (the inbox holds
  -- messages accepted since, and stays), its agents' loads taken back
  redis.call('DEL', S, T, TM, L)
  mark('t', 'l')
  saved[2] = false
end
local claimUntil = tonumber(ARGV[8])
local a = 9
local nmsg = tonumber(ARGV[a]); local msgs = a + 1; a = a + 1 + nmsg
local nout = tonumber(ARGV[a]); local outs = a + 1; a = a + 1 + 3 * nout
local nld = tonumber(ARGV[a]); local lds = a + 1; a = a + 1 + 2 * nld
local ntm = tonumber(ARGV[a]); local tms = a + 1; a = a + 1 + 2 * ntm
local ndone = tonumber(ARGV[a]); local dones = a + 1

for k = dones, dones + ndone - 1 do
  if not redis.call('ZSCORE', IN, ARGV[k]) then return {'CONSUMED', ARGV[k]} end
end
local cur = tonumber(saved[2] or '0')
if cur ~= rev then return {'CONFLICT', string.format('%d', cur)} end

mark('s')
if nld > 0 then mark('l') end
if ntm > 0 then mark('t') end
if ndone > 0 then mark('i') end
local newrev = cur + 1
redis.call('HSET', S, 'r', string.format('%d', newrev), 'b', ARGV[5], 'u', ARGV[2])
touch(S)

local keep, tlen = tonumber(ARGV[6]), tonumber(ARGV[7])
if keep < 0 then redis.call('DEL', T) end
if nmsg > 0 then redis.call('RPUSH', T, unpack(ARGV, msgs, msgs + nmsg - 1)); touch(T) end
if tlen == 0 then redis.call('DEL', T) else redis.call('LTRIM', T, -tlen, -1) end

local last = redis.call('ZRANGE', OQ, -1, -1, 'WITHSCORES')
local seq = 0
if #last > 0 then seq = tonumber(last[2]) end
-- a ReplyClaim leases the new replies when none was pending before them
local leased = {}
if claimUntil > 0 and nout > 0 and redis.call('ZCARD', PR) > 0 then claimUntil = 0 end
for k = outs, outs + 3 * (nout - 1), 3 do
  local id = ARGV[k]
  if redis.call('HEXISTS', OM, id) == 0 then
    seq = seq + 1
    redis.call('HSET', O, id, ARGV[k + 2])
    redis.call('ZADD', OQ, seq, id)
    touch(O); touch(OQ)
    local it = parseItem(ARGV[k + 1])
    if claimUntil > 0 and it.kind == 'reply' and it.st == 'pending' then
      it.ls = claimUntil
      it.cl = it.cl + 1
      leased[#leased + 1] = id
    end
    setStatus(id, it, seq, nil)
    if it.kind == 'reply' and it.st == 'pending' then
      if not newReply then newReply = math.max(it.nx, it.ls) end
    else
      mark('o') -- anything else: state reads the outbox again
    end
  end
end

for k = lds, lds + 2 * (nld - 1), 2 do
  local n = tonumber(redis.call('HGET', L, ARGV[k]) or '0') + tonumber(ARGV[k + 1])
  if n > 0 then redis.call('HSET', L, ARGV[k], string.format('%d', n)); touch(L) else redis.call('HDEL', L, ARGV[k]) end
end

for k = tms, tms + 2 * (ntm - 1), 2 do
  if ARGV[k + 1] == '0' then redis.call('ZREM', TM, ARGV[k]) else redis.call('ZADD', TM, ARGV[k + 1], ARGV[k]); touch(TM) end
end

for k = dones, dones + ndone - 1 do
  redis.call('ZREM', IN, ARGV[k]); redis.call('HDEL', IE, ARGV[k]); redis.call('HDEL', IM, ARGV[k])
end

local res = finish(conv, ttl, {'OK', string.format('%d', newrev)})
for _, id in ipairs(leased) do res[#res + 1] = id end
return res
`

// deleteLua forgets a conversation: its session, transcript, timers,
// agents' loads and inbox entries; its outbox items stay until they expire, and the ids its
// inbox accepted until their dedupe window ends (a message delivered again
// is still a duplicate). ARGV: conv, ttl.
const deleteLua = luaPublish + luaPrelude + `
redis.call('DEL', S, T, TM, L, IN, IE, IM)
mark('*')
return finish(ARGV[1], tonumber(ARGV[2]), {'OK'})
`

// claimLua leases a conversation's claimable outbox items: the head of
// each group, due, not leased, not blocked, of the classes asked for.
// ARGV: conv, now, ttl, lease until, max, classes ("r", "h" or "rh"),
// kinds ("" for every kind of the classes, else "|open|append|").
// Returns the head, then per item: id, blob, ticket of its handoff, seq,
// meta.
const claimLua = luaPublish + luaPrelude + `
local conv, now, ttl, leaseUntil, max, classes, kinds = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), ARGV[6], ARGV[7]
mark('o')
local out = {}
local n = 0
local function take(id, it)
  it.ls = tonumber(leaseUntil)
  it.cl = it.cl + 1
  writeMeta(id, it)
  local tk = ''
  if it.ho ~= '' then tk = redis.call('HGET', OK, it.ho) or '' end
  out[#out + 1] = id; out[#out + 1] = redis.call('HGET', O, id) or ''; out[#out + 1] = tk
  out[#out + 1] = redis.call('ZSCORE', OQ, id) or '0'
  out[#out + 1] = itemMeta(it)
  n = n + 1
end
local function wanted(it)
  return (kinds == '' or string.find(kinds, '|' .. it.kind .. '|', 1, true)) and it.nx <= now and it.ls <= now
end
if string.find(classes, 'r', 1, true) then
  local head = redis.call('ZRANGE', PR, 0, 0)
  if #head > 0 and n < max then
    local m = redis.call('HGET', OM, head[1])
    if m then
      local it = parseItem(m)
      if wanted(it) then take(head[1], it) end
    end
  end
end
if string.find(classes, 'h', 1, true) then
  local heads = {}
  for _, id in ipairs(redis.call('ZRANGE', PH, 0, -1)) do
    if n >= max then break end
    local m = redis.call('HGET', OM, id)
    if m then
      local it = parseItem(m)
      local g = group(id, it)
      if not heads[g] then
        heads[g] = true
        if wanted(it) and not blocked(it) then take(id, it) end
      end
    end
  end
end
local res = finish(conv, ttl, {string.format('%d', n)})
for _, x in ipairs(out) do res[#res + 1] = x end
return res
`

// settleLua records the outcome of a delivery. ARGV: conv, now, ttl, id,
// status ("" keeps it), next ("" keeps it), blob, ticket (of a delivered
// open), keep (delivered items kept per conversation), the error of the
// items that die with a dead open, the settler's lease id (0: unchecked).
// Returns {'LEASELOST'}, writing nothing, when the item was claimed since
// the settler got it.
const settleLua = luaPublish + luaPrelude + `
local conv, now, ttl, id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local m = redis.call('HGET', OM, id)
if not m then return {'NOITEM'} end
local it = parseItem(m)
local lid = tonumber(ARGV[11]) or 0
if lid ~= 0 and lid ~= it.cl then return {'LEASELOST'} end
mark('o')
local seq = tonumber(redis.call('ZSCORE', OQ, id) or '0')
local was = it.st
if ARGV[5] ~= '' then it.st = ARGV[5] end
if ARGV[6] ~= '' then it.nx = tonumber(ARGV[6]) end
it.ls = 0
it.x = ''
setStatus(id, it, seq, was)
redis.call('HSET', O, id, ARGV[7])
touch(O)
if it.ho ~= '' then
  if it.st == 'delivered' and it.kind == 'open' and ARGV[8] ~= '' then redis.call('HSET', OK, it.ho, ARGV[8]); touch(OK) end
  if it.st == 'delivered' and it.kind == 'close' then redis.call('HDEL', OK, it.ho) end
  -- A dead open takes its handoff's pending items with it; the open made
  -- pending again (a retry) revives them.
  local from, to, scan = nil, nil, nil
  if it.kind == 'open' and it.st == 'dead' and was ~= 'dead' then from, to, scan = 'pending', 'dead', PH end
  if it.kind == 'open' and it.st == 'pending' and was == 'dead' then from, to, scan = 'dead', 'pending', OQ end
  if from then
    for _, other in ipairs(redis.call('ZRANGE', scan, 0, -1)) do
      if other ~= id then
        local om = redis.call('HGET', OM, other)
        if om then
          local o = parseItem(om)
          if o.ho == it.ho and o.st == from then
            o.st = to
            o.ls = 0
            if to == 'pending' then o.nx = it.nx; o.x = 'r' else o.x = 'd' .. ARGV[10] end
            setStatus(other, o, tonumber(redis.call('ZSCORE', OQ, other)), from)
          end
        end
      end
    end
  end
end
-- Keep the newest delivered items, within the count.
local keep = tonumber(ARGV[9])
local extra = redis.call('ZCARD', OD) - keep
if extra > 0 then
  for _, other in ipairs(redis.call('ZRANGE', OD, 0, extra - 1)) do
    redis.call('HDEL', OM, other, crField(other)); redis.call('HDEL', O, other); redis.call('ZREM', OQ, other); redis.call('ZREM', OD, other)
  end
end
return finish(conv, ttl, {'OK'})
`

// refreshLua recomputes and publishes a conversation's state, for an
// index entry that led nowhere and for the sweep. ARGV: conv.
const refreshLua = luaPublish + luaPrelude + `
mark('*')
return finish(ARGV[1], 0, {'OK'})
`

// expireLua forgets a conversation idle past the TTL by the store's
// clock, as a save over it would: its session, transcript, timers and
// agents' loads (its inbox stays, see commitLua), so the shard's indexes
// no longer name it. ARGV: conv, now, ttl.
const expireLua = luaPublish + luaPrelude + `
local now, ttl = tonumber(ARGV[2]), tonumber(ARGV[3])
local u = redis.call('HGET', S, 'u')
if u and ttl > 0 and now - tonumber(u) >= ttl then
  redis.call('DEL', S, T, TM, L)
  mark('t', 'l')
end
return finish(ARGV[1], 0, {'OK'})
`

// acceptLua stores an inbound message unless its id was accepted within
// the dedupe window. ARGV: conv, now, ttl, id, blob, remember until.
// Returns {'NEW'|'DUP', state...}.
const acceptLua = luaPublish + luaPrelude + `
local conv, now, ttl, id = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
redis.call('ZREMRANGEBYSCORE', SEEN, '-inf', now)
if redis.call('ZSCORE', SEEN, id) then
  return finish(conv, ttl, {'DUP'})
end
mark('i')
redis.call('ZADD', SEEN, ARGV[6], id)
touch(SEEN); touch(IN); touch(IE); touch(IM)
local last = redis.call('ZRANGE', IN, -1, -1, 'WITHSCORES')
local seq = 1
if #last > 0 then seq = tonumber(last[2]) + 1 end
redis.call('ZADD', IN, seq, id)
redis.call('HSET', IE, id, ARGV[5])
redis.call('HSET', IM, id, '0' .. SEP .. '0' .. SEP .. ARGV[2])
return finish(conv, ttl, {'NEW'})
`

// inboxClaimLua leases a conversation's oldest unconsumed inbound message
// unless it is leased, dropping entries older than the TTL. ARGV: conv,
// now, lease until, ttl. Returns {n, state..., [id, blob, attempts, meta
// before]}.
const inboxClaimLua = luaPublish + luaPrelude + `
local conv, now, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[4])
mark('i')
local out = {}
while true do
  local head = redis.call('ZRANGE', IN, 0, 0)
  if #head == 0 then break end
  local id = head[1]
  local old = redis.call('HGET', IM, id) or ('0' .. SEP .. '0' .. SEP .. '0')
  local im = split(old)
  local attempts, lease, accepted = tonumber(im[1]), tonumber(im[2]), tonumber(im[3] or '0')
  if ttl > 0 and now - accepted >= ttl then
    -- older than the TTL: forgotten, like an idle conversation
    redis.call('ZREM', IN, id); redis.call('HDEL', IE, id); redis.call('HDEL', IM, id)
  else
    if lease <= now then
      attempts = attempts + 1
      redis.call('HSET', IM, id, string.format('%d', attempts) .. SEP .. ARGV[3] .. SEP .. string.format('%d', accepted))
      out = {id, redis.call('HGET', IE, id) or '', string.format('%d', attempts), old}
    end
    break
  end
end
local res = finish(conv, 0, {string.format('%d', #out / 4)})
for _, x in ipairs(out) do res[#res + 1] = x end
return res
`

// inboxUnclaimLua gives back a lease Claim took and did not hand out.
// ARGV: conv, id, the lease taken, the meta before.
const inboxUnclaimLua = luaPublish + luaPrelude + `
mark('i')
local im = split(redis.call('HGET', IM, ARGV[2]) or '')
if im[2] == ARGV[3] then redis.call('HSET', IM, ARGV[2], ARGV[4]) end
return finish(ARGV[1], 0, {'OK'})
`

// inboxDeferLua moves the lease of an entry still under the claim that
// returned it (its attempts unchanged) and takes back that claim's
// attempt (flows.InboxDeferrer). ARGV: conv, id, attempts, until.
const inboxDeferLua = luaPublish + luaPrelude + `
mark('i')
local old = redis.call('HGET', IM, ARGV[2])
if old then
  local im = split(old)
  local attempts = tonumber(im[1] or '0')
  if im[1] == ARGV[3] and attempts > 0 then
    redis.call('HSET', IM, ARGV[2], string.format('%d', attempts - 1) .. SEP .. ARGV[4] .. SEP .. (im[3] or '0'))
  end
end
return finish(ARGV[1], 0, {'OK'})
`

// publishLua is the publish step on its own, for a cluster. KEYS are the
// shard's; ARGV: conv, then the state.
const publishLua = luaPublish + `
return publish(1, ARGV[1], {ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9] or ''}, nil)
`

// statsLua reads a shard's pending counts (PendingStats). KEYS: the
// shard's pv (set once its counts are built), pn, po (see luaPublish).
// Returns {'UNBUILT'}, or {'OK'} then per kind: kind, count, the oldest
// one's creation stamp. O(log n) per kind.
const statsLua = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'UNBUILT'} end
local out = {'OK'}
local pn = redis.call('HGETALL', KEYS[2])
for k = 1, #pn, 2 do
  local kind = pn[k]
  local first = redis.call('ZRANGEBYLEX', KEYS[3], '[' .. kind .. '\31', '(' .. kind .. '\32', 'LIMIT', 0, 1)
  local o = ''
  if #first > 0 then o = string.sub(first[1], #kind + 2, #kind + 22) end
  out[#out + 1] = kind; out[#out + 1] = pn[k + 1]; out[#out + 1] = o
end
return out
`

// markBuiltLua marks a shard's pending counts built when it has no
// conversation with outbox items (a new store): nothing to count. KEYS:
// the shard's pv, oa. Returns 1 when the shard's counts are built.
const markBuiltLua = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
redis.call('SET', KEYS[1], '1')
return 1
`

// seenLua is Deduper.Seen. KEYS: the key. ARGV: now, until, ttl ms (a
// ttl of zero or less records nothing).
const seenLua = `
local v = redis.call('GET', KEYS[1])
if v and tonumber(v) > tonumber(ARGV[1]) then return 1 end
if tonumber(ARGV[3]) <= 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 0
`

// manualLoadLua is LoadTracker.Add: an agent's count outside any
// conversation, never below zero. KEYS: the hash. ARGV: agent, delta.
const manualLoadLua = `
local n = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') + tonumber(ARGV[2])
if n > 0 then redis.call('HSET', KEYS[1], ARGV[1], string.format('%d', n)) else redis.call('HDEL', KEYS[1], ARGV[1]) end
return n
`

// stateLen is how many values a conversation script's state has (version
// and the seven of luaPrelude's state).
const stateLen = 8

// stateInboxDue is the index in a state of when the conversation's oldest
// inbox entry can be claimed ("" when it has none).
const stateInboxDue = 4

// script is a Lua script run by its SHA1, sent whole when the server does
// not know it yet (NOSCRIPT: after a restart or on a new node).
type script struct {
	src, sha string
	// retry: the script is idempotent (running it twice leaves what
	// running it once does), so the client sends it again after a
	// connection error, until the context ends: a server restarting
	// makes the caller wait instead of fail.
	retry bool
}

func newScript(src string) *script {
	sum := sha1.Sum([]byte(src))
	return &script{src: src, sha: hex.EncodeToString(sum[:])}
}

func newRetryableScript(src string) *script {
	s := newScript(src)
	s.retry = true
	return s
}

func (sc *script) mayRetry(c valkey.Completed) valkey.Completed {
	if sc.retry {
		return c.ToRetryable()
	}
	return c
}

// exec runs the script once.
func (sc *script) exec(ctx context.Context, c valkey.Client, keys, args []string) valkey.ValkeyResult {
	return sc.execMulti(ctx, c, []valkey.LuaExec{{Keys: keys, Args: args}})[0]
}

// execMulti runs the script once per exec, pipelined (DoMulti: one round
// trip per node), and again with EVAL those the server did not know.
func (sc *script) execMulti(ctx context.Context, c valkey.Client, execs []valkey.LuaExec) []valkey.ValkeyResult {
	cmds := make(valkey.Commands, len(execs))
	for i, e := range execs {
		cmds[i] = sc.mayRetry(c.B().Evalsha().Sha1(sc.sha).Numkeys(int64(len(e.Keys))).Key(e.Keys...).Arg(e.Args...).Build())
	}
	res := c.DoMulti(ctx, cmds...)
	var again valkey.Commands
	var at []int
	for i, r := range res {
		if verr, ok := valkey.IsValkeyErr(r.Error()); ok && verr.IsNoScript() {
			e := execs[i]
			again = append(again, sc.mayRetry(c.B().Eval().Script(sc.src).Numkeys(int64(len(e.Keys))).Key(e.Keys...).Arg(e.Args...).Build()))
			at = append(at, i)
		}
	}
	if len(again) > 0 {
		for j, r := range c.DoMulti(ctx, again...) {
			res[at[j]] = r
		}
	}
	return res
}

type scripts struct {
	commit, del, claim, settle, refresh, expire, accept, inboxClaim, inboxUnclaim, inboxDefer, publish, seen, manualLoad, stats, markBuilt *script
}

func newScripts() scripts {
	return scripts{
		commit: newScript(commitLua),
		del:    newScript(deleteLua),
		claim:  newScript(claimLua),
		// Settling an item twice with the same outcome, or accepting a
		// message twice (the second is a duplicate), changes nothing more.
		settle:       newRetryableScript(settleLua),
		refresh:      newRetryableScript(refreshLua),
		expire:       newRetryableScript(expireLua),
		accept:       newRetryableScript(acceptLua),
		inboxClaim:   newScript(inboxClaimLua),
		inboxUnclaim: newScript(inboxUnclaimLua),
		inboxDefer:   newScript(inboxDeferLua),
		publish:      newRetryableScript(publishLua),
		seen:         newScript(seenLua),
		manualLoad:   newScript(manualLoadLua),
		stats:        newRetryableScript(statsLua),
		markBuilt:    newRetryableScript(markBuiltLua),
	}
}
