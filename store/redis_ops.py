"""Conditional commits: a batch of writes applied only while the writer still holds a lease.

A tracker that stalled past its lease (a long GC pause, a frozen VM) must not overwrite the
state of the tracker that took its partition over. So a commit is one Lua script: check the
lease, renew it, then run the writes, all or nothing as seen by every other client. Every key
it touches is declared (KEYS), and they all carry the partition's hash tag, so the script runs
on Redis Cluster too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import Pipeline
    from redis.commands.core import AsyncScript

# ARGV: owner, lease ms, then per write: command, key index, argument count, arguments...
_COMMIT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
local i = 3
while i <= #ARGV do
  local cmd, key, n = ARGV[i], KEYS[tonumber(ARGV[i + 1])], tonumber(ARGV[i + 2])
  local args = {}
  for j = 1, n do args[j] = ARGV[i + 2 + j] end
  redis.call(cmd, key, unpack(args))
  i = i + 3 + n
end
return 1
"""

# Take a free lease, or keep one we already hold (after a reconnect).
_ACQUIRE = """
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

# Keep a lease we hold; 0 if it is no longer ours.
_RENEW = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('PEXPIRE', KEYS[1], ARGV[2])
"""

# Read a partition's new entries only while holding its lease: a worker that stalled past its
# lease must not take entries the next owner would never see (they would sit in the stalled
# worker's pending list after the next owner had claimed what was pending then). -1: not ours.
_READ = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
return redis.call('XREADGROUP', 'GROUP', ARGV[2], ARGV[1], 'COUNT', ARGV[3],
                  'STREAMS', KEYS[2], '>')
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

CHUNK = 500  # arguments per write: Lua's unpack() has a limit of a few thousand
IDLE_S = (0.002, 0.02)  # a reader's pause between empty reads of its streams: first, at most


class Scripts:
    def __init__(self, redis: Redis) -> None:
        self.commit: AsyncScript = redis.register_script(_COMMIT)
        self.acquire: AsyncScript = redis.register_script(_ACQUIRE)
        self.release: AsyncScript = redis.register_script(_RELEASE)
        self.renew: AsyncScript = redis.register_script(_RENEW)
        self.read: AsyncScript = redis.register_script(_READ)


class Writes:
    """Writes gathered for one conditional commit under `lease`."""

    def __init__(self, lease: str) -> None:
        self.keys: list[str] = [lease]
        self._index: dict[str, int] = {lease: 1}
        self.argv: list[bytes | str | int | float] = []

    def __len__(self) -> int:
        return len(self.argv)

    def add(self, command: str, key: str, *args: bytes | str | int | float) -> None:
        idx = self._index.get(key)
        if idx is None:
            self.keys.append(key)
            idx = self._index[key] = len(self.keys)
        self.argv += [command, idx, len(args), *args]

    def add_many(self, command: str, key: str, head: list[bytes | str | int | float],
                 items: list[bytes | str | int | float], step: int = 1) -> None:
        """`command key *head *items`, split so that no call has more than CHUNK items
        (`step`: items that belong together, e.g. 2 for HSET field value)."""
        size = CHUNK - CHUNK % step
        for start in range(0, len(items), size):
            self.add(command, key, *head, *items[start:start + size])

    async def commit(self, scripts: Scripts, owner: str, lease_ms: int) -> bool:
        done = await scripts.commit(keys=self.keys, args=[owner, lease_ms, *self.argv])
        return bool(done)

    async def queue(self, scripts: Scripts, owner: str, lease_ms: int, pipe: Pipeline) -> None:
        """The same commit, queued on a pipeline: its result (0: lease lost) comes with the
        pipeline's."""
        await scripts.commit(keys=self.keys, args=[owner, lease_ms, *self.argv], client=pipe)
