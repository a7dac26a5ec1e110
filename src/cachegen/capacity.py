"""The capacity model (issue 17): what a Celery workload takes of a Redis node, computed from how
kombu, Celery, Redis and jemalloc lay the bytes out (each constant names its source);
bench/capacity.py measures the same cases on a real server and prints both.

This first part covers the broker's queue: the memory a number of waiting tasks takes.

A task waits as one entry of a Redis list (kombu's Redis transport LPUSHes the message). The
message is a JSON document (kombu/transport/virtual/base.py `Channel.prepare_message`, then
`dumps`) holding:
  * the body: Celery's protocol 2 body `[args, kwargs, embed]` as JSON, base64-encoded by kombu's
    Redis transport (`body_encoding: base64`, RFC 4648: 4 characters per 3 bytes);
  * the headers: the task's name, id, root id, origin (`gen<pid>@<hostname>`), ETA, expiry, time
    limits, and `argsrepr`/`kwargsrepr`, which Celery cuts to 1,024 characters
    (celery/app/amqp.py `as_task_v2`, `argsrepr_maxsize`);
  * the properties: correlation id, reply_to, delivery tag (UUIDs), the exchange and routing key.

Redis keeps a list as a quicklist of listpacks (Redis 7.0 and later, Valkey): each listpack node
holds entries up to 8 KB (`list-max-listpack-size -2`, the default; ElastiCache's parameter groups
keep it), an entry costs its bytes plus an encoding header and a back-length; an entry larger
than the limit has a node to itself. Every allocation is rounded up to a jemalloc size class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import CacheWorkload, Celery, Workload

# redis.conf `list-max-listpack-size -2`: "max size: 8 Kb" per node
# (https://github.com/redis/redis/blob/7.0/redis.conf); quicklist.c `optimization_level[]`.
LISTPACK_NODE_LIMIT = 8192
# listpack.c: LP_HDR_SIZE 6 (total bytes, number of elements) and the one-byte end marker.
LISTPACK_HEADER, LISTPACK_END = 6, 1
# quicklist.h `quicklistNode`: 32 bytes on a 64-bit build (prev, next, entry, sz, and a
# 32-bit word of count and flags).
QUICKLIST_NODE = 32

# The message's fixed part: everything but the base64 body, `argsrepr` and the two names below,
# measured by bench/capacity.py (Celery 5.7.0, kombu 5.7.0, task_expires and time limits set as
# cachegen's celeryconfig.py sets them): a message with a 10-character task name and a 10-character
# origin has 870 bytes besides its body and argsrepr, 850 of them this fixed part.
MESSAGE_FIXED = 850
BODY_EMBED = 77  # `[ , {}, {"callbacks": null, "errbacks": null, "chain": null, "chord": null}]` around the args
ARGSREPR_MAX = 1024  # celery.app.task.Task.argsrepr_maxsize
ARGSREPR_TUPLE = 11  # the repr's tuple around the arguments and the JSON quotes of the header
TASK_NAME_CHARS = 40  # assumed: a dotted task name such as `app.documents.tasks.render_pdf`
ORIGIN_CHARS = 40  # assumed: `gen<pid>@<hostname>`, a host name of about 30 characters


def jemalloc_size(size: int) -> int:
    """The jemalloc size class that holds `size` bytes (64-bit, 16-byte quantum): multiples of 16
    up to 128, then four classes per doubling (https://jemalloc.net/jemalloc.3.html, "Size classes")."""
    if size <= 8:
        return 8
    if size <= 128:
        return (size + 15) // 16 * 16
    group = (size - 1).bit_length() - 1  # size lies in (2^group, 2^(group+1)]
    step = 1 << (group - 2)
    return (size + step - 1) // step * step


def message_bytes(args_json_bytes: int) -> int:
    """The length of one waiting task's message, for arguments whose JSON takes `args_json_bytes`."""
    body = 2 + 4 * math.ceil((args_json_bytes + BODY_EMBED) / 3)  # a JSON string of base64
    argsrepr = min(args_json_bytes, ARGSREPR_MAX) + ARGSREPR_TUPLE
    return MESSAGE_FIXED + TASK_NAME_CHARS + ORIGIN_CHARS + body + argsrepr


def listpack_entry_bytes(length: int) -> int:
    """An entry of `length` bytes in a listpack: its encoding header (listpack.c: 1 byte up to 63
    bytes, 2 up to 4,095, else 5) and its back-length (1 byte per 7 bits of header plus data)."""
    header = 1 if length < 64 else 2 if length < 4096 else 5
    backlen = max(1, math.ceil((header + length).bit_length() / 7))
    return header + length + backlen


def queued_bytes_per_message(args_json_bytes: int) -> float:
    """Memory per waiting task: its listpack entry, with its share of the node it sits in (the
    node's allocation rounded to a jemalloc class, and the quicklist node itself)."""
    entry = listpack_entry_bytes(message_bytes(args_json_bytes))
    per_node = max(1, (LISTPACK_NODE_LIMIT - LISTPACK_HEADER - LISTPACK_END) // entry)
    node = jemalloc_size(LISTPACK_HEADER + per_node * entry + LISTPACK_END) + QUICKLIST_NODE
    return node / per_node


def queue_bytes(tasks: int, args_json_bytes: int) -> int:
    """Memory a queue of `tasks` waiting tasks takes."""
    return math.ceil(tasks * queued_bytes_per_message(args_json_bytes))


# --- stored results ------------------------------------------------------------------------
#
# Celery's Redis result backend SETs one key per task, `celery-task-meta-<task id>`, with an
# expiry (`result_expires`): celery/backends/base.py `get_key_for_task`, `_store_result`. Its value
# is the JSON of the result's meta: status, result, traceback, children, date_done and task_id.
# Redis keeps the key as an sds string in the database's dict, the value as a string object with
# an sds of its own, and the expiry as a second dict entry (Redis 7.0: dict.h `dictEntry`,
# server.h `robj`, sds.h headers); each allocation is rounded to a jemalloc class, and each dict's
# bucket table is a power of two at least as large as its number of keys.

RESULT_KEY = "celery-task-meta-"
TASK_ID_CHARS = 36  # a UUID
RESULT_META = 168  # the meta's JSON around the result itself, measured by bench/capacity.py (Celery 5.7.0)
DICT_ENTRY = 24  # dict.h `dictEntry`: key, value, next
OBJECT = 16  # server.h `robj`
BUCKET = 8  # a dict table slot: one pointer


def sds_bytes(length: int) -> int:
    """An sds string of `length` bytes: its header (sds.h: sdshdr8 3 bytes below 256, sdshdr16 5
    below 65,536, sdshdr32 9) and the terminating NUL."""
    header = 3 if length < 256 else 5 if length < 65536 else 9
    return header + length + 1


def result_bytes_per_result(result_json_bytes: int, results: int, key_prefix: str = "") -> float:
    """Memory per stored result among `results` of them, each result's own JSON `result_json_bytes`."""
    key = sds_bytes(len(key_prefix) + len(RESULT_KEY) + TASK_ID_CHARS)
    value = sds_bytes(RESULT_META + result_json_bytes)
    per_key = (jemalloc_size(DICT_ENTRY) + jemalloc_size(key) + jemalloc_size(OBJECT) + jemalloc_size(value)
               + jemalloc_size(DICT_ENTRY))  # the key's entry, its name, the value and the expiry's entry
    buckets = max(4, 1 << (results - 1).bit_length())  # dict.c: the smallest power of two that holds them
    return per_key + 2 * BUCKET * buckets / max(results, 1)  # the keys' table and the expiries'


def results_bytes(results: int, result_json_bytes: int, key_prefix: str = "") -> int:
    """Memory `results` stored results take."""
    return math.ceil(results * result_bytes_per_result(result_json_bytes, results, key_prefix))


# --- tasks a worker has reserved -------------------------------------------------------------
#
# A worker takes up to `concurrency x worker_prefetch_multiplier` messages ahead. kombu's Redis
# transport keeps each taken message until its ack in the `unacked` hash (the whole message,
# under its delivery tag) and the `unacked_index` sorted set (the tag, scored by time):
# kombu/transport/redis.py `QoS.append`. A hash whose values pass 64 bytes is a dict of sds
# fields and values (hash-max-listpack-value 64); a sorted set past 128 members a dict and a
# skiplist (zset-max-listpack-entries 128). Not measured by the benchmark (a reserved task is
# acked within its run); each allocation as for stored results.

DELIVERY_TAG_CHARS = 36  # a UUID
SKIPLIST_NODE = 64  # server.h `zskiplistNode` (ele, score, backward, one level: 40) at its likely jemalloc class


def reserved_bytes_per_message(args_json_bytes: int) -> int:
    tag = jemalloc_size(sds_bytes(DELIVERY_TAG_CHARS))
    in_hash = jemalloc_size(DICT_ENTRY) + tag + jemalloc_size(sds_bytes(message_bytes(args_json_bytes)))
    in_index = jemalloc_size(DICT_ENTRY) + tag + SKIPLIST_NODE
    return in_hash + in_index


# --- the application's cache -----------------------------------------------------------------
#
# A cached value is a string key: its dict entry and key sds, and a value object. Redis embeds a
# value of up to 44 bytes in its object (object.c OBJ_ENCODING_EMBSTR_SIZE_LIMIT: one 64-byte
# allocation); a longer one has an sds of its own. A key with an expiry has a second entry in
# the database's expires dict.

EMBSTR_LIMIT = 44


def cache_bytes(keys: int, key_bytes: int, value_bytes: int, ttl: bool) -> int:
    """Memory `keys` cache entries take: each key of `key_bytes` (its prefix included) holding
    `value_bytes`, with or without an expiry."""
    if keys == 0:
        return 0
    value = jemalloc_size(OBJECT + sds_bytes(value_bytes)) if value_bytes <= EMBSTR_LIMIT \
        else jemalloc_size(OBJECT) + jemalloc_size(sds_bytes(value_bytes))
    per_key = jemalloc_size(DICT_ENTRY) + jemalloc_size(sds_bytes(key_bytes)) + value
    tables = 1 + ttl
    if ttl:
        per_key += jemalloc_size(DICT_ENTRY)
    buckets = max(4, 1 << (keys - 1).bit_length())
    return keys * per_key + tables * BUCKET * buckets


# --- connections -----------------------------------------------------------------------------
#
# What a Celery prefork worker holds at steady state, by purpose (Celery 5.7, kombu 5.7, counted
# with CLIENT LIST and matched to their sockets' processes; bench/README.md has the table). Each
# kombu channel takes two connections, one from its async pool (BRPOP, or the pub/sub
# subscription, else the idle first PING) and one from its sync pool (every other command):
# kombu/transport/redis.py `Channel.__init__` and `conn_or_acquire`. The main process opens five
# channels: the task consumer (celery/worker/consumer/consumer.py `Consumer.connect`), remote
# control (celery/worker/pidbox.py `Pidbox.start`), gossip (celery/worker/consumer/gossip.py), the
# event dispatcher of the heartbeats (celery/worker/consumer/events.py) and the producer pool
# mingle's hello uses (celery/worker/consumer/mingle.py `send_hello`). cachegen's celeryconfig.py
# leaves all of them on, Celery's defaults. The main process never connects to the result
# backend; each pool child opens one result backend connection when it stores its first result
# (celery/backends/redis.py `RedisBackend.client`), and none to the broker unless its tasks
# publish tasks themselves.
CHANNEL_CONNECTIONS = 2
WORKER_MAIN_CHANNELS = 5  # consumer, remote control, gossip, events, producer pool
RESULT_CONNECTIONS_PER_CHILD = 1
# The application's cache: a redis-py client's pool opens one connection per thread that uses
# it; a prefork child has one thread. Not measured by the benchmark (it has no cache traffic).
CACHE_CONNECTIONS_PER_CHILD = 1
# What a connection's client structure and buffers take (redis-server 7.0.15, CLIENT LIST
# tot-mem): about 1.8 KB idle; 22.4 KB while its 16 KB query buffer is held, for two seconds
# after a command (clientsCronResizeQueryBuffer). A worker's consumer (BRPOP every second),
# heartbeat publisher and gossip subscriber (a heartbeat every two seconds) stay at the second;
# application clients are counted at it too, as busy.
IDLE_CLIENT_BYTES = 1_800
BUSY_CLIENT_BYTES = 22_400
BUSY_WORKER_CONNECTIONS = 3
# used_memory_startup of an empty redis-server 7.0.15 (the benchmark's): the server's own
# structures, there before any key.
SERVER_BYTES = 875_960


# --- network ---------------------------------------------------------------------------------
#
# Bytes on the wire per command beyond its payload and key: the command's name, the RESP framing
# of its arguments and of its reply (https://redis.io/docs/latest/develop/reference/protocol-spec/).
# An upper estimate, checked in sum: bench/capacity.py compares the traffic of whole tasks with
# the server's own totals (INFO stats total_net_input_bytes, total_net_output_bytes).
COMMAND_FRAMING = 64


def task_traffic(args_json_bytes: int) -> tuple[int, int]:
    """Bytes into and out of the server per task on the broker. In: the message twice, pushed
    (LPUSH) and kept until its ack (HSET into `unacked`), and four commands that name only its
    tag or queue (ZADD into `unacked_index`, the BRPOP that takes it, HDEL and ZREM at its ack):
    kombu/transport/redis.py `_put`, `QoS.append`, `QoS.ack`. Out: the message once, BRPOP's reply.
    bench/capacity.py counts the server's own INFO totals: within 3 %."""
    message = message_bytes(args_json_bytes) + COMMAND_FRAMING
    return 2 * message + 4 * (DELIVERY_TAG_CHARS + COMMAND_FRAMING), message


def result_traffic(result_json_bytes: int) -> tuple[int, int]:
    """Bytes into and out of the server per stored result. In: the meta twice (SETEX and PUBLISH,
    one pipeline: celery/backends/redis.py `RedisBackend.set`) and four commands naming its key
    (the worker's GET of the stored state before it writes, celery/backends/base.py
    `_store_result`; the waiting client's SUBSCRIBE, GET and UNSUBSCRIBE). Out: the meta twice
    (the message PUBLISH delivers, the client's GET) and the replies. bench/capacity.py: the
    prediction is 5 to 13 % above the server's count."""
    meta = RESULT_META + result_json_bytes + len(RESULT_KEY) + TASK_ID_CHARS + COMMAND_FRAMING
    key = len(RESULT_KEY) + TASK_ID_CHARS + COMMAND_FRAMING
    return 2 * meta + 4 * key, 2 * meta + 4 * COMMAND_FRAMING


# --- a group's demand and how a node type holds it ------------------------------------------

# Above this share of usable memory or baseline bandwidth lint warns (CG042, CG043) and the cost
# report looks further: room for a burst, a failover's resync and growth before the node refuses
# writes or is throttled.
WARN_SHARE = 0.75
GB = 10 ** 9  # what a serverless cache's data is metered in

@dataclass(frozen=True)
class Part:
    """One share of the memory a group needs at its peak."""

    name: str  # queue, reserved tasks, results, cache, clients, server
    bytes: int
    how: str  # the computation, in words and numbers
    per_node: bool = False  # every node holds it whole (the server, its clients); else spread over the shards


@dataclass(frozen=True)
class Demand:
    """What a workload asks of one group at its peak (the roles it serves)."""

    parts: tuple[Part, ...]
    connections: int  # what the application holds at steady state (the model of bench/capacity.py's count)
    connections_how: str
    bytes_in_per_second: float  # into the primary, from the clients
    bytes_out_per_second: float  # out of the primary: replies and the replicas' streams
    network_how: str
    cache_operations_per_second: float = 0  # the application cache's reads and writes
    cache_item_bytes: int = 0  # what one cache read or write transfers: key and value

    @property
    def data_bytes(self) -> int:
        """The data itself, all shards together: what a serverless cache meters (BytesUsedForCache)."""
        return sum(p.bytes for p in self.parts if not p.per_node)

    def ecpus_per_second(self, per_kilobyte: float) -> float:
        """A serverless cache's ECPUs for the cache's reads and writes: `per_kilobyte` for each
        kilobyte a simple GET or SET transfers (the broker and results cannot be serverless)."""
        return self.cache_operations_per_second * per_kilobyte * math.ceil(max(self.cache_item_bytes, 1) / 1024)

    def per_node_bytes(self, shards: int) -> int:
        """The memory one node needs: its share of the data and all of what every node holds."""
        spread = sum(p.bytes for p in self.parts if not p.per_node)
        return math.ceil(spread / shards) + sum(p.bytes for p in self.parts if p.per_node)


@dataclass(frozen=True)
class Fit:
    """How one node type holds a demand."""

    node_type: str
    maxmemory_bytes: int  # the node type's maxmemory
    reserved_percent: float  # reserved-memory-percent: set aside for snapshots, syncs and failover
    reserved_by: str  # the parameter that sets it, with its value: "reserved-memory-percent 25"
    usable_bytes: int  # what the data may take: maxmemory less the reserved part
    needed_bytes: int  # the demand per node
    max_clients: int
    connections: int
    baseline_bytes_per_second: float  # the node type's baseline bandwidth, each direction
    network_bytes_per_second: float  # the busier direction, per primary

    @property
    def memory_share(self) -> float:
        return self.needed_bytes / self.usable_bytes if self.usable_bytes > 0 else math.inf

    @property
    def connection_share(self) -> float:
        return self.connections / self.max_clients

    @property
    def bandwidth_share(self) -> float:
        return self.network_bytes_per_second / self.baseline_bytes_per_second

    @property
    def holds_memory(self) -> bool:
        return self.needed_bytes <= self.usable_bytes

    @property
    def holds_connections(self) -> bool:
        return self.connections <= self.max_clients

    @property
    def fits(self) -> bool:
        return self.holds_memory and self.holds_connections

    @property
    def comfortable(self) -> bool:
        """Fits with the headroom lint asks for: a quarter of memory and bandwidth free."""
        return self.fits and self.memory_share <= WARN_SHARE and self.bandwidth_share <= WARN_SHARE


def fit(demand: Demand, node_type: str, node: dict, max_clients: int, reserved: tuple[float, str],
        shards: int) -> Fit:
    """How `node` holds the demand, `reserved` being the reserved memory's percentage and the
    parameter that sets it."""
    reserved_percent, reserved_by = reserved
    usable = int(node["maxmemory_bytes"] * (100 - reserved_percent) / 100)
    return Fit(node_type, node["maxmemory_bytes"], reserved_percent, reserved_by, usable, demand.per_node_bytes(shards),
               max_clients, demand.connections, node["baseline_bandwidth_gbps"] * 1e9 / 8,
               max(demand.bytes_in_per_second, demand.bytes_out_per_second) / shards)


def size(n: float) -> str:
    """Bytes in the binary unit that reads best: 12.0 KiB, 384.0 MiB, 1.37 GiB (-1.37 GiB below 0)."""
    if n < 0:
        return f"-{size(-n)}"
    if n >= 2 ** 30:
        return f"{n / 2 ** 30:,.2f} GiB"
    if n >= 2 ** 20:
        return f"{n / 2 ** 20:,.1f} MiB"
    return f"{n / 2 ** 10:,.1f} KiB"


def demand(workload: Workload, celery: Celery, roles: frozenset[str], prefixes: dict[str, str],
           replicas: int) -> Demand:
    """The demand of `workload` on a group serving `roles` (its Celery settings, key prefixes and
    replicas per shard): the queue on the broker's group, results on the result backend's, cache
    keys on the cache's; each group holds the connections of the roles it serves."""
    parts: list[Part] = []
    bytes_in = bytes_out = 0.0
    flows: list[str] = []
    cache_operations, cache_item = 0.0, 0  # the cache's reads and writes a second, and the key and value each moves
    workers, concurrency = celery.workers.count, celery.workers.concurrency
    rate = workload.tasks_per_second
    if "broker" in roles:
        queued = queued_tasks(workload, celery)
        message = message_bytes(workload.task_args_bytes)
        per_message = queued_bytes_per_message(workload.task_args_bytes)
        derived = "" if workload.queued_tasks is not None else \
            f" ({workload.tasks_per_second:g} a second x celery.tasks.expires {celery.tasks.expires or 0} s)"
        parts.append(Part("queue", queue_bytes(queued, workload.task_args_bytes),
                          f"{queued:,} tasks{derived} x {per_message:,.1f} bytes (a {message:,}-byte message in a "
                          f"listpack)"))
        # a worker reserves from the backlog: never more than the peak queue holds
        prefetch = workers * concurrency * celery.workers.prefetch_multiplier
        reserved = min(prefetch, queued)
        per_reserved = reserved_bytes_per_message(workload.task_args_bytes)
        parts.append(Part("reserved tasks", reserved * per_reserved,
                          f"{reserved:,} tasks (of {workers} workers x {concurrency} processes x prefetch "
                          f"{celery.workers.prefetch_multiplier}, at most the queue) x {per_reserved:,} bytes (kombu's "
                          f"unacked hash and index)"))
        into, out = task_traffic(workload.task_args_bytes)
        bytes_in += rate * into
        bytes_out += rate * out
        flows.append(f"{rate:g} tasks/s x {into:,} bytes in and {out:,} out (a {message:,}-byte message queued, "
                     f"reserved and delivered)")
    if "result_backend" in roles:
        stored = results_stored(workload, celery)
        result = RESULT_META + workload.results.result_bytes
        prefix = prefixes.get("result_backend", "")
        per_result = result_bytes_per_result(workload.results.result_bytes, max(stored, 1), prefix)
        derived = "" if workload.results.stored is not None else \
            f" ({workload.tasks_per_second:g} a second x result_expires {celery.result_backend.result_expires} s)"
        parts.append(Part("results", results_bytes(stored, workload.results.result_bytes, prefix) if stored else 0,
                          f"{stored:,} results{derived} x {per_result:,.1f} bytes (a {result:,}-byte meta, its key and "
                          f"expiry)"))
        into, out = result_traffic(workload.results.result_bytes)
        bytes_in += rate * into
        bytes_out += rate * out
        flows.append(f"{rate:g} results/s x {into:,} bytes in and {out:,} out (a {result:,}-byte meta stored, "
                     f"published and read)")
    if "cache" in roles:
        cache = workload.cache
        keys = cache_keys(cache)
        key_bytes = len(prefixes.get("cache", "")) + cache.key_bytes
        parts.append(Part("cache", cache_bytes(keys, key_bytes, cache.value_bytes, cache.ttl_seconds is not None),
                          f"{keys:,} keys of {key_bytes} + {cache.value_bytes:,} bytes"
                          + (" with an expiry" if cache.ttl_seconds else "")))
        cache_operations, cache_item = cache.reads_per_second + cache.writes_per_second, key_bytes + cache.value_bytes
        item = cache_item + COMMAND_FRAMING
        bytes_in += cache.writes_per_second * item
        bytes_out += cache.reads_per_second * item
        if cache.writes_per_second or cache.reads_per_second:
            flows.append(f"{cache.writes_per_second:g} cache writes/s and {cache.reads_per_second:g} reads/s x "
                         f"{item:,} bytes")
    connections, busy, how = steady_connections(celery, roles)
    parts.append(Part("clients", busy * BUSY_CLIENT_BYTES + (connections - busy) * IDLE_CLIENT_BYTES,
                      f"{busy:,} busy connections x {BUSY_CLIENT_BYTES:,} bytes and {connections - busy:,} idle x "
                      f"{IDLE_CLIENT_BYTES:,} (client state and buffers)", per_node=True))
    parts.append(Part("server", SERVER_BYTES, "an empty server's own memory (used_memory_startup)", per_node=True))
    # the replication stream carries every write to each replica: what the clients send bounds it
    # (their reads, BRPOP and SUBSCRIBE included, so it is an upper bound)
    bytes_out += bytes_in * replicas
    if replicas:
        flows.append(f"every write again to {replicas} replica{'s' if replicas > 1 else ''}")
    return Demand(tuple(parts), connections, how, bytes_in, bytes_out,
                  "; ".join(flows) or "no traffic stated", cache_operations, cache_item)


def queued_tasks(workload: Workload, celery: Celery) -> int:
    """The stated peak queue, else the backlog of one task expiry at the peak rate (rule V962
    requires a stated queue when tasks never expire)."""
    if workload.queued_tasks is not None:
        return workload.queued_tasks
    return math.ceil(workload.tasks_per_second * (celery.tasks.expires or 0))


def results_stored(workload: Workload, celery: Celery) -> int:
    if workload.results.stored is not None:
        return workload.results.stored
    return math.ceil(workload.tasks_per_second * celery.result_backend.result_expires)


def cache_keys(cache: CacheWorkload) -> int:
    if cache.keys is not None:
        return cache.keys
    return math.ceil(cache.writes_per_second * cache.ttl_seconds) if cache.ttl_seconds else 0


def steady_connections(celery: Celery, roles: frozenset[str]) -> tuple[int, int, str]:
    """The connections the application holds on a group serving `roles` at steady state, how
    many of them are busy, and the computation in words."""
    workers, concurrency = celery.workers.count, celery.workers.concurrency
    terms, total, busy = [], 0, 0
    if "broker" in roles:
        main = CHANNEL_CONNECTIONS * WORKER_MAIN_CHANNELS
        total += workers * main
        busy += workers * BUSY_WORKER_CONNECTIONS
        terms.append(f"{workers} workers x {main} (the main process's 5 kombu channels)")
    if "result_backend" in roles:
        total += workers * concurrency * RESULT_CONNECTIONS_PER_CHILD
        terms.append(f"{workers} x {concurrency} pool processes x 1 (the result backend)")
    if "cache" in roles:
        total += workers * concurrency * CACHE_CONNECTIONS_PER_CHILD
        terms.append(f"{workers} x {concurrency} pool processes x 1 (the cache)")
    total += celery.application_clients
    busy += celery.application_clients
    terms.append(f"{celery.application_clients} application clients")
    return total, busy, " + ".join(terms)


def connection_ceiling(celery: Celery, roles: frozenset[str]) -> int:
    """The most connections the application can open, every pool full: a worker's main process
    (its channels; the producer pool up to broker_pool_limit channels), each pool process's
    producers (two connections per channel, up to broker_pool_limit, when tasks publish) and
    result backend pool (redis_max_connections) and cache pool (each process has its own client),
    and the other application clients."""
    workers, processes = celery.workers.count, celery.workers.count * celery.workers.concurrency
    total = celery.application_clients
    if "broker" in roles:
        total += workers * CHANNEL_CONNECTIONS * (WORKER_MAIN_CHANNELS - 1 + celery.broker.pool_limit)
        total += processes * CHANNEL_CONNECTIONS * celery.broker.pool_limit
    if "result_backend" in roles:
        total += processes * celery.result_backend.max_connections
    if "cache" in roles:
        total += processes * celery.cache.max_connections
    return total
