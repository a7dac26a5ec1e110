"""Writes out/<environment>/ so that it is always whole: the old tree or the new one.

The new tree is built in a hidden sibling directory, then swapped in with one atomic
exchange (Linux renameat2), so a build that fails or is killed leaves the previous tree
intact. Files whose content did not change are hard-linked into the new tree, not
rewritten, and a build that changes nothing touches nothing.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Iterator

LOCK_NAME = ".cachegen.lock"


@dataclass
class Plan:
    """How the tree on disk differs from what the build produced."""

    target: Path
    files: dict[str, bytes]
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def up_to_date(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def encode(files: dict[str, str]) -> dict[str, bytes]:
    return {name: text.encode("utf-8") for name, text in files.items()}


def target_dir(out_dir: Path, environment: str) -> Path:
    target = out_dir / environment
    if target.parent != out_dir or environment in {"", ".", ".."} or "/" in environment or "\\" in environment:
        raise ValueError(f"environment name {environment!r} would leave {out_dir}")
    return target


def plan(out_dir: Path, environment: str, files: dict[str, bytes]) -> Plan:
    result = Plan(target_dir(out_dir, environment), files)
    on_disk = set(_list_files(result.target))
    for name, content in files.items():
        if name not in on_disk:
            result.missing.append(name)
        elif _read(result.target / name) != content:
            result.stale.append(name)
    result.extra = sorted(on_disk - set(files))
    return result


def _list_files(root: Path) -> Iterator[str]:
    if not root.is_dir():
        return
    for directory, _dirs, names in os.walk(root):
        for name in names:
            yield Path(directory, name).relative_to(root).as_posix()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def write(p: Plan) -> bool:
    """Swap the planned tree in; returns whether anything changed on disk."""
    out_dir = p.target.parent
    if p.up_to_date:
        if _leftovers(out_dir):
            with _locked(out_dir):
                recover(out_dir)
        return False
    out_dir.mkdir(parents=True, exist_ok=True)
    with _locked(out_dir):
        recover(out_dir)
        p = plan(out_dir, p.target.name, p.files)  # another build may have written meanwhile
        if p.up_to_date:
            return False
        staging = Path(tempfile.mkdtemp(prefix=f".{p.target.name}.new-", dir=out_dir))
        try:
            os.chmod(staging, 0o755)
            _make_durable(staging, _fill(staging, p))
            if p.target.exists():
                _swap(staging, p.target)  # the previous tree ends up in staging or removed
            else:
                os.rename(staging, p.target)
            _fsync_dir(out_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return True


def _fill(staging: Path, p: Plan) -> list[Path]:
    """The new tree, unchanged files hard-linked; returns the files written."""
    unchanged = set(p.files) - set(p.missing) - set(p.stale)
    written = []
    for name, content in p.files.items():
        dest = staging / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if name in unchanged and _link(p.target / name, dest):
            continue
        with open(dest, "wb") as handle:
            handle.write(content)
        os.chmod(dest, 0o644)
        written.append(dest)
    return written


def _make_durable(staging: Path, written: list[Path]) -> None:
    """On disk before the swap, so a power cut cannot leave a swapped-in tree of empty files.
    Linux: one syncfs(2) for the whole tree (an fsync per file is a journal commit each, a
    fifth of a cold build's time); elsewhere, fsync each written file and every directory."""
    libc = _libc()
    syncfs = getattr(libc, "syncfs", None) if libc else None
    if syncfs is not None:
        fd = os.open(staging, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in written:
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
    for directory, _subdirs, _names in os.walk(staging, topdown=False):  # entries of links, too
        _fsync_dir(Path(directory))


def _link(source: Path, dest: Path) -> bool:
    try:
        os.link(source, dest)
        return True
    except OSError:
        return False


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _swap(new: Path, target: Path) -> None:
    """Exchange two directories atomically; without renameat2, two renames and a recoverable gap."""
    if _rename_exchange(new, target):
        return
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    os.rename(target, old)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(old, target)  # the previous tree back before the error is reported
        raise
    shutil.rmtree(old, ignore_errors=True)  # what is left, recover() removes next time


@cache
def _libc() -> Any:
    """The C library, for the Linux calls Python's os module lacks (renameat2, syncfs)."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):
        return None


def _rename_exchange(a: Path, b: Path) -> bool:
    import ctypes

    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False  # kernel or file system without RENAME_EXCHANGE
    raise OSError(code, os.strerror(code), str(b))


def _leftovers(out_dir: Path) -> bool:
    return out_dir.is_dir() and any(".new-" in e.name or ".old-" in e.name for e in out_dir.iterdir())


def recover(out_dir: Path) -> None:
    """Undo what a killed build left: restore a tree caught mid-swap, drop staging trees."""
    if not out_dir.is_dir():
        return
    for entry in sorted(out_dir.iterdir()):
        if not entry.name.startswith(".") or not entry.is_dir():
            continue
        if ".old-" in entry.name:
            target = out_dir / entry.name[1:].split(".old-")[0]
            if not target.exists():
                os.rename(entry, target)
                continue
        if ".new-" in entry.name or ".old-" in entry.name:
            shutil.rmtree(entry, ignore_errors=True)


@contextmanager
def _locked(out_dir: Path) -> Iterator[None]:
    """Two builds of the same out/ at once take turns instead of interleaving."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with open(out_dir / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
