"""Jinja2 templates from the top-level templates/ folder (shipped inside the wheel).

Compiling the templates is most of a cold build's rendering time, so their bytecode is
cached per user (Jinja's own bytecode cache, keyed by template and checked against the
template's source; the output is the same with or without it). CACHEGEN_CACHE_DIR moves
the cache; an empty value turns it off. A cache that cannot be used is skipped silently.
"""

from __future__ import annotations

import os
import stat
from functools import cache
from pathlib import Path
from typing import Any


def templates_dir() -> Path:
    """Inside the installed package (wheel), else the repository's templates/ (editable install)."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def cache_dir() -> Path | None:
    """$CACHEGEN_CACHE_DIR, else $XDG_CACHE_HOME/cachegen, else ~/.cache/cachegen; None: no cache."""
    configured = os.environ.get("CACHEGEN_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cachegen"


def _private_directory(path: Path) -> bool:
    """Create `path` for this user only; refuse one another user could write to (the cache
    holds code that is executed)."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = path.lstat()
    except OSError:
        return False
    return (stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid()
            and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


# Compiled code depends on these as well as on the template's text, so they name the cache.
OPTIONS = {"keep_trailing_newline": True, "trim_blocks": True, "lstrip_blocks": True, "autoescape": False}


def _bytecode_cache() -> Any:
    import hashlib

    import jinja2

    class TolerantCache(jinja2.FileSystemBytecodeCache):
        """A full disk or a read-only home costs speed, never the build."""

        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    directory = cache_dir()
    if directory is None or not hasattr(os, "getuid"):
        return None
    settings = repr((getattr(jinja2, "__version__", ""), sorted(OPTIONS.items()))).encode()
    directory = directory / f"jinja-{hashlib.sha256(settings).hexdigest()[:16]}"
    if not _private_directory(directory):
        return None
    return TolerantCache(str(directory), "%s.cache")


@cache
def _environment() -> Any:
    import shlex

    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir())),
        undefined=jinja2.StrictUndefined,
        bytecode_cache=_bytecode_cache(),
        **OPTIONS,
    )
    # `q`: any value into one shell word, literally (spec text never runs as code)
    environment.filters["q"] = lambda value: shlex.quote(str(value))
    return environment


def render(name: str, **context: Any) -> str:
    return _environment().get_template(name).render(**context)
