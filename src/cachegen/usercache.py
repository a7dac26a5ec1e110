"""cachegen's per-user cache: work on cachegen's own files (never a user's spec) kept between runs.

Two things are cached, both to make a cold process faster and neither able to change what
a build writes: the templates' Jinja bytecode (`templates.py`) and the parsed data
catalogues (`parsed`, used by `catalog.py`). Each entry is keyed by the exact bytes it was
made from, so an edited file is never served stale. CACHEGEN_CACHE_DIR moves the cache; an
empty value turns it off. A cache that cannot be used (unwritable, full, corrupt, another
user's) costs speed, never the build.
"""

from __future__ import annotations

import datetime
import hashlib
import marshal
import os
import stat
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any


def cache_dir() -> Path | None:
    """$CACHEGEN_CACHE_DIR, else $XDG_CACHE_HOME/cachegen, else ~/.cache/cachegen; None: no cache."""
    configured = os.environ.get("CACHEGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cachegen"


def private_directory(path: Path) -> bool:
    """Create `path` for this user only; refuse one another user could write to (the cache
    holds code that is executed and data the build trusts)."""
    if not hasattr(os, "getuid"):
        return False
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


# --- parsed data -----------------------------------------------------------------------------
# Held in marshal's format (built in: nothing to import, and loading it runs no code). marshal
# knows no dates, which YAML's loader makes of `retrieved: 2026-11-28`: an entry holds the
# value with each date as its ISO text, and the paths of those dates, so that loading restores
# them without walking the whole value (the price catalogue has tens of thousands of leaves).

_PLAIN = (str, int, float, bool, type(None))


def _to_marshal(value: Any, path: tuple = (), dates: list | None = None) -> tuple[Any, list]:
    """(value with dates as text, paths of the dates); TypeError for anything but plain data."""
    dates = [] if dates is None else dates
    kind = type(value)
    if kind is dict:
        return {key: _to_marshal(item, (*path, key), dates)[0] for key, item in value.items()}, dates
    if kind is list:
        return [_to_marshal(item, (*path, index), dates)[0] for index, item in enumerate(value)], dates
    if kind is datetime.date:
        dates.append(path)
        return value.isoformat(), dates
    if kind in _PLAIN:
        return value, dates
    raise TypeError(f"{kind.__name__} cannot be cached")


def _from_marshal(value: Any, dates: list) -> Any:
    for path in dates:
        *parents, last = path
        container = value
        for key in parents:
            container = container[key]
        container[last] = datetime.date.fromisoformat(container[last])
    return value


def _data_directory() -> Path | None:
    directory = cache_dir()
    if directory is None:
        return None
    # marshal's format changes between Python versions
    directory = directory / f"data-py{sys.version_info[0]}{sys.version_info[1]}-m{marshal.version}"
    return directory if private_directory(directory) else None


def parsed(source: bytes, parse: Callable[[], Any]) -> Any:
    """parse()'s value for `source` (the bytes it parses), from the cache when an entry for
    these exact bytes exists, else computed and stored. The value is plain data: dicts, lists,
    strings, numbers, booleans, None and dates."""
    directory = _data_directory()
    if directory is None:
        return parse()
    digest = hashlib.sha256(source).hexdigest()
    entry = directory / f"{digest}.marshal"
    try:
        stored = marshal.loads(entry.read_bytes())
        # an entry names the bytes it was made from: a truncated or foreign file is parsed again
        if type(stored) is tuple and len(stored) == 3 and stored[0] == digest:
            return _from_marshal(stored[1], stored[2])
    except (OSError, EOFError, ValueError, TypeError, KeyError, IndexError):  # absent or unreadable
        pass
    value = parse()
    staged = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        staged.write_bytes(marshal.dumps((digest, *_to_marshal(value))))
        os.replace(staged, entry)  # readers see the old entry or the whole new one
    except (OSError, TypeError, ValueError):
        with suppress(OSError):
            staged.unlink(missing_ok=True)
    return value
