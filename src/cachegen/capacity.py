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
# cachegen's celeryconfig.py sets them): 870 bytes with a 10-character task name and a
# 10-character origin.
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
