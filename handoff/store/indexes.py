"""The keys shared across conversations that follow each conversation's state: the queue, the tickets
(offline) list, the agents' loads and the list of what each agent resolved.

A conversation's state hash is the truth; these are derived from it around each transition
(handoff/store/transitions.py), in steps that never share a Lua script with the conversation's own
keys (on a Redis Cluster they live on different masters):

1. RESERVE room in the agent's load first (atomically with the capacity check), so an agent is never
   given more than their capacity; the transition is noted in the journal;
2. the conversation changes (its `rev` goes up) and returns its `Truth`;
3. SYNC sets the queue, the offline list and the loads from that truth, unless a newer revision was
   already applied, and drops the journal entry.

A process that dies between the steps leaves its journal entry (the sweeper syncs that conversation
again: `resync_journal`) or a reservation the conversation never took (the sweeper's audit drops it
when it sees it twice: `loads_audit`, DROP_LOAD). Which states hold an agent's load, and which list
each waiting state is in, come from handoff/states.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from handoff.states import RULES, Rules, lua_set
from handoff.store.keys import Keys

_GONE = 10**15  # the revision that syncs a conversation that no longer exists


@dataclass(frozen=True)
class Truth:
    """What the indexes are derived from, as a transition returns it (handoff/store/lua.py TRUTH)."""

    rev: str
    status: str
    agent: str
    queue_score: str
    offline_score: str
    previous_agent: str
    last_agent: str

    @classmethod
    def of(cls, reply: list) -> Truth:
        return cls(*[str(value) for value in reply])


# Shared keys. KEYS: agent hash, agent convs, journal   ARGV: cid, now, ttl
# returns: 1 reserved (or it was already theirs); -1 full; -2 unknown or disabled
# Reserves room in an agent's load before a conversation is given to them; the journal notes the
# transition under way.
RESERVE = """
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HGET', KEYS[1], 'disabled') == '1' then return -2 end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 0 then
  local cap = tonumber(redis.call('HGET', KEYS[1], 'capacity') or '0')
  if redis.call('SCARD', KEYS[2]) >= cap then return -1 end
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[3])
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1
"""

# Shared keys. KEYS: queue, offline, synced, journal, the agent's convs, the agent's resolved,
#   then the convs of agents who must not hold it unless it is theirs now
# ARGV: cid, rev, status, agent, queue score, offline score, ttl, journal written at, resolved at
#   or '', the queue's state, the tickets list's state, the states that hold the agent's load
# returns: 1 applied, 0 an older revision (nothing changed but the journal entry)
# Sets the indexes from a conversation's state (revision `rev`), unless a newer revision was
# already applied; drops its journal entry if no transition started after `journal written at`.
SYNC = """
local cid, rev, st = ARGV[1], tonumber(ARGV[2]), ARGV[3]
local applied = tonumber(redis.call('GET', KEYS[3]) or '-1')
local function holding(s)
  for name in string.gmatch(ARGV[12], '%S+') do if name == s then return true end end
  return false
end
-- in list `key` (at `score`) only while the status is `wanted`; a conversation parked before scores
-- were kept in its state (score '') keeps its place as it is
local function place(key, wanted, score)
  if st ~= wanted then
    redis.call('ZREM', key, cid)
  elseif score ~= '' then
    redis.call('ZADD', key, score, cid)
    redis.call('EXPIRE', key, ARGV[7])
  end
end
if rev >= applied then
  place(KEYS[1], ARGV[10], ARGV[5])
  place(KEYS[2], ARGV[11], ARGV[6])
  local holds = holding(st) and ARGV[4] ~= ''
  if holds then
    redis.call('SADD', KEYS[5], cid)
    redis.call('EXPIRE', KEYS[5], ARGV[7])
  end
  for i = 7, #KEYS do
    if not (holds and KEYS[i] == KEYS[5]) then redis.call('SREM', KEYS[i], cid) end
  end
  if ARGV[9] ~= '' then
    redis.call('ZADD', KEYS[6], ARGV[9], cid)
    redis.call('EXPIRE', KEYS[6], ARGV[7])
  end
  redis.call('SET', KEYS[3], ARGV[2], 'EX', ARGV[7])
end
local j = redis.call('ZSCORE', KEYS[4], cid)
if j and tonumber(j) <= tonumber(ARGV[8]) then redis.call('ZREM', KEYS[4], cid) end
return rev >= applied and 1 or 0
"""

# Shared keys. KEYS: synced, agent convs   ARGV: cid, revision seen ('' for none)
# returns: 1 dropped from the load; 0 kept (a transition was synced since, or it was not there)
# The sweeper's repair of a reservation whose process died before its SYNC.
DROP_LOAD = """
if (redis.call('GET', KEYS[1]) or '') ~= ARGV[2] then return 0 end
return redis.call('SREM', KEYS[2], ARGV[1])
"""


class IndexSync:
    """Keeps the shared indexes in step with each conversation's state."""

    def __init__(self, redis, keys: Keys, ttl: int, rules: Rules = RULES):
        self.r = redis
        self.k = keys
        self.ttl = ttl
        self.rules = rules
        self._reserve = redis.register_script(RESERVE)
        self._sync = redis.register_script(SYNC)
        self._drop_load = redis.register_script(DROP_LOAD)

    async def journal(self, cid: str, now: float) -> None:
        """Note a transition under way (before its first step)."""
        await self.r.zadd(self.k.journal(), {cid: now})

    async def reserve(self, cid: str, aid: str, now: float) -> int:
        """Room in `aid`'s load for `cid` (and the journal entry): 1 reserved; -1 full; -2 unknown
        or disabled agent."""
        return int(
            await self._reserve(
                keys=[self.k.agent(aid), self.k.agent_convs(aid), self.k.journal()], args=[cid, now, self.ttl]
            )
        )

    async def sync(
        self,
        cid: str,
        truth: Truth,
        started: float,
        release: list[str] | tuple[str, ...] = (),
        resolved: tuple[str, float] | None = None,
    ) -> bool:
        """SYNC the indexes to a state a transition returned; `release`: agents whose load must not
        hold the conversation unless its state holds it for them now; `resolved`: (agent, when) to
        add to that agent's resolved list. True if applied (not older than what was)."""
        holds = truth.status in self.rules.holds_agent and truth.agent
        others = [a for a in dict.fromkeys(release) if a and not (holds and a == truth.agent)]
        keys = [
            self.k.queue(),
            self.k.offline(),
            self.k.synced(cid),
            self.k.journal(),
            self.k.agent_convs(truth.agent or "-"),
            self.k.agent_resolved(resolved[0] if resolved else "-"),
            *[self.k.agent_convs(a) for a in others],
        ]
        args = [
            cid,
            truth.rev,
            truth.status,
            truth.agent,
            truth.queue_score,
            truth.offline_score,
            self.ttl,
            repr(started),
            repr(resolved[1]) if resolved else "",
            self.rules.queue,
            self.rules.tickets,
            lua_set(self.rules.holds_agent),
        ]
        return bool(int(await self._sync(keys=keys, args=args)))

    async def resync(self, cid: str, started: float) -> bool:
        """SYNC a conversation's indexes from its state as it is now (the sweeper's repair of a
        transition whose process died between the conversation and the indexes)."""
        f = await self.r.hmget(
            self.k.conv(cid),
            "rev",
            "status",
            "agent_id",
            "queue_score",
            "offline_score",
            "previous_agent_id",
            "last_agent_id",
            "created_at",
        )
        if f[7] is None:  # gone (expired): out of every index that can name it, for good
            truth = Truth(str(_GONE), "", "", "", "", "", "")
        else:
            truth = Truth.of([f[0] or "0", *[(v or "") for v in f[1:7]]])
        return await self.sync(
            cid, truth, started, release=[truth.previous_agent, truth.last_agent, truth.agent]
        )

    async def resync_journal(self, older_than: float, count: int = 200) -> int:
        """Sync again the conversations whose transition started before `older_than` and never
        reached its SYNC; returns how many."""
        entries = await self.r.zrangebyscore(
            self.k.journal(), "-inf", older_than, start=0, num=count, withscores=True
        )
        for cid, started in entries:
            await self.resync(cid, started)
        return len(entries)

    async def loads_audit(self, aid: str) -> list[tuple[str, bool, str]]:
        """For each conversation in an agent's load: (cid, whether its state holds it for this
        agent — a state of `Rules.holds_agent` with this agent —, the revision last synced for it)."""
        cids = sorted(await self.r.smembers(self.k.agent_convs(aid)))
        pipe = self.r.pipeline(transaction=False)
        for cid in cids:
            pipe.hmget(self.k.conv(cid), "status", "agent_id")
            pipe.get(self.k.synced(cid))
        replies = await pipe.execute()
        out = []
        for i, cid in enumerate(cids):
            (status, agent), applied = replies[2 * i], replies[2 * i + 1]
            out.append((cid, status in self.rules.holds_agent and agent == aid, applied or ""))
        return out

    async def drop_stale_load(self, aid: str, cid: str, rev: str) -> bool:
        """Take `cid` out of an agent's load if no transition was synced for it since revision
        `rev` (the sweeper saw it there twice while the conversation was not theirs: a
        reservation whose process died before its SYNC)."""
        return bool(
            int(await self._drop_load(keys=[self.k.synced(cid), self.k.agent_convs(aid)], args=[cid, rev]))
        )

    async def keep_offline_place(self, cid: str, since: float) -> None:
        """In the offline list, a conversation keeps the place of its hand-off (oldest first)."""
        await self.r.hset(self.k.conv(cid), "offline_score", repr(since))
        await self.r.zadd(self.k.offline(), {cid: since}, xx=True)

    async def offline_ids(self) -> list[str]:
        """The tickets list, oldest first."""
        return await self.r.zrange(self.k.offline(), 0, -1)

    async def resolved_ids(self, aid: str, limit: int = 50) -> list[str]:
        """What an agent resolved, newest first."""
        return await self.r.zrevrange(self.k.agent_resolved(aid), 0, limit - 1)
